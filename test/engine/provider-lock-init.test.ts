// The engine's init against the committed provider lock file, with the real terraform, offline: stand-in providers in
// a filesystem_mirror, the lock file computed from them by scripts/lock-providers.sh (never written by hand). Every
// stack gets the entries of exactly its providers, a package that matches no recorded checksum stops init before any
// apply (and is never started), a plugin cache cannot slip one in, and a provider with no entry stops the run before
// terraform starts.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalLabStore } from '../../src/engine/lab-stores.ts';
import { deployLab, destroyLab, StackError } from '../../src/engine/lifecycle.ts';
import { buildManifest } from '../../src/engine/manifest.ts';
import { parseProviderLockFile, renderProviderLockFile } from '../../src/engine/provider-lock-file.ts';
import {
  checkLockCoversAwsStacks,
  HOW_TO_PRODUCE_LOCK,
  ProviderLock,
  ProviderLockError,
} from '../../src/engine/provider-lock.ts';
import { captureStacks, restoreStacks } from '../../src/engine/stack-bundle.ts';
import type { SynthesizedStack } from '../../src/engine/stack-order.ts';
import { synthesize } from '../../src/engine/synth.ts';
import { TerraformCli, TerraformError, type TerraformRunner } from '../../src/engine/terraform.ts';
import {
  address,
  currentPlatform,
  LOCKED_PLATFORMS,
  lockFromMirror,
  StandInMirror,
  standInStack,
  STAND_INS,
  type StandIn,
} from './fixtures/provider-mirror.ts';
import { localLab, tempDir, twoStackApp } from './fixtures/stack-apps.ts';

const CHECKSUM_MISMATCH =
  /doesn't match any of the\s+checksums previously recorded in the dependency lock file/;

let shared: Awaited<ReturnType<typeof tempDir>>;
let mirror: StandInMirror;
/** The "committed" lock file: both stand-ins, as scripts/lock-providers.sh wrote it. */
let lockFile: string;
let lockScriptOutput: string;
let work: Awaited<ReturnType<typeof tempDir>>;
let calls: string[];

beforeAll(async () => {
  shared = await tempDir('provider-lock');
  mirror = new StandInMirror(shared.path);
  const lockDir = join(shared.path, 'providers');
  mkdirSync(lockDir);
  writeFileSync(join(lockDir, 'versions.tf.json'), standInStack(['standin', 'other']));
  lockScriptOutput = lockFromMirror(lockDir, mirror, join(shared.path, 'tools')).stdout;
  lockFile = join(lockDir, '.terraform.lock.hcl');
}, 120_000);
afterAll(async () => shared.remove());

beforeEach(async () => {
  work = await tempDir('provider-lock-run');
  calls = [];
});
afterEach(async () => {
  mirror.restore();
  writeFileSync(mirror.runs, '');
  await work.remove();
});

function cli(
  options: { env?: NodeJS.ProcessEnv; pluginCacheDir?: string; lockFile?: string } = {},
): TerraformCli {
  return new TerraformCli({
    binary: 'terraform',
    env: mirror.env(options.env),
    providerLockFile: options.lockFile ?? lockFile,
    ...(options.pluginCacheDir ? { pluginCacheDir: options.pluginCacheDir } : {}),
  });
}

/** A stack directory requiring `types`, with a local backend under the work dir. */
function stack(id: string, types: readonly StandIn[], extra: Record<string, unknown> = {}): SynthesizedStack {
  const dir = join(work.path, 'stacks', id);
  const state = join(work.path, 'state', `${id}.tfstate`);
  mkdirSync(dir, { recursive: true });
  const json = JSON.parse(standInStack(types, extra)) as { terraform: Record<string, unknown> };
  json.terraform.backend = { local: { path: state } };
  writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
  return { id, workingDirectory: dir, dependencies: [], backend: { kind: 'local', path: state } };
}

/** A resource whose apply leaves `file` behind. */
const markerResource = (file: string) => ({
  resource: {
    terraform_data: { marker: { provisioner: [{ 'local-exec': { command: `echo applied > ${file}` } }] } },
  },
});

function recording(runner: TerraformRunner): TerraformRunner {
  const name = (dir: string) => dir.split('/').pop() ?? dir;
  return {
    init: (dir) => (calls.push(`init ${name(dir)}`), runner.init(dir)),
    checkProviderLock: (dirs) => (
      calls.push(`check ${dirs.map(name).join(',')}`),
      runner.checkProviderLock!(dirs)
    ),
    apply: (dir, onEvent) => (calls.push(`apply ${name(dir)}`), runner.apply(dir, onEvent)),
    destroy: (dir, onEvent, flags) => (
      calls.push(`destroy ${name(dir)}`),
      runner.destroy(dir, onEvent, flags)
    ),
    output: (dir) => (calls.push(`output ${name(dir)}`), runner.output(dir)),
    stateList: (dir) => (calls.push(`state list ${name(dir)}`), runner.stateList(dir)),
  };
}

function lockEntries(file: string) {
  return parseProviderLockFile(readFileSync(file, 'utf8'), file);
}

/** Plain terraform in `dir`, as anyone could run it: no tslab, no lock file unless one is there. */
function plainTerraform(dir: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync('terraform', args, { cwd: dir, env: mirror.env(env), encoding: 'utf8' });
}

describe('the committed lock file', () => {
  it('is computed by terraform from the packages (lock-providers.sh), one checksum per locked platform', () => {
    expect(lockScriptOutput).toContain('tofu is not on PATH');
    expect(lockScriptOutput).toContain(
      `terraform locked 2 providers: ${address('other')} ${address('standin')}`,
    );
    const entries = lockEntries(lockFile);
    expect(entries.map((e) => [e.address, e.version, e.constraints])).toEqual([
      [address('other'), STAND_INS.other, STAND_INS.other],
      [address('standin'), STAND_INS.standin, STAND_INS.standin],
    ]);
    for (const entry of entries) {
      expect(entry.hashes).toHaveLength(LOCKED_PLATFORMS.length);
      expect(entry.hashes.every((hash) => hash.startsWith('h1:'))).toBe(true);
    }
    // The writer's layout is terraform's own: the file's blocks read back and render to the same text.
    const blocks = readFileSync(lockFile, 'utf8').replace(/^(#.*\n)+\n/, '');
    expect(renderProviderLockFile(entries, [])).toBe(blocks);
  });
});

describe('init against the committed lock file', () => {
  it('installs what the lock holds, writing into the stack the entries of exactly its providers', async () => {
    const one = stack('one', ['standin']);
    const both = stack('both', ['standin', 'other']);
    await cli().init(one.workingDirectory);
    await cli().init(both.workingDirectory);

    const committed = lockEntries(lockFile);
    expect(lockEntries(join(one.workingDirectory, '.terraform.lock.hcl'))).toEqual(
      committed.filter((e) => e.address === address('standin')),
    );
    expect(lockEntries(join(both.workingDirectory, '.terraform.lock.hcl'))).toEqual(committed);
    expect(
      readFileSync(
        mirror.binary('standin', currentPlatform(), join(one.workingDirectory, '.terraform/providers')),
        'utf8',
      ),
    ).toBe(mirror.genuine('standin'));
    // Init only installs: no stand-in was started.
    expect(mirror.ranStandIns()).toEqual([]);
  });

  it('stops at a stand-in changed after locking: it is never started and nothing is applied', async () => {
    mirror.tamper('standin');
    const tampered = stack('tampered', ['standin'], markerResource(join(work.path, 'applied')));

    // Without the lock file terraform takes the tampered copy and starts it at plan: that is what is guarded against.
    const bypass = join(work.path, 'no-lock');
    cpSync(tampered.workingDirectory, bypass, { recursive: true });
    writeFileSync(
      join(bypass, 'cdk.tf.json'),
      standInStack(['standin'], markerResource(join(bypass, 'applied'))),
    );
    expect(plainTerraform(bypass, {}, 'init', '-input=false', '-no-color').status).toBe(0);
    plainTerraform(bypass, {}, 'apply', '-auto-approve', '-input=false', '-no-color');
    expect(mirror.ranStandIns()).toContain('tampered standin');
    writeFileSync(mirror.runs, '');

    const store = new LocalLabStore(join(work.path, 'labs'));
    const lab = localLab(work.path);
    const error = await deployLab({
      stacks: [tampered],
      terraform: recording(cli()),
      store,
      manifest: buildManifest(lab),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).cause).toBeInstanceOf(TerraformError);
    expect((error as Error).message).toMatch(CHECKSUM_MISMATCH);
    expect(calls).toEqual(['check tampered', 'init tampered']);
    expect(mirror.ranStandIns()).toEqual([]);
    expect(existsSync(join(work.path, 'applied'))).toBe(false);
    expect((await store.read(lab.id))?.stacks.tampered?.status).toBe('failed');
  });

  it('never takes a tampered copy from the plugin cache, even with TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=true', async () => {
    const mayBreak = { TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: 'true' };
    const seedCache = (cache: string) => {
      mkdirSync(join(mirror.binary('standin', currentPlatform(), cache), '..'), { recursive: true });
      writeFileSync(mirror.binary('standin', currentPlatform(), cache), mirror.tampered('standin'), {
        mode: 0o755,
      });
    };
    const installed = (dir: string) =>
      readFileSync(mirror.binary('standin', currentPlatform(), join(dir, '.terraform/providers')), 'utf8');

    // Without a lock file, the variable makes terraform link the cached copy unchecked.
    const bypassCache = join(work.path, 'bypass-cache');
    seedCache(bypassCache);
    const bypass = stack('bypass', ['standin']).workingDirectory;
    const plain = plainTerraform(
      bypass,
      { ...mayBreak, TF_PLUGIN_CACHE_DIR: bypassCache },
      'init',
      '-input=false',
    );
    expect(plain.status).toBe(0);
    expect(installed(bypass)).toBe(mirror.tampered('standin'));

    const cache = join(work.path, 'plugin-cache');
    seedCache(cache);
    const guarded = stack('guarded', ['standin']).workingDirectory;
    await cli({ env: mayBreak, pluginCacheDir: cache }).init(guarded);
    expect(installed(guarded)).toBe(mirror.genuine('standin'));
    expect(mirror.ranStandIns()).toEqual([]);
  });

  it('refuses a provider only a module requires instead of recording it unverified', async () => {
    mirror.tamper('other');
    const moduled = stack('moduled', ['standin'], { module: { inner: { source: './inner' } } });
    mkdirSync(join(moduled.workingDirectory, 'inner'));
    writeFileSync(join(moduled.workingDirectory, 'inner', 'main.tf.json'), standInStack(['other']));

    // Without -lockfile=readonly this init passes, recording whatever the mirror holds for the module's provider.
    const error = await cli()
      .init(moduled.workingDirectory)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerraformError);
    expect((error as Error).message).toMatch(/Provider dependency changes detected/);
    expect(lockEntries(join(moduled.workingDirectory, '.terraform.lock.hcl')).map((e) => e.address)).toEqual([
      address('standin'),
    ]);
    expect(mirror.ranStandIns()).toEqual([]);
  });

  it('fails closed before terraform starts when a provider has no entry, naming it, the file and the way to produce it', async () => {
    const first = stack('first', [], markerResource(join(work.path, 'first-applied')));
    const absent = stack('absent', ['standin']);
    writeFileSync(
      join(absent.workingDirectory, 'cdk.tf.json'),
      JSON.stringify({
        terraform: {
          required_providers: {
            standin: { source: 'tslab-test/standin' },
            absent: { source: 'tslab-test/absent' },
          },
          backend: { local: { path: absent.backend.kind === 'local' ? absent.backend.path : '' } },
        },
      }),
    );
    const store = new LocalLabStore(join(work.path, 'labs'));
    const lab = localLab(work.path);

    const error = await deployLab({
      stacks: [first, absent],
      terraform: recording(cli()),
      store,
      manifest: buildManifest(lab),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderLockError);
    expect((error as Error).message).toBe(
      `The provider lock file ${lockFile} has no checksums for registry.terraform.io/tslab-test/absent, ` +
        `required by stack 'absent'. tslab runs terraform init only against checksums recorded there ` +
        `(-lockfile=readonly), so it stopped before running terraform. ${HOW_TO_PRODUCE_LOCK}`,
    );
    expect(HOW_TO_PRODUCE_LOCK).toMatch(
      /\.github\/workflows\/refresh-pins\.yml.*scripts\/lock-providers\.sh/,
    );
    expect(HOW_TO_PRODUCE_LOCK).toContain('The local target (target: local) needs no provider');
    // The providerless stack would have applied first: the check comes before any stack, and any manifest write.
    expect(calls).toEqual(['check first,absent']);
    expect(existsSync(join(work.path, 'first-applied'))).toBe(false);
    expect(await store.read(lab.id)).toBeUndefined();
    // And init on its own refuses before starting terraform: nothing was written into the stack either.
    await expect(cli().init(absent.workingDirectory)).rejects.toBeInstanceOf(ProviderLockError);
    expect(existsSync(join(absent.workingDirectory, '.terraform'))).toBe(false);
    expect(existsSync(join(absent.workingDirectory, '.terraform.lock.hcl'))).toBe(false);
  });

  it('treats a lock file that does not exist, or an entry without checksums, as no entry', async () => {
    const needy = stack('needy', ['standin']);
    const missing = join(work.path, 'nowhere', '.terraform.lock.hcl');
    await expect(cli({ lockFile: missing }).init(needy.workingDirectory)).rejects.toThrow(
      `The provider lock file ${missing} does not exist (a bundle copied without its dotfiles loses it: ` +
        'upload-artifact leaves them out unless include-hidden-files is true), so it has no checksums for ' +
        `${address('standin')}, required by stack 'needy'.`,
    );
    const hashless = join(work.path, 'hashless.hcl');
    writeFileSync(
      hashless,
      renderProviderLockFile(
        lockEntries(lockFile).map((e) => ({ ...e, hashes: [] })),
        ['entries without checksums'],
      ),
    );
    await expect(cli({ lockFile: hashless }).init(needy.workingDirectory)).rejects.toBeInstanceOf(
      ProviderLockError,
    );
  });

  it('gives restored stacks the committed entries, never a lock file that came with the bundle', async () => {
    const original = stack('restored', ['standin']);
    await cli().init(original.workingDirectory);
    const bundle = await captureStacks([original]);
    expect(Object.keys(bundle.stacks[0]!.files)).toEqual(['cdk.tf.json']);

    // A bundle someone with write access to the bucket changed: a lock file terraform computed for a tampered copy.
    mirror.tamper('standin');
    const forged = join(work.path, 'forged');
    mkdirSync(forged);
    writeFileSync(join(forged, 'cdk.tf.json'), standInStack(['standin']));
    const lock = plainTerraform(
      forged,
      {},
      'providers',
      'lock',
      `-fs-mirror=${mirror.mirror}`,
      `-platform=${currentPlatform()}`,
    );
    expect(lock.status).toBe(0);
    bundle.stacks[0]!.files['.terraform.lock.hcl'] = readFileSync(
      join(forged, '.terraform.lock.hcl'),
      'utf8',
    );

    const [restored] = await restoreStacks(bundle, join(work.path, 'teardown'));
    expect(existsSync(join(restored!.workingDirectory, '.terraform.lock.hcl'))).toBe(false);
    // State recorded by the provision, so the teardown has something to destroy.
    mkdirSync(join(work.path, 'state'), { recursive: true });
    writeFileSync(
      original.backend.kind === 'local' ? original.backend.path : '',
      JSON.stringify({
        version: 4,
        terraform_version: '1.11.0',
        serial: 1,
        lineage: 'provider-lock-test',
        outputs: {},
        resources: [
          {
            mode: 'managed',
            type: 'terraform_data',
            name: 'marker',
            provider: 'provider["terraform.io/builtin/terraform"]',
            instances: [{ schema_version: 0, attributes: { id: 'x' }, sensitive_attributes: [] }],
          },
        ],
      }),
    );

    const error = await destroyLab({
      stacks: [restored!],
      terraform: recording(cli()),
      store: new LocalLabStore(join(work.path, 'labs')),
      lab: 'restored-lab',
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StackError);
    expect((error as Error).message).toMatch(CHECKSUM_MISMATCH);
    expect(calls).toEqual(['check restored', 'init restored']);
    expect(mirror.ranStandIns()).toEqual([]);
    expect(lockEntries(join(restored!.workingDirectory, '.terraform.lock.hcl'))).toEqual(
      lockEntries(lockFile).filter((e) => e.address === address('standin')),
    );
  });

  it('restores no file outside the stack’s directory', async () => {
    const bundle = await captureStacks([stack('escape', [])]);
    bundle.stacks[0]!.files['assets/../../../outside.txt'] = 'no';
    await expect(restoreStacks(bundle, join(work.path, 'teardown'))).rejects.toThrow(
      'stack escape: unsafe path assets/../../../outside.txt',
    );
  });

  it('needs no lock file at all for stacks without providers, like the local target’s', async () => {
    const lab = localLab(work.path);
    const { stacks } = synthesize(twoStackApp(lab), join(work.path, 'cdktf.out'));
    const nowhere = join(work.path, 'nowhere', '.terraform.lock.hcl');
    const result = await deployLab({
      stacks,
      terraform: cli({ lockFile: nowhere }),
      store: new LocalLabStore(join(work.path, 'labs')),
      manifest: buildManifest(lab),
    });
    expect(result.stacks.map((run) => run.id)).toEqual(['a', 'b']);
    for (const synthesized of stacks) {
      expect(lockEntries(join(synthesized.workingDirectory, '.terraform.lock.hcl'))).toEqual([]);
    }
  });

  it('lets an AWS run start when every listed provider has checksums for its engine, and names them when not', async () => {
    const requirements = join(shared.path, 'providers', 'versions.tf.json');
    const lock = new ProviderLock(lockFile);
    await expect(checkLockCoversAwsStacks('terraform', lock, requirements)).resolves.toBeUndefined();
    await expect(checkLockCoversAwsStacks('/opt/bin/tofu', lock, requirements)).rejects.toThrow(
      `The provider lock file ${lockFile} has no checksums for registry.opentofu.org/tslab-test/other, ` +
        `registry.opentofu.org/tslab-test/standin, required by the AWS stacks as versions.tf.json lists them. tslab runs tofu ` +
        `init only against checksums recorded there (-lockfile=readonly), so it stopped before running tofu. ` +
        `${HOW_TO_PRODUCE_LOCK} tofu resolves providers to registry.opentofu.org: scripts/lock-providers.sh ` +
        'records those only where tofu is on PATH.',
    );
  });

  it('keeps TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE from terraform whatever the parent environment holds', async () => {
    const fake = join(work.path, 'terraform');
    writeFileSync(fake, `#!/bin/sh\nenv > ${JSON.stringify(join(work.path, 'env'))}\n`, { mode: 0o755 });
    const runner = new TerraformCli({
      binary: fake as `/${string}`,
      env: { PATH: process.env.PATH, TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: 'true', KEPT: 'yes' },
      providerLockFile: lockFile,
    });
    await runner.init(stack('env', ['standin']).workingDirectory);
    const seen = readFileSync(join(work.path, 'env'), 'utf8');
    expect(seen).toContain('KEPT=yes');
    expect(seen).not.toContain('TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE');
  });
});
