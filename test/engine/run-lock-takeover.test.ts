// Who may take a lab's run lock from its holder: only a holder proven gone is displaced, a live one never; and a dead
// run's terraform lock is removed only with the id (and holder) it recorded.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT_STALE_MS,
  LabBusyError,
  LocalRunLocks,
  withRunLock,
  type RunLockHolder,
  type WorkflowRun,
} from '../../src/engine/run-lock.ts';
import {
  deadRunOwnsLock,
  judgeHolder,
  workflowRunFromEnv,
  type TakeoverContext,
} from '../../src/engine/takeover.ts';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
const RUN: WorkflowRun = { repository: 'octo/tslab', id: '900', attempt: 1, job: 'provision' };

function holder(overrides: Partial<RunLockHolder> = {}): RunLockHolder {
  return {
    token: 't-1',
    operation: 'provision',
    host: 'runner-a',
    user: 'runner',
    pid: 4242,
    since: minutesAgo(20),
    heartbeatAt: minutesAgo(1),
    run: RUN,
    ...overrides,
  };
}

function context(overrides: Partial<TakeoverContext> = {}): TakeoverContext {
  return {
    me: { host: 'runner-b', run: { ...RUN, job: 'teardown' } },
    now: NOW,
    pidAlive: () => true,
    ...overrides,
  };
}

describe('a live holder is never displaced', () => {
  const live: [string, RunLockHolder, Partial<TakeoverContext>][] = [
    ['another host, fresh heartbeat, no evidence', holder(), { me: { host: 'runner-b' } }],
    ['same run, its job not listed as finished', holder(), { finishedJobs: ['validate'] }],
    [
      'same run, the asking job itself',
      holder({ run: { ...RUN, job: 'teardown' } }),
      { finishedJobs: ['teardown'] },
    ],
    [
      'a later attempt holds it (ours is older)',
      holder({ run: { ...RUN, attempt: 2 } }),
      { finishedJobs: [] },
    ],
    [
      'another run that GitHub reports in progress',
      holder({ run: { ...RUN, id: '901' } }),
      { runEnded: async () => false },
    ],
    [
      'another run GitHub cannot tell about (API error)',
      holder({ run: { ...RUN, id: '901' } }),
      { runEnded: async () => Promise.reject(new Error('403')) },
    ],
    [
      'same host, pid alive, heartbeat fresh',
      holder({ host: 'runner-b' }),
      { me: { host: 'runner-b' }, pidAlive: () => true },
    ],
    ['heartbeat 9 minutes old', holder({ heartbeatAt: minutesAgo(9) }), { me: { host: 'runner-b' } }],
    [
      'no heartbeat field, started 2 hours ago (written before heartbeats)',
      holder({ heartbeatAt: undefined as never, since: minutesAgo(120) }),
      { me: { host: 'runner-b' } },
    ],
  ];
  it.each(live)('%s', async (_name, current, overrides) => {
    const clean = { ...current };
    if (clean.heartbeatAt === undefined) delete clean.heartbeatAt;
    expect((await judgeHolder(clean, context(overrides))).gone).toBe(false);
  });
});

describe('a holder proven gone is taken over', () => {
  const gone: [string, RunLockHolder, Partial<TakeoverContext>, RegExp][] = [
    [
      'a job of the same run that has ended',
      holder(),
      { finishedJobs: ['provision', 'validate'] },
      /job 'provision' of this run \(900\) has ended/,
    ],
    [
      'an earlier attempt of the same run',
      holder(),
      { me: { host: 'runner-b', run: { ...RUN, attempt: 2, job: 'provision' } } },
      /attempt 1 of run 900 ended/,
    ],
    [
      'another run GitHub reports completed',
      holder({ run: { ...RUN, id: '899' } }),
      { runEnded: async (run) => run.id === '899' },
      /GitHub reports run 899 of octo\/tslab completed/,
    ],
    [
      'a heartbeat older than the bound',
      holder({ heartbeatAt: minutesAgo(11) }),
      { me: { host: 'runner-b' } },
      /no heartbeat since/,
    ],
    [
      'a dead pid on the same host',
      holder({ host: 'runner-b' }),
      { me: { host: 'runner-b' }, pidAlive: () => false },
      /pid 4242 on this host \(runner-b\) has exited/,
    ],
  ];
  it.each(gone)('%s', async (_name, current, overrides, why) => {
    const verdict = await judgeHolder(current, context(overrides));
    expect(verdict).toEqual({ gone: true, why: expect.stringMatching(why) });
  });

  it('the bound is ten minutes of silence', () => {
    expect(HEARTBEAT_STALE_MS).toBe(10 * 60_000);
  });
});

describe('run locks in a directory', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'tslab-locks-'));

  it('a second run waits for a live one, then fails naming it (run, job, heartbeat)', async () => {
    const locks = new LocalRunLocks(dir());
    const env = { host: hostname(), run: RUN };
    await withRunLock(locks, 'demo', 'provision', { waitMs: 0, ...env }, async () => {
      const second = withRunLock(
        locks,
        'demo',
        'teardown',
        { waitMs: 30, pollMs: 10, ...env },
        async () => 'ran',
      );
      await expect(second).rejects.toThrow(LabBusyError);
      await expect(second).rejects.toThrow(
        /provision by pid \d+ on .*run 900 attempt 1 job provision.*last heartbeat/,
      );
    });
  });

  it('a holder whose job has ended is taken over at once, and the takeover is handed to the body', async () => {
    const root = dir();
    const locks = new LocalRunLocks(root);
    // A provision on another runner, killed: its lock stays.
    await locks.tryAcquire(
      'demo',
      holder({ host: 'runner-a', since: new Date().toISOString(), heartbeatAt: new Date().toISOString() }),
      async () => ({ gone: false }),
    );
    const lines: string[] = [];
    const takenOver = await withRunLock(
      locks,
      'demo',
      'teardown',
      {
        waitMs: 0,
        host: 'runner-b',
        run: { ...RUN, job: 'teardown' },
        takeover: { finishedJobs: ['provision'] },
        log: (line) => lines.push(line),
      },
      async (lease) => lease.takenOver,
    );
    expect(takenOver?.holder.host).toBe('runner-a');
    expect(takenOver?.why).toMatch(/job 'provision' of this run \(900\) has ended/);
    expect(lines.join('\n')).toMatch(/took over lab 'demo' from provision on runner-a/);
  });

  it('the holder beats a heartbeat and records the stack it runs', async () => {
    const root = dir();
    const locks = new LocalRunLocks(root);
    await withRunLock(locks, 'demo', 'provision', { waitMs: 0, heartbeatMs: 20 }, async (lease) => {
      const first = JSON.parse(readFileSync(join(root, 'demo', 'run.lock'), 'utf8')) as RunLockHolder;
      await lease.noteStack({ id: 'cluster' });
      await lease.noteStack({ id: 'client', stateLockId: 'lock-1' });
      // The heartbeat (every 20 ms here) moves on by itself; a loaded machine may take a while to fire it.
      const read = () => JSON.parse(readFileSync(join(root, 'demo', 'run.lock'), 'utf8')) as RunLockHolder;
      const deadline = Date.now() + 5_000;
      while (read().heartbeatAt === first.heartbeatAt && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const later = read();
      // Both stacks the graph runs at once, each with what is known of its lock.
      expect(later.stacks?.map((s) => [s.id, s.stateLockId])).toEqual([
        ['cluster', undefined],
        ['client', 'lock-1'],
      ]);
      expect(Date.parse(later.heartbeatAt!)).toBeGreaterThan(Date.parse(first.heartbeatAt!));
      await lease.noteStackDone('cluster');
      const after = JSON.parse(readFileSync(join(root, 'demo', 'run.lock'), 'utf8')) as RunLockHolder;
      expect(after.stacks?.map((s) => s.id)).toEqual(['client']);
    });
  });
});

describe("terraform's lock of a dead run", () => {
  const dead = {
    who: 'runner@runner-a',
    stack: 'cluster',
    stateLockId: 'id-1',
    source: 'the provision taken over',
  };

  it('is removed only when stack, recorded id and holder all match', () => {
    expect(deadRunOwnsLock(dead, 'cluster', { id: 'id-1', who: 'runner@runner-a' })).toEqual({ owns: true });
    expect(deadRunOwnsLock(dead, 'cluster', { id: 'id-2', who: 'runner@runner-a' })).toMatchObject({
      owns: false,
      why: expect.stringMatching(/lock id id-2 is not id-1/),
    });
    expect(deadRunOwnsLock(dead, 'cluster', { id: 'id-1', who: 'runner@runner-c' })).toMatchObject({
      owns: false,
    });
    expect(deadRunOwnsLock(dead, 'network', { id: 'id-1', who: 'runner@runner-a' })).toMatchObject({
      owns: false,
    });
    expect(
      deadRunOwnsLock({ ...dead, stateLockId: undefined }, 'cluster', { id: 'id-1', who: 'runner@runner-a' }),
    ).toMatchObject({ owns: false, why: expect.stringMatching(/recorded no state lock id/) });
  });
});

it('reads the GitHub run from the runner environment, and nothing outside Actions', () => {
  expect(
    workflowRunFromEnv({
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '7',
      GITHUB_RUN_ATTEMPT: '3',
      GITHUB_JOB: 'teardown',
    }),
  ).toEqual({ repository: 'o/r', id: '7', attempt: 3, job: 'teardown' });
  expect(workflowRunFromEnv({})).toBeUndefined();
});
