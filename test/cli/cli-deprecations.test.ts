// A normal run prints no Node deprecation warning. The CLI runs as a user runs it (bin/tslab.js, its own node
// process, so warnings reach stderr); synth of each target loads and runs cdktf's synthesis, where DEP0044
// (util.isArray) came from.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const out = mkdtempSync(join(tmpdir(), 'tslab-deprecations-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function tslab(args: string[]) {
  const env = { ...process.env };
  // Whatever the caller's node options (--no-deprecation would hide the very thing under test).
  delete env['NODE_OPTIONS'];
  return spawnSync(process.execPath, ['bin/tslab.js', ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

describe('no deprecation warnings', () => {
  it.each(['local', 'aws'])('tslab synth --target %s', (target) => {
    const run = tslab(['synth', '--target', target, '--lab', `dep-${target}`, '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Synthesized lab 'dep-${target}' (${target}`);
    expect(run.stderr).not.toMatch(/DeprecationWarning|DEP\d{4}/);
  });
});
