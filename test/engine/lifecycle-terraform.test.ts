// deployLab / destroyLab against the real terraform binary (offline: terraform_data only, local backend).
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deployLab, destroyLab, StackError } from '../../src/engine/lifecycle.ts';
import { buildManifest, type LabManifest, type ManifestStore } from '../../src/engine/manifest.ts';
import { LocalLabStore } from '../../src/engine/lab-stores.ts';
import { ProgressReporter, type LabProgressEvent } from '../../src/engine/progress.ts';
import { synthesize, type SynthesizedStack } from '../../src/engine/synth.ts';
import { TerraformCli, TerraformError, type TerraformRunner } from '../../src/engine/terraform.ts';
import type { LabConfig } from '../../src/lab/config.ts';
import { GREETING, localLab, SECRET, tempDir, twoStackApp } from './fixtures/stack-apps.ts';

let cache: Awaited<ReturnType<typeof tempDir>>;
let work: Awaited<ReturnType<typeof tempDir>>;
let lab: LabConfig;
let store: LocalLabStore;
let cli: TerraformCli;
let calls: string[];

beforeAll(async () => {
  cache = await tempDir('plugin-cache');
});
afterAll(async () => cache.remove());

beforeEach(async () => {
  work = await tempDir('lifecycle');
  lab = localLab(work.path);
  store = new LocalLabStore(join(work.path, 'labs'));
  cli = new TerraformCli({ binary: 'terraform', pluginCacheDir: cache.path });
  calls = [];
});
afterEach(async () => work.remove());

/** Logs every terraform call and manifest write, in order, so tests can check what happened before what. */
function recordingCli(): TerraformRunner {
  const stackOf = (dir: string): string => dir.split('/').pop() ?? dir;
  return {
    init: (dir) => (calls.push(`init ${stackOf(dir)}`), cli.init(dir)),
    apply: (dir, onEvent) => (calls.push(`apply ${stackOf(dir)}`), cli.apply(dir, onEvent)),
    destroy: (dir, onEvent) => (calls.push(`destroy ${stackOf(dir)}`), cli.destroy(dir, onEvent)),
    output: (dir) => (calls.push(`output ${stackOf(dir)}`), cli.output(dir)),
    stateList: (dir) => (calls.push(`state list ${stackOf(dir)}`), cli.stateList(dir)),
  };
}

function recordingStore(): ManifestStore {
  return {
    read: (id) => store.read(id),
    write: (manifest: LabManifest) => {
      const statuses = Object.entries(manifest.stacks).map(([id, record]) => `${id}=${record.status}`);
      calls.push(`write [${statuses.join(' ')}]`);
      return store.write(manifest);
    },
    delete: (id) => (calls.push(`delete ${id}`), store.delete(id)),
    list: () => store.list(),
  };
}

function synth(shape: Parameters<typeof twoStackApp>[1] = {}): SynthesizedStack[] {
  return synthesize(twoStackApp(lab, shape), join(work.path, 'cdktf.out')).stacks;
}

async function stateFiles(): Promise<string[]> {
  const dir = join(work.path, 'state', lab.id);
  return existsSync(dir) ? readdir(dir) : [];
}

describe('deployLab with real terraform', () => {
  it('writes the manifest first, applies a then b, and reads b’s output derived from a', async () => {
    const stacks = synth();
    const result = await deployLab({
      stacks,
      terraform: recordingCli(),
      store: recordingStore(),
      manifest: buildManifest(lab),
    });

    expect(calls).toEqual([
      'write []',
      'write [a=applying]',
      'init a',
      'apply a',
      'output a',
      'write [a=applied]',
      'write [a=applied b=applying]',
      'init b',
      'apply b',
      'output b',
      'write [a=applied b=applied]',
    ]);
    expect(result.outputs.b?.value('echoed')).toBe(GREETING);
    expect(result.stacks.map((run) => [run.id, run.changes.add])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    const stored = await store.read(lab.id);
    expect(stored?.stacks.a).toMatchObject({ status: 'applied', durationMs: expect.any(Number) });
    expect(stored?.stacks.b?.status).toBe('applied');
    expect(await stateFiles()).toEqual(expect.arrayContaining(['a.tfstate', 'b.tfstate']));
  });

  it('keeps sensitive outputs out of serialized results but hands them to an explicit read', async () => {
    const result = await deployLab({ stacks: synth(), terraform: cli, store, manifest: buildManifest(lab) });
    const outputs = result.outputs.a!;
    expect(outputs.value('token')).toBe(SECRET);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(outputs)).toContain('visible');
  });

  it('reports resource progress as n of the planned total, per stack', async () => {
    const events: LabProgressEvent[] = [];
    const lines: string[] = [];
    const reporter = new ProgressReporter((line) => lines.push(line));
    await deployLab({
      stacks: synth(),
      terraform: cli,
      store,
      manifest: buildManifest(lab),
      onProgress: (event) => (events.push(event), reporter.handle(event)),
    });

    const completions = events.flatMap((e) =>
      e.kind === 'terraform' && e.event.type === 'apply_complete'
        ? [`${e.stack} ${e.event.done}/${e.event.total}`]
        : [],
    );
    expect(completions).toEqual(['a 1/2', 'a 2/2', 'b 1/1']);
    expect(lines).toContainEqual(
      expect.stringMatching(/^a: 2\/2 resources, \d+\.\d s — terraform_data\.\w+ created$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^b: applied in \d+\.\d s: 1 added, 0 changed, 0 destroyed$/),
    );
  });

  it('marks a stack whose apply fails as failed, names it, and destroy still removes all its state', async () => {
    const stacks = synth({ failInB: true });
    const failure = await deployLab({ stacks, terraform: cli, store, manifest: buildManifest(lab) }).catch(
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(StackError);
    expect(failure).toMatchObject({ stackId: 'b', operation: 'apply' });
    const cause = (failure as StackError).cause;
    expect(cause).toBeInstanceOf(TerraformError);
    expect(cause).toMatchObject({ exitCode: 1 });
    expect((cause as TerraformError).diagnostics[0]).toMatchObject({
      summary: 'local-exec provisioner error',
      address: 'terraform_data.broken',
    });
    expect((failure as Error).message).toMatch(/Stack 'b' failed to apply: .*local-exec provisioner error/);
    const stored = await store.read(lab.id);
    expect(stored?.stacks).toMatchObject({ a: { status: 'applied' }, b: { status: 'failed' } });

    const summary = await destroyLab({ stacks, terraform: cli, store, lab: lab.id });
    expect(summary.stacks.map((s) => [s.id, s.outcome])).toEqual([
      ['b', 'destroyed'],
      ['a', 'destroyed'],
    ]);
    expect(await stateFiles()).toEqual([]);
    expect(await store.read(lab.id)).toBeUndefined();
  });
});

describe('destroyLab with real terraform', () => {
  it('destroys b before a, counts what it destroyed, and leaves neither state files nor a manifest', async () => {
    const stacks = synth();
    await deployLab({ stacks, terraform: cli, store, manifest: buildManifest(lab) });
    calls = [];

    const summary = await destroyLab({
      stacks,
      terraform: recordingCli(),
      store: recordingStore(),
      lab: lab.id,
    });

    expect(calls.filter((call) => call.startsWith('destroy'))).toEqual(['destroy b', 'destroy a']);
    expect(summary.stacks.map((s) => [s.id, s.outcome, s.resourcesDestroyed])).toEqual([
      ['b', 'destroyed', 1],
      ['a', 'destroyed', 2],
    ]);
    expect(summary.nothingToDo).toBe(false);
    expect(await stateFiles()).toEqual([]);
    expect(existsSync(join(work.path, 'state', lab.id))).toBe(false);
    expect(await store.read(lab.id)).toBeUndefined();
  });

  it('is a no-op success the second time: no state, no manifest, no terraform run', async () => {
    const stacks = synth();
    await deployLab({ stacks, terraform: cli, store, manifest: buildManifest(lab) });
    await destroyLab({ stacks, terraform: cli, store, lab: lab.id });
    calls = [];

    const again = await destroyLab({
      stacks,
      terraform: recordingCli(),
      store: recordingStore(),
      lab: lab.id,
    });

    expect(again.nothingToDo).toBe(true);
    expect(again.stacks.map((s) => s.outcome)).toEqual(['skipped', 'skipped']);
    expect(calls.filter((call) => !call.startsWith('delete'))).toEqual([]);
  });
});

describe('destroy from state alone', () => {
  it('destroys without reading a broken data source when refresh is off, and state rm forgets a resource', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tslab-refresh-'));
    const remote = join(dir, 'other.tfstate');
    writeFileSync(
      remote,
      JSON.stringify({
        version: 4,
        terraform_version: '1.11.4',
        serial: 1,
        lineage: 'x',
        outputs: { v: { value: '1', type: 'string' } },
        resources: [],
      }),
    );
    const work = join(dir, 'stack');
    mkdirSync(work);
    writeFileSync(
      join(work, 'main.tf.json'),
      JSON.stringify({
        data: { terraform_remote_state: { x: { backend: 'local', config: { path: remote } } } },
        resource: {
          terraform_data: { a: { input: '${data.terraform_remote_state.x.outputs}' }, b: { input: 'kept' } },
        },
      }),
    );
    const cli = new TerraformCli();
    await cli.init(work);
    await cli.apply(work);
    writeFileSync(remote, '{broken'); // the API behind the data source is gone
    await expect(cli.destroy(work)).rejects.toThrow(/state file|Unsupported/i);
    await cli.stateRm(work, ['terraform_data.b']);
    const managed = async () => (await cli.stateList(work)).filter((address) => !address.startsWith('data.'));
    expect(await managed()).toEqual(['terraform_data.a']);
    const changes = await cli.destroy(work, () => {}, { refresh: false });
    expect(changes.remove).toBe(1);
    expect(await managed()).toEqual([]);
  }, 60_000);
});
