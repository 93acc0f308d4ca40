// When a later run may take a lab's run lock from its holder: only when the holder is provably gone. A live holder
// is never displaced; doubt keeps the lock where it is (the waiting run fails naming the holder).
// The rules and their sources: docs/design/interruptions.md §3.
import type { RunLockHolder, WorkflowRun } from './run-lock.ts';
import { HEARTBEAT_STALE_MS, STALE_AFTER_MS } from './run-lock.ts';

export type Verdict = { gone: true; why: string } | { gone: false; why?: string };

export interface TakeoverContext {
  /** Who asks. */
  me: { host: string; run?: WorkflowRun };
  /** Ids of this workflow run's jobs that have ended (the jobs the asking job `needs`). */
  finishedJobs?: readonly string[];
  /** Whether GitHub reports that run completed; undefined when it cannot tell (no token, API error). */
  runEnded?: (run: WorkflowRun) => Promise<boolean | undefined>;
  now: number;
  /** Whether a pid runs on this machine; injectable for tests. */
  pidAlive?: (pid: number) => boolean;
}

/** What the caller knows beyond the lock itself. */
export type TakeoverEvidence = Pick<TakeoverContext, 'finishedJobs' | 'runEnded' | 'pidAlive'>;

export async function judgeHolder(holder: RunLockHolder, context: TakeoverContext): Promise<Verdict> {
  // A pid says something only on its own host; a live one may still be a reused pid, so the heartbeat rule applies.
  if (holder.host === context.me.host && !(context.pidAlive ?? pidAlive)(holder.pid)) {
    return { gone: true, why: `pid ${holder.pid} on this host (${holder.host}) has exited` };
  }

  const mine = context.me.run;
  const theirs = holder.run;
  if (mine && theirs && mine.repository === theirs.repository && mine.id === theirs.id) {
    // GitHub starts a new attempt of a run only once the previous one has completed.
    if (theirs.attempt < mine.attempt) {
      return {
        gone: true,
        why: `attempt ${theirs.attempt} of run ${theirs.id} ended before attempt ${mine.attempt}`,
      };
    }
    if (
      theirs.attempt === mine.attempt &&
      theirs.job !== mine.job &&
      context.finishedJobs?.includes(theirs.job)
    ) {
      return { gone: true, why: `job '${theirs.job}' of this run (${theirs.id}) has ended` };
    }
  }
  if (theirs && !(mine && mine.repository === theirs.repository && mine.id === theirs.id)) {
    const ended = await context.runEnded?.(theirs).catch(() => undefined);
    if (ended === true)
      return { gone: true, why: `GitHub reports run ${theirs.id} of ${theirs.repository} completed` };
  }

  const lastSign = holder.heartbeatAt ?? holder.since;
  const silentMs = context.now - Date.parse(lastSign);
  const bound = holder.heartbeatAt ? HEARTBEAT_STALE_MS : STALE_AFTER_MS;
  if (Number.isFinite(silentMs) && silentMs > bound) {
    return {
      gone: true,
      why: `no heartbeat since ${lastSign} (${Math.round(silentMs / 60_000)} minutes; the bound is ${bound / 60_000})`,
    };
  }
  return { gone: false };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The GitHub run this process is a job of, from the runner's environment; undefined outside Actions. */
export function workflowRunFromEnv(env: NodeJS.ProcessEnv = process.env): WorkflowRun | undefined {
  const repository = env['GITHUB_REPOSITORY'];
  const id = env['GITHUB_RUN_ID'];
  const job = env['GITHUB_JOB'];
  if (!repository || !id || !job) return undefined;
  const attempt = Number(env['GITHUB_RUN_ATTEMPT'] ?? '1');
  return { repository, id, attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1, job };
}

/** How a manifest names a workflow run: attempts of one run are the same run. */
export function runReference(run: WorkflowRun): string {
  return `${run.repository}#${run.id}`;
}

/** A run proven gone, as far as terraform's state lock can tell: its `user@host`, the stack and the lock id it saw. */
export interface DeadRun {
  who: string;
  stack?: string | undefined;
  stateLockId?: string | undefined;
  /** Where the evidence comes from, for the log. */
  source: string;
}

/**
 * Terraform's lock on `stack` may be removed only when it is the dead run's: the id the run recorded and terraform's
 * `Who` both match. Without a recorded id nothing is removed (the lock could be anyone's).
 */
export function deadRunOwnsLock(
  run: DeadRun,
  stack: string,
  lock: { id: string; who: string },
): { owns: true } | { owns: false; why: string } {
  if (run.stack !== stack) return { owns: false, why: `${run.source} was not running stack '${stack}'` };
  if (!run.stateLockId) return { owns: false, why: `${run.source} recorded no state lock id for '${stack}'` };
  if (lock.id !== run.stateLockId) {
    return {
      owns: false,
      why: `lock id ${lock.id} is not ${run.stateLockId}, the one ${run.source} recorded`,
    };
  }
  if (lock.who !== run.who) return { owns: false, why: `the lock is held by ${lock.who}, not ${run.who}` };
  return { owns: true };
}
