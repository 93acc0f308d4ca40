// TerraformCli's process handling, checked with a stand-in binary that records how it was called.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  StateLockedError,
  TerraformCli,
  TerraformError,
  type TerraformEvent,
} from '../../src/engine/terraform.ts';
import { tempDir } from './fixtures/stack-apps.ts';

let work: Awaited<ReturnType<typeof tempDir>>;
let fakeBinary: `/${string}`;

// Records cwd, args (one a line) and the TF_*/PASSED_* environment, then prints what the test asked for.
const FAKE_TERRAFORM = `#!/bin/sh
{ pwd; for arg in "$@"; do echo "$arg"; done; } > "$FAKE_DIR/args"
env | grep -E '^(TF_|PASSED_)' | sort > "$FAKE_DIR/env"
cat "$FAKE_DIR/stdout" 2>/dev/null
cat "$FAKE_DIR/stderr" 1>&2 2>/dev/null
exit "$(cat "$FAKE_DIR/exit" 2>/dev/null || echo 0)"
`;

beforeEach(async () => {
  work = await tempDir('fake-tf');
  fakeBinary = join(work.path, 'terraform') as `/${string}`;
  await writeFile(fakeBinary, FAKE_TERRAFORM, { mode: 0o755 });
});
afterEach(async () => work.remove());

function fakeCli(options: { lockTimeoutSeconds?: number; pluginCacheDir?: string } = {}): TerraformCli {
  return new TerraformCli({
    binary: fakeBinary,
    env: { PATH: process.env.PATH, FAKE_DIR: work.path, PASSED_THROUGH: 'yes' },
    ...options,
  });
}

async function willPrint(stdout: string[], exitCode = 0, stderr = ''): Promise<void> {
  await writeFile(join(work.path, 'stdout'), stdout.map((line) => `${line}\n`).join(''));
  await writeFile(join(work.path, 'stderr'), stderr);
  await writeFile(join(work.path, 'exit'), String(exitCode));
}

async function recorded(file: 'args' | 'env'): Promise<string[]> {
  return (await readFile(join(work.path, file), 'utf8')).trim().split('\n');
}

const ui = (fields: object): string =>
  JSON.stringify({ '@level': 'info', '@module': 'terraform.ui', ...fields });
const hook = (type: string, addr: string, action: string): string =>
  ui({ type, hook: { resource: { addr }, action, elapsed_seconds: 1 } });

describe('TerraformCli', () => {
  it('runs apply in the stack dir with -json, no colour, no prompts and the lock timeout', async () => {
    await willPrint([]);
    await fakeCli({ lockTimeoutSeconds: 45 }).apply(work.path);
    expect(await recorded('args')).toEqual([
      work.path,
      'apply',
      '-auto-approve',
      '-input=false',
      '-json',
      '-no-color',
      '-lock-timeout=45s',
    ]);
  });

  it('passes the caller’s environment through and adds automation mode and the plugin cache', async () => {
    await willPrint([]);
    const cacheDir = join(work.path, 'plugin-cache');
    await fakeCli({ pluginCacheDir: cacheDir }).init(work.path);
    expect(await recorded('args')).toEqual([
      work.path,
      'init',
      '-input=false',
      '-no-color',
      '-lockfile=readonly',
    ]);
    expect(await recorded('env')).toEqual([
      'PASSED_THROUGH=yes',
      'TF_INPUT=0',
      'TF_IN_AUTOMATION=1',
      `TF_PLUGIN_CACHE_DIR=${cacheDir}`,
    ]);
  });

  it('streams -json lines as events and returns the closing change counts', async () => {
    await willPrint([
      ui({ type: 'change_summary', changes: { add: 1, change: 0, remove: 1, operation: 'plan' } }),
      hook('apply_complete', 'terraform_data.old', 'delete'),
      hook('apply_complete', 'terraform_data.new', 'create'),
      ui({ type: 'change_summary', changes: { add: 1, change: 0, remove: 1, operation: 'destroy' } }),
    ]);
    const events: TerraformEvent[] = [];
    const counts = await fakeCli().destroy(work.path, (event) => events.push(event));
    expect(events.map((event) => event.type)).toEqual([
      'planned',
      'apply_complete',
      'apply_complete',
      'summary',
    ]);
    expect(counts).toEqual({ add: 1, change: 0, remove: 1 });
  });

  it('throws TerraformError with the exit code and the error diagnostics of a failed apply', async () => {
    const diagnostic = {
      severity: 'error',
      summary: 'creating VPC',
      detail: 'UnauthorizedOperation',
      address: 'aws_vpc.lab',
    };
    await willPrint([ui({ type: 'diagnostic', '@level': 'error', diagnostic })], 1);
    const error = await fakeCli()
      .apply(work.path)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerraformError);
    expect(error).not.toBeInstanceOf(StateLockedError);
    expect(error).toMatchObject({ exitCode: 1, command: 'terraform apply', dir: work.path });
    expect((error as Error).message).toBe(
      `terraform apply failed (exit 1) in ${work.path}: aws_vpc.lab: creating VPC — UnauthorizedOperation`,
    );
  });

  it('recognises a held lock reported only on stderr (commands run without -json)', async () => {
    await willPrint(
      [],
      1,
      'Error: Error acquiring the state lock\n\nLock Info:\n  ID:        abc\n  Who:       ci@runner\n',
    );
    const error = await fakeCli()
      .init(work.path)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateLockedError);
    expect((error as StateLockedError).lock).toMatchObject({ id: 'abc', who: 'ci@runner' });
  });

  it('keeps sensitive output values out of logs while value() still returns them', async () => {
    await willPrint([
      JSON.stringify({
        endpoint: { value: 'https://10.0.0.1', sensitive: false, type: 'string' },
        authKey: { value: 'tskey-secret', sensitive: true, type: 'string' },
      }),
    ]);
    const outputs = await fakeCli().output(work.path);
    expect(outputs.value('authKey')).toBe('tskey-secret');
    expect(outputs.isSensitive('authKey')).toBe(true);
    expect(JSON.stringify(outputs)).toBe('{"endpoint":"https://10.0.0.1","authKey":"(sensitive)"}');
    expect(inspect(outputs)).not.toContain('tskey-secret');
    expect(() => outputs.value('missing')).toThrow(/No output 'missing' \(outputs: endpoint, authKey\)/);
  });

  it('treats a backend without any state as an empty state list', async () => {
    await willPrint([], 1, 'No state file was found!\n');
    expect(await fakeCli().stateList(work.path)).toEqual([]);
  });

  it('refuses a relative binary path, which would depend on the current directory', () => {
    expect(() => new TerraformCli({ binary: 'bin/terraform' as `/${string}` })).toThrow(/absolute path/);
  });

  it('says so when the binary is not installed', async () => {
    const error = await new TerraformCli({ binary: '/nonexistent/tofu' })
      .init(work.path)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Could not run tofu init .*not installed or not on PATH/);
  });

  it('reports the real terraform’s name and version', async () => {
    expect(await new TerraformCli().version()).toEqual({
      name: 'terraform',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });
});
