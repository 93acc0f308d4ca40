// The local lab through the real pipeline, as `npm run lab` runs it: the CLI, the engine applying terraform_data
// pieces with the real terraform binary, the checks, the teardown. Needs root, terraform and the lab packages.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { requires } from '../../support/requires.ts';

const suffix = Math.random().toString(36).slice(2, 6);

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(args, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

function namespacesOf(lab: string): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith(`tslab-${lab}-`));
}

function processesOf(lab: string): string[] {
  const stateDir = join(process.cwd(), '.tslab/state', lab);
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmd.includes(stateDir) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
          ? [cmd]
          : [];
      } catch {
        return [];
      }
    });
}

function expectNothingLeft(lab: string): void {
  expect(namespacesOf(lab)).toEqual([]);
  expect(processesOf(lab)).toEqual([]);
  expect(existsSync(join('.tslab/state', lab))).toBe(false);
}

requires('local-lab').describe('the local lab pipeline', () => {
  it('runs two labs side by side, each up → validate → down, with every check passing and nothing left', async () => {
    const [a, b] = [`pa${suffix}`, `pb${suffix}`];
    const [ra, rb] = await Promise.all([
      cli(['lab', '--target', 'local', '--lab', a]),
      cli(['lab', '--target', 'local', '--lab', b]),
    ]);
    expect(ra.out).toContain('PASSED: 13 passed, 0 failed, 0 skipped');
    expect(rb.out).toContain('PASSED: 13 passed, 0 failed, 0 skipped');
    expect([ra.code, rb.code]).toEqual([0, 0]);
    // Each lab saw its own nonce, not the other's.
    expect(ra.out).not.toContain(`tslab-${b}-`);
    expectNothingLeft(a);
    expectNothingLeft(b);
  }, 90_000);

  it('catches a broken lab: without the router forwarding, DNS and HTTP checks fail with a useful error', async () => {
    const lab = `pn${suffix}`;
    expect((await cli(['provision', '--target', 'local', '--lab', lab])).code).toBe(0);
    try {
      // The seed's negative test, locally: the subnet router stops routing into the cluster.
      spawnSync('ip', ['netns', 'exec', `tslab-${lab}-router`, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
      const result = await cli(['validate', '--target', 'local', '--lab', lab, '--check-timeout', '4']);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/FAIL subnet-router\.dns-resolves .*did not resolve/);
      expect(result.out).toMatch(/FAIL subnet-router\.http /);
      expect(result.out).toMatch(/PASS egress\.http /);
    } finally {
      expect((await cli(['teardown', '--target', 'local', '--lab', lab])).code).toBe(0);
    }
    expectNothingLeft(lab);
    expect((await cli(['teardown', '--target', 'local', '--lab', lab])).out).toContain(
      'nothing to tear down',
    );
  }, 90_000);

  it('leaves nothing behind when up is killed half-way and down runs after it', async () => {
    const lab = `pk${suffix}`;
    const child = spawn(process.execPath, ['bin/tslab.js', 'provision', '--target', 'local', '--lab', lab], {
      detached: true,
      stdio: 'ignore',
    });
    const deadline = Date.now() + 20_000;
    while (namespacesOf(lab).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(namespacesOf(lab).length).toBeGreaterThanOrEqual(3);
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const down = await cli(['teardown', '--target', 'local', '--lab', lab]);
    expect(down.code).toBe(0);
    expectNothingLeft(lab);
  }, 90_000);
});
