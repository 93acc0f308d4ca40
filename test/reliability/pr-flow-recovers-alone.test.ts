// Promise 7 in the pull-request flow: there the next event after an interrupted provision is not that run's own
// teardown but a new push (another run, another runner), the close, the label's removal or the hourly sweep. Each
// interruption — a cancel terraform stops in time, a cancel or timeout it cannot stop in time (terraform killed, its
// lock left, tslab records it), a lost runner (the whole tree killed: run lock and terraform lock left, nothing
// recorded) — at several points, followed by each next event, must end with the lab whole (a push) or gone (every
// other event, and the close after a push), with no manual step.
import { userInfo } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InterruptionController } from '../../src/engine/interruption.ts';
import { S3LabStore } from '../../src/engine/lab-stores.ts';
import type { LabProgressEvent } from '../../src/engine/progress.ts';
import type { TakeoverEvidence } from '../../src/engine/takeover.ts';
import { StateLockedError } from '../../src/engine/terraform.ts';
import { LOST_RUN } from '../../src/home/dead-runs.ts';
import { LabHome } from '../../src/home/lab-home.ts';
import type { LabConfig } from '../../src/lab/config.ts';
import { sweepExpiredLabs } from '../../src/sweep/sweep-labs.ts';
import { provisionAwsLab } from '../../src/targets/aws/provision.ts';
import { teardownAwsLab } from '../../src/targets/aws/teardown.ts';
import { openHome } from '../../src/targets/open-lab.ts';
import { BUCKET, REGION } from './support/cloud-model.ts';
import { ModelTerraform } from './support/fake-terraform.ts';
import { Figures } from './support/figures.ts';
import { causes, manualStep } from './support/manual-step.ts';
import { LabWorld } from './support/lab-world.ts';
import { AWS_STACKS } from '../../src/lab/stack-contract.ts';

const figures = new Figures('PR flow recovers alone');
let world: LabWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});
afterAll(() => figures.print());
for (const name of ['labs left with anything', 'manual steps needed', 'pushes that could not build the lab'])
  figures.add(name, 0);

const REPOSITORY = 'acme/tslab-labs';
const PUSH_1 = { run: '7001', host: 'fv-az1-push1' };
const USER = userInfo().username;
const NOTHING = { resources: [], devices: [], splitDns: [], records: [] };
const runLockKey = (lab: string) => `tslab/${lab}/run.lock`;
const runEnv = (id: string, job: string) => ({
  GITHUB_REPOSITORY: REPOSITORY,
  GITHUB_RUN_ID: id,
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: job,
});

type Interruption =
  | 'cancelled at the stack boundary'
  | 'cancelled, terraform stops'
  | 'cancelled, terraform killed'
  | 'runner lost';
type NextEvent =
  | 'push (GitHub reports push 1 ended)'
  | 'push (no evidence; heartbeat stale)'
  | 'push that fails elsewhere, then close'
  | 'close'
  | 'sweep after expiry';

const INTERRUPTIONS: Interruption[] = [
  'cancelled at the stack boundary',
  'cancelled, terraform stops',
  'cancelled, terraform killed',
  'runner lost',
];
const POINTS = AWS_STACKS;
const NEXT: NextEvent[] = [
  'push (GitHub reports push 1 ended)',
  'push (no evidence; heartbeat stale)',
  'push that fails elsewhere, then close',
  'close',
  'sweep after expiry',
];

const applied = (event: LabProgressEvent, stack: string, done: number) =>
  event.kind === 'terraform' &&
  event.stack === stack &&
  event.event.type === 'apply_complete' &&
  event.event.done === done;

/** Push 1's provision, interrupted as said in the apply of `stack`; then its process is gone. */
async function interruptedPush(w: LabWorld, lab: LabConfig, how: Interruption, stack: string) {
  const controller = new InterruptionController();
  const terraform = new ModelTerraform(w.model, w, { host: PUSH_1.host });
  terraform.interruption = controller;
  let onProgress: (event: LabProgressEvent) => void = () => {};
  if (how === 'runner lost') terraform.faults.push({ kind: 'kill', stack, after: 1 });
  else if (how === 'cancelled at the stack boundary')
    onProgress = (event) => {
      if (event.kind === 'stack_start' && event.stack === stack) controller.interrupt('SIGINT');
    };
  else if (how === 'cancelled, terraform stops')
    onProgress = (event) => {
      if (applied(event, stack, 1)) controller.interrupt('SIGINT');
    };
  else {
    terraform.stopsInTime = false;
    terraform.hurryKills = 'terraform';
    // The runner's SIGTERM comes before terraform reaches a safe point: the hurry kills it, its lock left.
    onProgress = (event) => {
      if (!applied(event, stack, 1)) return;
      controller.interrupt('SIGINT');
      controller.interrupt('SIGTERM');
    };
  }
  const home = LabHome.of(lab, {
    ...w.homeOptions(),
    terraform,
    lock: { env: runEnv(PUSH_1.run, 'provision'), host: PUSH_1.host, stateLockPollMs: 1 },
  });
  const outcome = await provisionAwsLab(home, w.services(), {
    ...w.io(),
    interruption: controller,
    onProgress,
  }).then(
    () => 'completed' as const,
    (error: unknown) => error,
  );
  w.model.killed = false;
  return { outcome, terraform };
}

/** The run lock push 1 left, its heartbeat made older than the bound: what a push an hour later finds. */
function ageRunLock(w: LabWorld, lab: string): void {
  const text = w.model.objects.get(runLockKey(lab));
  if (!text) return;
  const old = new Date(Date.now() - 3 * 3_600_000).toISOString();
  w.model.objects.set(runLockKey(lab), JSON.stringify({ ...JSON.parse(text), since: old, heartbeatAt: old }));
}

/** A later push: another run on another runner provisions the lab again. */
async function push(
  w: LabWorld,
  lab: LabConfig,
  run: string,
  takeover: TakeoverEvidence,
  arm: (terraform: ModelTerraform) => void = () => {},
) {
  const terraform = new ModelTerraform(w.model, w, { host: `fv-az-push-${run}` });
  arm(terraform);
  const home = LabHome.of(lab, {
    ...w.homeOptions(),
    terraform,
    lock: { env: runEnv(run, 'provision'), host: `fv-az-push-${run}`, stateLockPollMs: 1, waitMs: 200 },
  });
  return provisionAwsLab(home, w.services(), { log: (line) => w.log.push(line), takeover }).then(
    () => ({ terraform, error: undefined }),
    (error: unknown) => ({ terraform, error }),
  );
}

/** The close (or the label's removal): the teardown job of another run, which asks GitHub whether runs ended. */
async function close(w: LabWorld, labId: string, ended: readonly string[]) {
  const terraform = new ModelTerraform(w.model, w, { host: 'fv-az-close' });
  const { home } = await openHome(
    { lab: labId, region: REGION, stateBucket: BUCKET },
    {
      credentials: {},
      localStateDir: w.outdir,
      outdir: w.outdir,
      dependencies: { awsClients: () => w.aws.clients, terraform },
    },
  );
  const closing = LabHome.of(home.lab, {
    ...w.homeOptions(),
    terraform,
    lock: { env: runEnv('7999', 'teardown'), host: 'fv-az-close', stateLockPollMs: 1, waitMs: 200 },
  });
  return teardownAwsLab(closing, w.services(), {
    log: (line) => w.log.push(line),
    takeover: { finishedJobs: ['gate', 'build'], runEnded: async (r) => ended.includes(r.id) },
  }).then(
    (report) => ({ terraform, error: undefined, warnings: report.warnings }),
    (error: unknown) => ({ terraform, error, warnings: [] as string[] }),
  );
}

const forceUnlocks = (...runs: ModelTerraform[]) =>
  runs.reduce((n, t) => n + t.calls.filter((c) => c.command === 'force-unlock').length, 0);

// Every interruption kind × every next event, each at two of the six stacks (rotating), so every stack meets every
// interruption kind and every next event: 40 sequences in CI's time instead of 120.
const matrix = INTERRUPTIONS.flatMap((how, i) =>
  NEXT.flatMap((next, j) =>
    [0, 3].map((offset) => {
      const stack = POINTS[(i + j + offset) % POINTS.length]!;
      return [`${how} in ${stack}, then ${next}`, how, stack, next] as const;
    }),
  ),
);

describe('an interrupted PR provision is recovered by whatever event comes next, with no manual step', () => {
  it.each(matrix)('%s', async (_name, how, stack, next) => {
    world = await LabWorld.start();
    const w = world;
    const lab = w.lab('pr-12');
    const first = await interruptedPush(w, lab, how, stack);
    expect(first.outcome).not.toBe('completed');
    figures.add('interruptions × next events tried');
    const left = { run: w.model.objects.has(runLockKey(lab.id)), state: first.terraform.deaths > 0 };
    expect(left.run).toBe(how === 'runner lost');
    expect(left.state).toBe(how === 'cancelled, terraform killed' || how === 'runner lost');
    const unlockers: ModelTerraform[] = [];
    let lastError: unknown;

    if (next.startsWith('push')) {
      const noEvidence = next === 'push (no evidence; heartbeat stale)';
      if (noEvidence) ageRunLock(w, lab.id);
      const fails = next === 'push that fails elsewhere, then close';
      // The second push fails on its own, after the takeover, in the last stack it applies.
      const failingStack = 'workloads';
      const second = await push(
        w,
        lab,
        '7002',
        noEvidence ? {} : { runEnded: async (r) => r.id === PUSH_1.run },
        (terraform) => {
          if (fails)
            terraform.faults.push({ kind: 'fail', stack: failingStack, operation: 'apply', after: 1 });
        },
      );
      unlockers.push(second.terraform);
      if (fails) {
        expect(String(second.error)).toContain('injected failure');
        // The evidence of push 1 outlives push 2: still in the manifest after push 2 released the lock.
        if (left.state) {
          const manifest = await new S3LabStore(w.aws.clients.s3, BUCKET).read(lab.id);
          const kept = forceUnlocks(second.terraform) === 0;
          if (kept) expect(manifest?.stacks[stack]?.status).toBe('interrupted');
        }
        const closed = await close(w, lab.id, [PUSH_1.run, '7002']);
        unlockers.push(closed.terraform);
        lastError = closed.error;
      } else {
        if (second.error) figures.add('pushes that could not build the lab');
        expect(second.error, String(second.error)).toBeUndefined();
        // The lab is whole again, and no longer says it was interrupted.
        const manifest = await new S3LabStore(w.aws.clients.s3, BUCKET).read(lab.id);
        expect(manifest?.interrupted).toBeUndefined();
        expect(Object.values(manifest?.stacks ?? {}).every((s) => s.status === 'applied')).toBe(true);
        const closed = await close(w, lab.id, [PUSH_1.run, '7002']);
        unlockers.push(closed.terraform);
        lastError = closed.error;
      }
    } else if (next === 'close') {
      const closed = await close(w, lab.id, [PUSH_1.run]);
      unlockers.push(closed.terraform);
      lastError = closed.error;
    } else {
      const terraform = new ModelTerraform(w.model, w, { host: 'fv-az-sweep' });
      unlockers.push(terraform);
      const deps = w.sweepDeps();
      const { outcomes } = await sweepExpiredLabs({
        ...deps,
        dryRun: false,
        now: new Date(Date.parse(lab.lifecycle.expiresAt) + 3_600_000),
        tailscale: w.tailscale,
        env: {},
        io: { takeover: { runEnded: async (r) => r.id === PUSH_1.run } },
        seams: { ...deps.seams, terraform, lock: { stateLockPollMs: 1, host: 'fv-az-sweep', waitMs: 200 } },
      });
      expect(outcomes.map((o) => [o.lab, o.result])).toEqual([[lab.id, 'removed']]);
    }

    if (manualStep(lastError)) figures.add('manual steps needed');
    expect(lastError, String(lastError)).toBeUndefined();
    // Every lock terraform left was removed, each exactly once, by whoever came next.
    expect(forceUnlocks(...unlockers)).toBe(first.terraform.deaths);
    figures.add('terraform locks force-unlocked', forceUnlocks(...unlockers));
    const remaining = w.leftOf(lab.id);
    if (JSON.stringify(remaining) !== JSON.stringify(NOTHING)) figures.add('labs left with anything');
    expect(remaining).toEqual(NOTHING);
    expect(w.model.objects.has(runLockKey(lab.id))).toBe(false);
  });
});

describe('the evidence a takeover finds is handed on', () => {
  it('a lost run leaves only its run lock: the run that takes it over records it in the manifest first', async () => {
    world = await LabWorld.start();
    const w = world;
    const lab = w.lab('pr-13');
    const first = await interruptedPush(w, lab, 'runner lost', 'cluster');
    const before = await new S3LabStore(w.aws.clients.s3, BUCKET).read(lab.id);
    expect(before?.interrupted).toBeUndefined();
    const lockId = first.terraform.locksTaken.find((l) => l.stack === 'cluster')!.id;

    // Push 2 fails before it reaches the cluster (a lock on the network's state that is no gone run's): the close,
    // later, still knows whose lock the cluster's is.
    const second = await push(w, lab, '7002', { runEnded: async (r) => r.id === PUSH_1.run }, (terraform) =>
      terraform.faults.push({ kind: 'lock', stack: 'network', operation: 'apply', attempts: 1 }),
    );
    expect(causes(second.error).some((e) => e instanceof StateLockedError)).toBe(true);
    expect(second.terraform.calls.some((c) => c.command === 'apply' && c.stack === 'cluster')).toBe(false);
    const after = await new S3LabStore(w.aws.clients.s3, BUCKET).read(lab.id);
    expect(after?.interrupted).toMatchObject({
      signal: LOST_RUN,
      operation: 'provision',
      who: `${USER}@${PUSH_1.host}`,
    });
    expect(after?.stacks['cluster']).toMatchObject({ status: 'interrupted', stateLockId: lockId });
    expect(w.model.objects.has(runLockKey(lab.id))).toBe(false);

    const closed = await close(w, lab.id, [PUSH_1.run, '7002']);
    expect(closed.error).toBeUndefined();
    expect(forceUnlocks(closed.terraform)).toBe(1);
    expect(closed.warnings.join('\n')).toContain(
      `removed terraform's lock ${lockId} on stack 'cluster' left by the provision found gone at`,
    );
    expect(w.leftOf(lab.id)).toEqual(NOTHING);
  });

  it('a push that reaches the stuck stack and is lost there in turn leaves the evidence for the next event', async () => {
    world = await LabWorld.start();
    const w = world;
    const lab = w.lab('pr-15');
    const first = await interruptedPush(w, lab, 'cancelled, terraform killed', 'cluster');
    const lockId = first.terraform.locksTaken.find((l) => l.stack === 'cluster')!.id;
    // Push 2 starts the cluster (its status becomes applying), meets push 1's lock and dies removing it.
    const second = await push(w, lab, '7002', { runEnded: async (r) => r.id === PUSH_1.run }, (terraform) => {
      terraform.forceUnlock = async () => {
        throw new Error('runner lost while removing the lock');
      };
    });
    expect(String(second.error)).toContain('runner lost while removing the lock');
    const manifest = await new S3LabStore(w.aws.clients.s3, BUCKET).read(lab.id);
    expect(manifest?.stacks['cluster']).toMatchObject({ stateLockId: lockId, who: `${USER}@${PUSH_1.host}` });
    expect(manifest?.interrupted).toBeDefined();

    const closed = await close(w, lab.id, [PUSH_1.run, '7002']);
    expect(closed.error, String(closed.error)).toBeUndefined();
    // The cluster's lock, and any other push 1's hurry left (stacks apply concurrently).
    expect(forceUnlocks(closed.terraform)).toBe(first.terraform.deaths);
    expect(
      closed.terraform.calls.filter((c) => c.command === 'force-unlock' && c.stack === 'cluster'),
    ).toEqual([expect.objectContaining({ lockId })]);
    expect(w.leftOf(lab.id)).toEqual(NOTHING);
  });

  it("a push never removes a lock that is not a gone run's: a live apply's lock stays, and the push says why", async () => {
    world = await LabWorld.start();
    const w = world;
    const lab = w.lab('pr-14');
    const first = await interruptedPush(w, lab, 'cancelled, terraform killed', 'cluster');
    const recorded = first.terraform.locksTaken.find((l) => l.stack === 'cluster')!.id;
    // Someone else's terraform holds the cluster's state now (another id): not push 1's to remove.
    const key = `${ModelTerraform.stateKey(lab.id, 'cluster')}.tflock`;
    const other = {
      ...first.terraform.lockOf(lab.id, 'cluster')!,
      ID: '0b7e2c1d-0000-4000-8000-00000000beef',
    };
    w.model.objects.set(key, JSON.stringify(other));

    const second = await push(w, lab, '7002', { runEnded: async (r) => r.id === PUSH_1.run });
    expect(causes(second.error).some((e) => e instanceof StateLockedError)).toBe(true);
    const clusterUnlocks = second.terraform.calls.filter(
      (c) => c.command === 'force-unlock' && c.stack === 'cluster',
    );
    expect(clusterUnlocks).toEqual([]);
    expect(first.terraform.lockOf(lab.id, 'cluster')?.ID).toBe(other.ID);
    expect(w.log.join('\n')).toContain(`lock id ${other.ID} is not ${recorded}`);
  });
});
