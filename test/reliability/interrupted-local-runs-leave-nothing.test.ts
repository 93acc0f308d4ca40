// Promise 1 under cancellation, with real processes: the provision bundle and `tslab provision` on the local target, applying
// with the real terraform binary, are stopped the way a runner stops a step (SIGINT; SIGTERM 7.5 s later; SIGKILL of
// the step's process 2.5 s after that, and of whatever it left when the job ends: docs/design/interruptions.md §1) and
// the way a lost runner does (everything killed at once), at the lab's stack boundaries and in the middle of its
// apply. After each, a teardown from a different process on a different host (its own UTS namespace) of the same
// GitHub run removes everything with no manual step. Needs root, terraform, unshare and the lab's packages.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundlePath, runnerEnvironment, useBundlesUnderTest } from '../actions/bundles.ts';
import { Figures } from './support/figures.ts';
import { requires } from '../support/requires.ts';
import { localRemains, NOTHING_LOCAL, STATE_ROOT } from './support/local-lab.ts';

const figures = new Figures('interrupted runs leave nothing (local, real processes)');
const suffix = Math.random().toString(36).slice(2, 5);
const RUN = { GITHUB_REPOSITORY: 'acme/tslab', GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '1' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Driver = 'cli' | 'bundle';
type Sequence = 'runner cancel' | 'runner lost';
interface Point {
  name: string;
  ready: (stateDir: string, id: string) => boolean;
}

const namespaces = (id: string) =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((line) => line.startsWith(`tslab-${id}-`)).length;
const manifestOf = (stateDir: string, id: string) => {
  const file = join(stateDir, id, 'manifest.json');
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as {
        stacks: Record<string, { status: string }>;
        interrupted?: object;
      })
    : undefined;
};

/** The lab's one stack: before it starts (recorded), in the middle of its apply, and at its end. */
const POINTS: Point[] = [
  {
    name: 'stack boundary: recorded, before the apply',
    ready: (dir, id) => manifestOf(dir, id) !== undefined,
  },
  { name: 'mid-apply', ready: (_dir, id) => namespaces(id) >= 3 },
  { name: 'stack boundary: every piece applied', ready: (_dir, id) => namespaces(id) >= 8 },
];

/** Every process carrying the job's tracking id: what the runner kills when the job ends (§1). */
function jobProcesses(trackingId: string): number[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`RUNNER_TRACKING_ID=${trackingId}\0`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function killJob(trackingId: string): void {
  for (const pid of jobProcesses(trackingId)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  trackingId: string;
  stateDir: string;
  runnerTemp?: string;
}

function startProvision(driver: Driver, id: string): Started {
  const trackingId = `tslab-test-${id}`;
  const env = { ...process.env, ...RUN, GITHUB_JOB: 'provision', RUNNER_TRACKING_ID: trackingId };
  let child: ChildProcess;
  let stateDir = STATE_ROOT;
  let runnerTemp: string | undefined;
  if (driver === 'cli') {
    child = spawn(process.execPath, ['bin/tslab.js', 'provision', '--target', 'local', '--lab', id], {
      env,
      stdio: 'ignore',
    });
  } else {
    runnerTemp = mkdtempSync(join(tmpdir(), 'tslab-job-'));
    stateDir = join(runnerTemp, 'tslab-state');
    child = spawn(process.execPath, [resolve(bundlePath('provision'))], {
      cwd: runnerTemp,
      env: { ...env, ...runnerEnvironment(runnerTemp, runnerTemp, { target: 'local', lab: id }) },
      stdio: 'ignore',
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, trackingId, stateDir, ...(runnerTemp ? { runnerTemp } : {}) };
}

/** The teardown job: another process, another host name, the same run, told that `provision` has ended. */
function teardownElsewhere(
  driver: Driver,
  id: string,
  started: Started,
): { code: number | null; out: string } {
  const env = { ...process.env, ...RUN, GITHUB_JOB: 'teardown' };
  // A node wrapper, not sh: dash drops variables whose names are not shell names, such as INPUT_FINISHED-JOBS.
  const onOtherHost = [
    '--uts',
    process.execPath,
    '-e',
    "const cp = require('node:child_process'); cp.execFileSync('hostname', ['tslab-other-runner']); " +
      "process.exit(cp.spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit' }).status ?? 1);",
  ];
  const result =
    driver === 'cli'
      ? spawnSync(
          'unshare',
          [
            ...onOtherHost,
            'bin/tslab.js',
            'teardown',
            '--target',
            'local',
            '--lab',
            id,
            '--finished-jobs',
            'provision',
          ],
          { env, encoding: 'utf8', timeout: 120_000 },
        )
      : spawnSync('unshare', [...onOtherHost, resolve(bundlePath('teardown'))], {
          cwd: started.runnerTemp!,
          env: {
            ...env,
            ...runnerEnvironment(started.runnerTemp!, started.runnerTemp!, {
              target: 'local',
              lab: id,
              'finished-jobs': 'provision validate',
            }),
            GITHUB_JOB: 'teardown',
          },
          encoding: 'utf8',
          timeout: 120_000,
        });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}

/** Stops provision at the point the runner's way; returns what it had done and how fast the lab was released. */
async function interrupt(
  started: Started,
  id: string,
  point: Point,
  sequence: Sequence,
): Promise<{ at: string; releasedMs?: number; exitedBeforeKill?: boolean }> {
  let exitCode: number | null | undefined;
  void started.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + 60_000;
  while (exitCode === undefined && !point.ready(started.stateDir, id) && Date.now() < deadline)
    await sleep(15);
  if (exitCode !== undefined) return { at: `provision finished first (exit ${exitCode})` };
  const manifest = manifestOf(started.stateDir, id);
  const at = `${manifest ? (manifest.stacks['local']?.status ?? 'recorded') : 'nothing recorded'}, ${namespaces(id)} namespaces`;
  if (sequence === 'runner lost') {
    killJob(started.trackingId);
    await started.exited;
    return { at };
  }
  const lockFile = join(started.stateDir, id, 'run.lock');
  const signalled = performance.now();
  started.child.kill('SIGINT');
  let releasedMs: number | undefined;
  const watch = (async () => {
    while (existsSync(lockFile) && performance.now() - signalled < 10_500) await sleep(10);
    if (!existsSync(lockFile)) releasedMs = performance.now() - signalled;
  })();
  const exitedInTime = await Promise.race([started.exited.then(() => true), sleep(7_500).then(() => false)]);
  if (!exitedInTime) {
    started.child.kill('SIGTERM');
    const exitedAfterTerm = await Promise.race([
      started.exited.then(() => true),
      sleep(2_500).then(() => false),
    ]);
    if (!exitedAfterTerm) started.child.kill('SIGKILL');
  }
  await started.exited;
  await watch;
  const exitedBeforeKill = started.child.signalCode !== 'SIGKILL';
  // The job ends: the runner kills whatever the step left behind.
  killJob(started.trackingId);
  return { at, ...(releasedMs !== undefined ? { releasedMs } : {}), exitedBeforeKill };
}

const cases: { driver: Driver; point: Point; sequence: Sequence }[] = [];
for (const driver of ['cli', 'bundle'] as const) {
  for (const point of POINTS) {
    for (const sequence of ['runner cancel', 'runner lost'] as const) cases.push({ driver, point, sequence });
  }
}

requires('local-lab', 'uts-namespace').describe('provision stopped by the runner or lost with it', () => {
  const releaseTimes: number[] = [];
  const removalTimes: number[] = [];
  const outcomes: string[] = [];
  const jobDirs: string[] = [];

  beforeAll(() => useBundlesUnderTest(), 300_000);
  afterAll(() => {
    for (let i = 0; i < cases.length; i++)
      rmSync(join('.tslab/synth', `i${i}${suffix}`), { recursive: true, force: true });
    for (let i = 0; i < cases.length; i++)
      rmSync(join('.tslab/synth', `i${i}${suffix}-restored`), { recursive: true, force: true });
    for (const dir of jobDirs) rmSync(dir, { recursive: true, force: true });
    if (releaseTimes.length)
      figures.add('SIGINT to run lock released, worst ms', Math.round(Math.max(...releaseTimes)));
    if (removalTimes.length)
      figures.add(
        'lost runner to lab removed, worst s',
        Number((Math.max(...removalTimes) / 1000).toFixed(1)),
      );
    figures.print();
    console.log(`[reliability] interruption outcomes: ${outcomes.join('; ')}`);
  });

  it('leaves nothing once a teardown elsewhere has run, with no manual step, wherever it was stopped', async () => {
    figures.add('manual steps needed', 0);
    figures.add('labs left with anything', 0);
    const runCase = async (index: number) => {
      const { driver, point, sequence } = cases[index]!;
      const id = `i${index}${suffix}`;
      const started = startProvision(driver, id);
      if (started.runnerTemp) jobDirs.push(started.runnerTemp);
      const stopped = await interrupt(started, id, point, sequence);
      const removalStart = performance.now();
      const down = teardownElsewhere(driver, id, started);
      const label = `${driver} ${sequence} at ${point.name} (${stopped.at})`;
      outcomes.push(`${label}: lock released ${stopped.releasedMs?.toFixed(0) ?? '-'} ms`);
      figures.add('interruptions tried');
      // A teardown that cannot finish on its own is a manual step for someone.
      if (down.code !== 0) figures.add('manual steps needed');
      expect(down.code, `${label}\n${down.out}`).toBe(0);
      if (sequence === 'runner lost') removalTimes.push(performance.now() - removalStart);
      if (sequence === 'runner cancel' && stopped.releasedMs !== undefined) {
        // Inside the runner's window: released before the kill at 10 s.
        expect(stopped.releasedMs, label).toBeLessThan(10_000);
        releaseTimes.push(stopped.releasedMs);
      }
      const remains = localRemains(id);
      const left = {
        ...remains,
        stateDir: existsSync(join(started.stateDir, id)) ? readdirSync(join(started.stateDir, id)) : [],
      };
      if (JSON.stringify(left) !== JSON.stringify(NOTHING_LOCAL)) figures.add('labs left with anything');
      expect(left, label).toEqual(NOTHING_LOCAL);
      figures.add('labs left with nothing');
    };
    // Two at a time: the machine has two cores.
    for (let i = 0; i < cases.length; i += 2) {
      await Promise.all([runCase(i), ...(i + 1 < cases.length ? [runCase(i + 1)] : [])]);
    }
  }, 600_000);
});
