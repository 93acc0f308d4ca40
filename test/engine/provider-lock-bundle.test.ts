// The bundled actions carry the committed provider lock file: ncc copies it beside actions/<name>/dist/index.js and
// the engine finds it there. Run as the runner runs it, the teardown bundle reads its own copy: a recorded stack
// requiring a provider the copy has no checksum for stops, naming that file, before terraform starts.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProviderLockFile } from '../../src/engine/provider-lock-file.ts';
import { repositoryLockFile } from '../../src/engine/provider-lock.ts';
import type { StackBundle } from '../../src/engine/stack-bundle.ts';
import { bundlePath, runBundle, useBundlesUnderTest } from '../actions/bundles.ts';

const runnerTemp = mkdtempSync(join(tmpdir(), 'tslab-lock-bundle-'));
const workspace = join(runnerTemp, 'workspace');
const dist = () => dirname(resolve(bundlePath('teardown')));
beforeAll(() => useBundlesUnderTest(), 900_000);
afterAll(() => rmSync(runnerTemp, { recursive: true, force: true }));

describe('the teardown bundle', () => {
  it('ships the committed lock file and its requirements beside its entry', () => {
    expect(readFileSync(join(dist(), '.terraform.lock.hcl'), 'utf8')).toBe(
      readFileSync(repositoryLockFile(), 'utf8'),
    );
    expect(existsSync(join(dist(), 'versions.tf.json'))).toBe(true);
  });

  it('checks a restored stack against its own copy of the lock file before terraform starts', () => {
    const lab = 'lockcheck';
    const labDir = join(runnerTemp, 'tslab-state', lab);
    mkdirSync(labDir, { recursive: true });
    // A provider no lock file has an entry for, whatever the refresh has recorded.
    const bundle: StackBundle = {
      schema: 1,
      stacks: [
        {
          id: 'local',
          dependencies: [],
          backend: { kind: 'local', path: join(labDir, 'local.tfstate') },
          files: {
            'cdk.tf.json': JSON.stringify({
              terraform: {
                required_providers: { absent: { source: 'tslab-test/absent', version: '1.0.0' } },
              },
            }),
          },
        },
      ],
    };
    writeFileSync(join(labDir, 'stacks.json'), JSON.stringify(bundle));

    mkdirSync(workspace);
    const run = runBundle(
      resolve(bundlePath('teardown')),
      { lab, target: 'local' },
      { RUNNER_TEMP: runnerTemp },
      workspace,
    );
    const copy = join(dist(), '.terraform.lock.hcl');
    expect(parseProviderLockFile(readFileSync(copy, 'utf8'), copy).map((e) => e.address)).not.toContain(
      'registry.terraform.io/tslab-test/absent',
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      `::error::tslab teardown: The provider lock file ${copy} has no checksums for ` +
        "registry.terraform.io/tslab-test/absent, required by stack 'local'.",
    );
    // Restored (into the lab's home below the synth directory, named after the lab), and never initialized.
    const synthDir = join(workspace, '.tslab', 'synth');
    const homes = readdirSync(synthDir).filter(
      (name) => name.startsWith(`${lab}-`) && name.endsWith('-restored'),
    );
    expect(homes).toHaveLength(1);
    const restored = join(synthDir, homes[0]!, 'stacks', 'local');
    expect(existsSync(join(restored, 'cdk.tf.json'))).toBe(true);
    expect(existsSync(join(restored, '.terraform'))).toBe(false);
  });
});
