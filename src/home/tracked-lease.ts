// The one way an operation takes a lab's run lock: one up or down of a lab at a time, for its whole length (the
// workflows' concurrency groups aside). The lock lives beside the lab's manifest: in the state bucket, or in the
// local state dir. While the body runs, the lock records which stack terraform runs and, for S3 state, the id of
// terraform's state lock, so a teardown after a lost run can remove exactly that lock (docs/design/interruptions.md §3).
import { dirname } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Interruption } from '../engine/interruption.ts';
import type { RunIdentity } from '../engine/lifecycle.ts';
import type { LabProgressEvent } from '../engine/progress.ts';
import {
  LocalRunLocks,
  S3RunLocks,
  withRunLock,
  type RunLease,
  type RunLocks,
  type RunLockHolder,
} from '../engine/run-lock.ts';
import { workflowRunFromEnv, type TakeoverEvidence } from '../engine/takeover.ts';
import type { LabConfig } from '../lab/config.ts';

export interface LabRunLockOptions {
  /** Injected by tests; by default the lab's own lock. */
  locks?: RunLocks;
  /** How long to wait for another run of the same lab (default 10 minutes in S3, 5 locally). */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  s3?: S3Client;
  interruption?: Interruption;
  takeover?: TakeoverEvidence;
  log?: (line: string) => void;
  /** This process's GitHub run (default: from GITHUB_* variables) and host; injectable for tests. */
  env?: NodeJS.ProcessEnv;
  host?: string;
  heartbeatMs?: number;
  /** How often to look for terraform's S3 lock object after a stack starts (default 1 s). */
  stateLockPollMs?: number;
}

/** The lock held for the body, with a progress hook that keeps the lock's record of the running stack current. */
export interface LabLease extends RunLease {
  /** Wrap the operation's progress handler with this. */
  track(onProgress?: (event: LabProgressEvent) => void): (event: LabProgressEvent) => void;
}

export function withLabRunLock<T>(
  lab: LabConfig,
  operation: string,
  options: LabRunLockOptions,
  body: (lease: LabLease) => Promise<T>,
): Promise<T> {
  const state = lab.state;
  const s3 = state.kind === 's3';
  const client = state.kind === 's3' ? (options.s3 ?? new S3Client({ region: state.region })) : undefined;
  const locks =
    options.locks ??
    (state.kind === 's3'
      ? new S3RunLocks(client ?? new S3Client({ region: state.region }), state.bucket)
      : new LocalRunLocks(dirname(state.dir)));
  const run = workflowRunFromEnv(options.env ?? process.env);
  return withRunLock(
    locks,
    lab.id,
    operation,
    {
      waitMs: options.waitMs ?? (s3 ? 600_000 : 300_000),
      ...(s3 ? {} : { pollMs: 500 }),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.interruption ? { interruption: options.interruption } : {}),
      ...(options.takeover ? { takeover: options.takeover } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(run ? { run } : {}),
    },
    (lease) => body(trackingLease(lease, lab, client, options.stateLockPollMs ?? STATE_LOCK_POLL_MS)),
  );
}

/** Who the lease's run is to terraform (`user@host`), and the state lock it holds if seen. */
export function leaseIdentity(lease: RunLease): RunIdentity {
  return () => ({
    who: `${lease.holder.user ?? ''}@${lease.holder.host}`,
    stateLockIdOf: (stack) => lease.holder.stacks?.find((s) => s.id === stack)?.stateLockId,
  });
}

/** How long, after a stack starts, to look for terraform's lock object (it takes it within seconds of starting). */
const STATE_LOCK_WATCH_MS = 30_000;
const STATE_LOCK_POLL_MS = 1_000;

function trackingLease(lease: RunLease, lab: LabConfig, s3: S3Client | undefined, pollMs: number): LabLease {
  // Stacks whose lock is still being looked for; several run at once on the graph.
  const watching = new Set<string>();
  const watchStateLock = async (stack: string) => {
    if (lab.state.kind !== 's3' || !s3) return;
    watching.add(stack);
    const lockKey = `${lab.state.keyPrefix}/${stack}.tfstate.tflock`;
    const deadline = Date.now() + STATE_LOCK_WATCH_MS;
    while (watching.has(stack) && Date.now() < deadline) {
      const lock = await readStateLock(s3, lab.state.bucket, lockKey);
      if (lock && lock.Who === `${lease.holder.user}@${lease.holder.host}`) {
        if (watching.delete(stack)) await lease.noteStack({ id: stack, stateLockId: lock.ID });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs).unref());
    }
    watching.delete(stack);
  };
  return {
    get holder(): Readonly<RunLockHolder> {
      return lease.holder;
    },
    ...(lease.takenOver ? { takenOver: lease.takenOver } : {}),
    noteStack: (stack) => lease.noteStack(stack),
    noteStackDone: (id) => lease.noteStackDone(id),
    track(onProgress) {
      return (event) => {
        if (event.kind === 'stack_start') {
          void lease
            .noteStack({ id: event.stack })
            .then(() => watchStateLock(event.stack))
            .catch(() => undefined);
        } else if (event.kind === 'stack_done') {
          // Terraform released its lock with a clean exit: nothing of this stack for a later run to match.
          watching.delete(event.stack);
          void lease.noteStackDone(event.stack).catch(() => undefined);
        } else if (event.kind === 'stack_failed' || event.kind === 'stack_skipped') {
          // A stopped stack stays recorded: its lock may outlive this run (docs/design/interruptions.md §2).
          watching.delete(event.stack);
        }
        onProgress?.(event);
      };
    },
  };
}

/** Terraform's S3 lock object (`<key>.tflock`, docs/design/interruptions.md §3); undefined when there is none. */
async function readStateLock(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ ID: string; Who: string } | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const parsed = JSON.parse((await response.Body?.transformToString('utf8')) ?? '') as {
      ID?: unknown;
      Who?: unknown;
    };
    return typeof parsed.ID === 'string' && typeof parsed.Who === 'string'
      ? { ID: parsed.ID, Who: parsed.Who }
      : undefined;
  } catch {
    return undefined;
  }
}
