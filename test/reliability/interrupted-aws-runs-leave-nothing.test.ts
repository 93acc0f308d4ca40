// Promise 7 (AWS path): a provision stopped by the runner or lost with it is cleaned up by the next teardown from
// another runner, with no human step. Provision runs over the cloud model with a terraform whose S3 lock lives in the
// fake bucket; it is stopped at each stack boundary, while waiting for the client router, in the middle of each
// stack's apply, with the runner's whole sequence when terraform cannot stop in time (SIGINT, then SIGTERM, then the
// kill), and by SIGKILL alone. The teardown runs as another host (its own terraform `Who`), as the next job of the same
// workflow run or as another run once GitHub reports the first one completed. A live holder is never displaced, and a
// terraform lock is removed only with the id the dead run recorded.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError, InterruptionController } from '../../src/engine/interruption.ts';
import { S3LabStore } from '../../src/engine/lab-stores.ts';
import type { LabProgressEvent } from '../../src/engine/progress.ts';
import { LabBusyError } from '../../src/engine/run-lock.ts';
import { StateLockedError } from '../../src/engine/terraform.ts';
import type { TakeoverEvidence } from '../../src/engine/takeover.ts';
import type { LabConfig } from '../../src/lab/config.ts';
import { AWS_STACKS } from '../../src/lab/stack-contract.ts';
import { teardownAwsLab, type TeardownReport } from '../../src/targets/aws/teardown.ts';
import { openHome } from '../../src/targets/open-lab.ts';
import { LabHome } from '../../src/home/lab-home.ts';
import { synthLab } from '../../src/targets/synth-lab.ts';
import { provisionAwsLab } from '../../src/targets/aws/provision.ts';
import { BUCKET, REGION } from './support/cloud-model.ts';
import { ModelTerraform } from './support/fake-terraform.ts';
import { Figures } from './support/figures.ts';
import { causes, manualStep } from './support/manual-step.ts';
import { LabWorld, type ClientJoin } from './support/lab-world.ts';

const figures = new Figures('interrupted AWS runs leave nothing');
let world: LabWorld | undefined;
/** Resources per stack, from a real synth: mid-apply stops land half-way through each stack. */
const sizes: Record<string, number> = {};

const REPOSITORY = 'acme/tslab-labs';
const RUN_ID = '9001';
const PROVISION_HOST = 'fv-az11-provision';
const TEARDOWN_HOST = 'fv-az22-teardown';
const USER = userInfo().username;
const NOTHING = { resources: [], devices: [], splitDns: [], records: [] };

const runEnv = (id: string, job: string) => ({
  GITHUB_REPOSITORY: REPOSITORY,
  GITHUB_RUN_ID: id,
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: job,
});

beforeAll(async () => {
  const probe = await LabWorld.start();
  try {
    for (const stack of synthLab(probe.lab('sizes'), join(probe.outdir, 'sizes')).stacks) {
      const json = JSON.parse(readFileSync(join(stack.workingDirectory, 'cdk.tf.json'), 'utf8')) as {
        resource: Record<string, object>;
      };
      sizes[stack.id] = Object.values(json.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
    }
  } finally {
    await probe.close();
  }
});
afterEach(async () => {
  await world?.close();
  world = undefined;
});
afterAll(() => figures.print());
// Goals of 0 are printed too.
for (const name of ['labs left with anything', 'manual steps needed']) figures.add(name, 0);

const half = (stack: string) => Math.max(1, Math.floor((sizes[stack] ?? 2) / 2));
const runLockKey = (lab: string) => `tslab/${lab}/run.lock`;

/** How the provision ends: stopped gracefully (lock released, lab recorded) or lost (its locks left behind). */
type Ending = 'graceful' | 'lost';

interface Case {
  name: string;
  ending: Ending;
  /** The stack the stop lands in (recorded in the manifest), when it lands in one. */
  stack?: string;
  clientJoin?: ClientJoin;
  /** Arms the interruption: faults on the terraform, stops on progress events or log lines. */
  arm(run: ProvisionRun): void;
  /** What the bucket holds after the provision, checked before the teardown. */
  leaves: { runLock: boolean; stateLock: boolean };
}

interface ProvisionRun {
  controller: InterruptionController;
  terraform: ModelTerraform;
  onProgress?: (event: LabProgressEvent) => void;
  onLog?: (line: string) => void;
}

const isApplyOf = (event: LabProgressEvent, stack: string, done: number) =>
  event.kind === 'terraform' &&
  event.stack === stack &&
  event.event.type === 'apply_complete' &&
  event.event.done === done;

function cases(): Case[] {
  const boundaries = AWS_STACKS.flatMap((stack) =>
    (['stack_start', 'stack_done'] as const).map((kind): Case => ({
      name: `SIGINT at ${kind} of ${stack}`,
      ending: 'graceful',
      ...(kind === 'stack_start' ? { stack } : {}),
      arm: (run) => {
        run.onProgress = (event) => {
          if (event.kind === kind && event.stack === stack) run.controller.interrupt('SIGINT');
        };
      },
      leaves: { runLock: false, stateLock: false },
    })),
  );
  const routerWait: Case = {
    name: 'SIGINT while waiting for the client router',
    ending: 'graceful',
    clientJoin: 'never',
    arm: (run) => {
      run.onLog = (line) => {
        if (line.startsWith('waiting for')) run.controller.interrupt('SIGINT');
      };
    },
    leaves: { runLock: false, stateLock: false },
  };
  const midApply = AWS_STACKS.map((stack): Case => ({
    name: `SIGINT in the middle of the apply of ${stack}`,
    ending: 'graceful',
    stack,
    arm: (run) => {
      run.onProgress = (event) => {
        if (isApplyOf(event, stack, half(stack))) run.controller.interrupt('SIGINT');
      };
    },
    leaves: { runLock: false, stateLock: false },
  }));
  // The runner's sequence: SIGINT, SIGTERM 7.5 s later, the kill 2.5 s after. Terraform does not reach a safe point
  // before the SIGTERM: either tslab still records the lab and releases its run lock (terraform alone is killed), or
  // the kill takes the whole tree first.
  const cannotStop = AWS_STACKS.flatMap((stack) =>
    (['terraform', 'tree'] as const).map((killed): Case => ({
      name: `SIGINT, SIGTERM, kill (${killed === 'tree' ? 'the whole tree' : 'terraform only'}) in ${stack}: terraform cannot stop in time`,
      ending: killed === 'tree' ? 'lost' : 'graceful',
      stack,
      arm: (run) => {
        run.terraform.stopsInTime = false;
        run.terraform.hurryKills = killed;
        run.onProgress = (event) => {
          if (isApplyOf(event, stack, 1)) run.controller.interrupt('SIGINT');
          if (isApplyOf(event, stack, Math.min(2, sizes[stack] ?? 1))) run.controller.interrupt('SIGTERM');
        };
      },
      leaves: { runLock: killed === 'tree', stateLock: true },
    })),
  );
  const sigkill = AWS_STACKS.map((stack): Case => ({
    name: `SIGKILL alone (runner lost) in the middle of ${stack}`,
    ending: 'lost',
    stack,
    arm: (run) => run.terraform.faults.push({ kind: 'kill', stack, after: half(stack) }),
    leaves: { runLock: true, stateLock: true },
  }));
  return [...boundaries, routerWait, ...midApply, ...cannotStop, ...sigkill];
}

/** Provision on the first runner, interrupted as the case says; then that process is gone. */
async function provisionInterrupted(
  w: LabWorld,
  lab: LabConfig,
  arm: (run: ProvisionRun) => void,
  options: { terraformHost?: string } = {},
): Promise<{ outcome: unknown; terraform: ModelTerraform }> {
  const controller = new InterruptionController();
  const terraform = new ModelTerraform(w.model, w, { host: options.terraformHost ?? PROVISION_HOST });
  terraform.interruption = controller;
  const run: ProvisionRun = { controller, terraform };
  arm(run);
  const base = w.io();
  const home = LabHome.of(lab, {
    ...w.homeOptions(),
    terraform,
    lock: { env: runEnv(RUN_ID, 'provision'), host: PROVISION_HOST, stateLockPollMs: 1 },
  });
  const outcome = await provisionAwsLab(home, w.services(), {
    ...base,
    interruption: controller,
    onProgress: (event) => run.onProgress?.(event),
    log: (line) => {
      base.log?.(line);
      run.onLog?.(line);
    },
  }).then(
    () => 'completed',
    (error: unknown) => error,
  );
  // Whatever died with the process, the next one starts from what reached the bucket.
  w.model.killed = false;
  return { outcome, terraform };
}

type TeardownFrom = 'the next job of the run' | 'another run, the first one reported completed';

/** The teardown on another runner: another host, another terraform `Who`, from the lab id alone. */
async function teardownElsewhere(
  w: LabWorld,
  labId: string,
  from: TeardownFrom,
  options: { lockWaitMs?: number; takeover?: TakeoverEvidence } = {},
): Promise<{ report?: TeardownReport; error?: unknown; terraform: ModelTerraform }> {
  const terraform = new ModelTerraform(w.model, w, { host: TEARDOWN_HOST });
  const { home } = await openHome(
    { lab: labId, region: REGION, stateBucket: BUCKET },
    {
      credentials: {},
      localStateDir: w.outdir,
      outdir: w.outdir,
      dependencies: { awsClients: () => w.aws.clients, terraform },
    },
  );
  const sameRun = from === 'the next job of the run';
  try {
    const elsewhere = LabHome.of(home.lab, {
      ...w.homeOptions(),
      terraform,
      lock: {
        waitMs: options.lockWaitMs ?? 2_000,
        env: runEnv(sameRun ? RUN_ID : '9002', 'teardown'),
        host: TEARDOWN_HOST,
        stateLockPollMs: 1,
      },
    });
    const report = await teardownAwsLab(elsewhere, w.services(), {
      ...w.io(),
      takeover:
        options.takeover ??
        (sameRun ? { finishedJobs: ['provision'] } : { runEnded: async (run) => run.id === RUN_ID }),
    });
    return { report, terraform };
  } catch (error) {
    return { error, terraform };
  }
}

const forceUnlocks = (terraform: ModelTerraform) =>
  terraform.calls.filter((c) => c.command === 'force-unlock').length;

async function manifestOf(w: LabWorld, lab: string) {
  return new S3LabStore(w.aws.clients.s3, BUCKET).read(lab);
}

describe('an interrupted or lost provision on AWS is removed by the next teardown, with no manual step', () => {
  const matrix = cases().flatMap((c) => {
    const froms: TeardownFrom[] =
      c.ending === 'lost'
        ? ['the next job of the run', 'another run, the first one reported completed']
        : ['the next job of the run'];
    return froms.map((from) => [`${c.name}; teardown from ${from}`, c, from] as const);
  });

  it.each(matrix)('%s', async (_name, c, from) => {
    world = await LabWorld.start(c.clientJoin ? { clientJoin: c.clientJoin } : {});
    const w = world;
    const lab = w.lab('cut');
    const { outcome, terraform } = await provisionInterrupted(w, lab, c.arm);
    figures.add('interruptions × points tried');

    const manifest = await manifestOf(w, lab.id);
    const stateLock = c.stack ? terraform.lockOf(lab.id, c.stack) : undefined;
    expect(w.model.objects.has(runLockKey(lab.id)), 'run lock left').toBe(c.leaves.runLock);
    if (c.stack) expect(stateLock !== undefined, "terraform's lock left").toBe(c.leaves.stateLock);
    if (outcome !== 'completed' && c.ending === 'graceful') {
      // Stopped: the lab says so, with the stack and (when terraform had its lock) the lock's id.
      expect(outcome).toBeInstanceOf(InterruptedError);
      expect(manifest?.interrupted).toMatchObject({ signal: 'SIGINT', operation: 'apply' });
      // Stacks run concurrently: the one the case stops is recorded interrupted (the first stopped names the lab's).
      if (c.stack) expect(manifest?.stacks[c.stack]?.status).toBe('interrupted');
      if (c.stack && terraform.locksTaken.some((l) => l.stack === c.stack)) {
        expect(manifest?.interrupted).toMatchObject({ who: `${USER}@${PROVISION_HOST}` });
        expect(manifest?.stacks[c.stack]?.stateLockId).toBe(
          terraform.locksTaken.find((l) => l.stack === c.stack)?.id,
        );
      }
    }
    // Cluster and client apply at once: a hurry kills every terraform then running, each leaving its lock.
    if (c.leaves.stateLock) expect(terraform.deaths).toBeGreaterThanOrEqual(1);

    const down = await teardownElsewhere(w, lab.id, from);
    if (manualStep(down.error)) figures.add('manual steps needed');
    expect(down.error, String(down.error)).toBeUndefined();
    figures.add('terraform locks force-unlocked', forceUnlocks(down.terraform));
    figures.add('run locks taken over', w.log.filter((line) => line.startsWith('took over lab')).length);
    if (c.leaves.stateLock) expect(forceUnlocks(down.terraform)).toBe(terraform.deaths);
    const left = w.leftOf(lab.id);
    if (JSON.stringify(left) !== JSON.stringify(NOTHING)) figures.add('labs left with anything');
    expect(left).toEqual(NOTHING);
    expect(w.model.objects.has(runLockKey(lab.id))).toBe(false);
  });
});

describe('what a teardown never takes', () => {
  it('a live holder (fresh heartbeat, another host, no evidence it ended) is never displaced', async () => {
    world = await LabWorld.start({ clientJoin: 'never' });
    const w = world;
    const lab = w.lab('live');
    // The provision holds the lab while it waits for a client router that has not joined yet.
    let waiting!: () => void;
    const reachedWait = new Promise<void>((resolve) => (waiting = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const terraform = new ModelTerraform(w.model, w, { host: PROVISION_HOST });
    const home = LabHome.of(lab, {
      ...w.homeOptions(),
      terraform,
      lock: { env: runEnv(RUN_ID, 'provision'), host: PROVISION_HOST, stateLockPollMs: 1 },
    });
    const provision = provisionAwsLab(
      home,
      // Its only sleeps are the router wait's: it holds there until the gate opens.
      { ...w.services(), sleep: () => gate },
      {
        ...w.io(),
        log: (line) => {
          if (line.startsWith('waiting for')) waiting();
        },
      },
    ).catch((error: unknown) => error);
    await reachedWait;
    const holderBefore = w.model.objects.get(runLockKey(lab.id));
    expect(holderBefore).toContain(PROVISION_HOST);

    const attempts: { from: TeardownFrom; takeover: TakeoverEvidence }[] = [
      // The same run, but the provision job is not among the finished ones.
      { from: 'the next job of the run', takeover: { finishedJobs: [] } },
      // Another run, and GitHub says the provision's run is still going (or cannot tell).
      { from: 'another run, the first one reported completed', takeover: { runEnded: async () => false } },
      {
        from: 'another run, the first one reported completed',
        takeover: { runEnded: async () => undefined },
      },
    ];
    for (const { from, takeover } of attempts) {
      const down = await teardownElsewhere(w, lab.id, from, { lockWaitMs: 50, takeover });
      expect(down.error).toBeInstanceOf(LabBusyError);
      expect(String(down.error)).toContain(`provision by pid ${process.pid} on ${PROVISION_HOST}`);
      expect(down.terraform.calls.filter((call) => call.command === 'destroy')).toEqual([]);
      expect(JSON.parse(w.model.objects.get(runLockKey(lab.id)) ?? '{}')).toMatchObject({
        token: (JSON.parse(holderBefore!) as { token: string }).token,
      });
      figures.add('live holders kept');
    }

    // Once the provision gives up on the router and releases the lab, the teardown removes everything.
    release();
    await provision;
    const down = await teardownElsewhere(w, lab.id, 'the next job of the run');
    expect(down.error).toBeUndefined();
    expect(w.leftOf(lab.id)).toEqual(NOTHING);
  });

  it('a terraform lock whose id is not the one the dead run recorded is not removed', async () => {
    world = await LabWorld.start();
    const w = world;
    const lab = w.lab('other-lock');
    const { terraform } = await provisionInterrupted(w, lab, (run) =>
      run.terraform.faults.push({ kind: 'kill', stack: 'cluster', after: half('cluster') }),
    );
    const recorded = terraform.locksTaken.find((l) => l.stack === 'cluster')!.id;
    expect(w.model.objects.get(runLockKey(lab.id))).toContain(recorded);
    // Someone else's terraform took the lock meanwhile (same `Who`, another id): not the dead run's to remove.
    const key = `${ModelTerraform.stateKey(lab.id, 'cluster')}.tflock`;
    const other = { ...terraform.lockOf(lab.id, 'cluster')!, ID: '0b7e2c1d-0000-4000-8000-00000000abcd' };
    w.model.objects.set(key, JSON.stringify(other));

    const down = await teardownElsewhere(w, lab.id, 'the next job of the run');
    expect(causes(down.error).some((e) => e instanceof StateLockedError)).toBe(true);
    expect(forceUnlocks(down.terraform)).toBe(0);
    expect(terraform.lockOf(lab.id, 'cluster')?.ID).toBe(other.ID);
    expect(w.log.join('\n')).toContain(`lock id ${other.ID} is not ${recorded}`);
    figures.add('foreign terraform locks kept');
  });

  it('the terraform lock of a run that recorded no lock id is not removed', async () => {
    world = await LabWorld.start();
    const w = world;
    const lab = w.lab('no-id');
    // Terraform names its host differently from the run lock: the lease never recognises the lock as its own.
    const { terraform } = await provisionInterrupted(
      w,
      lab,
      (run) => run.terraform.faults.push({ kind: 'kill', stack: 'cluster', after: half('cluster') }),
      { terraformHost: 'ip-10-0-0-7' },
    );
    const held = terraform.lockOf(lab.id, 'cluster');
    expect(held?.Who).toBe(`${USER}@ip-10-0-0-7`);
    expect(w.model.objects.get(runLockKey(lab.id))).not.toContain('stateLockId');

    const down = await teardownElsewhere(w, lab.id, 'the next job of the run');
    expect(causes(down.error).some((e) => e instanceof StateLockedError)).toBe(true);
    expect(forceUnlocks(down.terraform)).toBe(0);
    expect(terraform.lockOf(lab.id, 'cluster')?.ID).toBe(held?.ID);
    expect(w.log.join('\n')).toContain("recorded no state lock id for 'cluster'");
    figures.add('foreign terraform locks kept');
  });
});
