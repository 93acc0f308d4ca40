// Promise 5: two runs on one lab never interleave. With the real terraform binary and the local backend, a second run
// on a stack whose state is locked fails at once naming the holder, or waits with a lock timeout; the state and the
// manifest stay valid either way, and a teardown that meets a running apply waits for it and then removes everything.
// Between provision recording the lab and terraform taking its lock, the lab's run lock keeps a teardown out (below).
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployLab, destroyLab, StackError } from '../../src/engine/lifecycle.ts';
import { buildManifest, parseManifest } from '../../src/engine/manifest.ts';
import { LocalLabStore } from '../../src/engine/lab-stores.ts';
import { synthesize, type SynthesizedStack } from '../../src/engine/synth.ts';
import { StateLockedError, TerraformCli } from '../../src/engine/terraform.ts';
import type { LabConfig } from '../../src/lab/config.ts';
import { teardownLocalLab } from '../../src/targets/local/teardown.ts';
import { LabHome } from '../../src/home/lab-home.ts';
import { synthLab } from '../../src/targets/synth-lab.ts';
import { LabBusyError } from '../../src/engine/run-lock.ts';
import { localLab as engineLab, slowStackApp, tempDir } from '../engine/fixtures/stack-apps.ts';
import { Figures } from './support/figures.ts';
import { requires } from '../support/requires.ts';
import { localLab, localRemains, NOTHING_LOCAL, STATE_ROOT } from './support/local-lab.ts';

const figures = new Figures('runs never interleave');
afterAll(() => figures.print());

let work: Awaited<ReturnType<typeof tempDir>>;
let lab: LabConfig;
let stacks: SynthesizedStack[];
let store: LocalLabStore;

beforeEach(async () => {
  work = await tempDir('interleave');
  lab = engineLab(work.path, 'interleave');
  stacks = synthesize(slowStackApp(lab, 3), join(work.path, 'cdktf.out')).stacks;
  store = new LocalLabStore(join(work.path, 'state'));
});
afterEach(async () => work.remove());

const statePath = () => (stacks[0]!.backend as { path: string }).path;

/** The state file parses and lists `resources` managed resources. */
function expectValidState(resources: number): void {
  const state = JSON.parse(readFileSync(statePath(), 'utf8')) as { resources: { mode: string }[] };
  expect(state.resources.filter((r) => r.mode === 'managed')).toHaveLength(resources);
}

/** Starts a deploy and resolves once terraform is creating the slow resource, i.e. holds the state lock. */
async function deployHoldingTheLock(): Promise<{ finished: Promise<unknown> }> {
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const finished = deployLab({
    stacks,
    terraform: new TerraformCli({ lockTimeoutSeconds: 0 }),
    store,
    manifest: buildManifest(lab),
    onProgress: (event) => {
      if (event.kind === 'terraform' && event.event.type === 'apply_start') holding();
    },
  });
  await Promise.race([held, finished]);
  return { finished };
}

describe('two runs on one lab', () => {
  it('the second apply fails at once on the state lock, naming its holder; state and manifest stay valid', async () => {
    const { finished: first } = await deployHoldingTheLock();

    const error = await deployLab({
      stacks,
      terraform: new TerraformCli({ lockTimeoutSeconds: 0 }),
      store,
      manifest: buildManifest(lab),
    }).catch((e: unknown) => e);
    await first;

    expect(error).toBeInstanceOf(StackError);
    const lock = (error as StackError).cause as StateLockedError;
    expect(lock).toBeInstanceOf(StateLockedError);
    expect(lock.message).toContain(`locked by ${lock.lock.who}`);
    expect(lock.lock.who).toMatch(/@/);
    expect(lock.message).toContain(`force-unlock ${lock.lock.id}`);
    expectValidState(1);
    const manifest = parseManifest(
      readFileSync(join(work.path, 'state', lab.id, 'manifest.json'), 'utf8'),
      'manifest',
    );
    expect(manifest.stacks['slow']?.status).toBe('applied');
    figures.add('concurrent runs tried');
    figures.add('concurrent runs kept apart');
  });

  it('with a lock timeout the second apply waits for the first; both succeed, one after the other', async () => {
    const order: string[] = [];
    const first = (await deployHoldingTheLock()).finished.then(() => order.push('first'));

    await deployLab({
      stacks,
      terraform: new TerraformCli({ lockTimeoutSeconds: 30 }),
      store,
      manifest: buildManifest(lab),
    });
    order.push('second');
    await first;

    expect(order).toEqual(['first', 'second']);
    expectValidState(1);
    figures.add('concurrent runs tried');
    figures.add('concurrent runs kept apart');
  });

  it('a teardown that meets a running apply waits for its lock, then removes everything', async () => {
    const { finished: up } = await deployHoldingTheLock();

    const down = await destroyLab({
      stacks,
      terraform: new TerraformCli({ lockTimeoutSeconds: 30 }),
      store,
      lab: lab.id,
    });
    await up;

    expect(down.stacks).toEqual([
      expect.objectContaining({ id: 'slow', outcome: 'destroyed', resourcesDestroyed: 1 }),
    ]);
    expect(existsSync(statePath())).toBe(false);
    expect(await store.read(lab.id)).toBeUndefined();
    figures.add('concurrent runs tried');
    figures.add('concurrent runs kept apart');
  });
});

requires('local-lab').describe('provision and teardown of one local lab at once', () => {
  // Terraform's lock covers one stack while terraform runs; the lab's run lock covers the whole provision and
  // teardown, so a teardown can no longer slip in between provision recording the lab and its first apply.
  it('a teardown during a provision waits for it (or fails naming it), and a final teardown leaves nothing', async () => {
    const id = `race${Math.random().toString(36).slice(2, 6)}`;
    const local = localLab(id);
    const outdir = join(work.path, 'synth');
    try {
      await LabHome.of(local, { outdir, lock: { waitMs: 0 } }).run('provision', {}, async (run) => {
        // provision, step 1: synthesize and record the stacks and the manifest (what deployLab writes before terraform).
        const stacks = await run.synthesize(synthLab);
        await run.store.write(buildManifest(run.lab));
        // teardown comes now, while provision is between its record and terraform's lock: it must not touch the lab.
        const busy = await teardownLocalLab(LabHome.of(local, { outdir, lock: { waitMs: 300 } })).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(busy).toBeInstanceOf(LabBusyError);
        expect(String(busy)).toMatch(new RegExp(`lab '${id}' is busy: provision by pid ${process.pid}`));
        figures.add('concurrent runs tried');
        figures.add('concurrent runs kept apart');
        // provision, step 2: terraform applies.
        await deployLab({
          stacks,
          terraform: run.terraform(),
          store: run.store,
          manifest: buildManifest(run.lab),
        });
      });
      await teardownLocalLab(LabHome.of(local, { outdir }));
      expect(localRemains(id)).toEqual(NOTHING_LOCAL);
    } finally {
      await teardownLocalLab(LabHome.of(local, { outdir })).catch(() => undefined);
      await rm(join(STATE_ROOT, id), { recursive: true, force: true });
    }
  }, 60_000);
});
