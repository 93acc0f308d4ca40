// The run lock's record of what a run is doing: while the body runs, the lock records which stack terraform runs and,
// for S3 state, the id of terraform's state lock on it, so a teardown after a lost run can remove exactly that lock
// (docs/design/interruptions.md §3).
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RunIdentity } from '../engine/lifecycle.ts';
import type { LabProgressEvent } from '../engine/progress.ts';
import type { RunLease } from '../engine/run-lock.ts';

/** Where terraform keeps a stack's S3 lock object, from the stack's synthesized backend. */
export interface StateLockObject {
  s3: S3Client;
  bucket: string;
  key: string;
}

export interface TrackedLease {
  /** Wraps an operation's progress handler so the lock's record follows the stacks. */
  track(onProgress?: (event: LabProgressEvent) => void): (event: LabProgressEvent) => void;
  /** Who the lease's run is to terraform (`user@host`), and the state lock it holds if seen. */
  identity: RunIdentity;
}

/** How long, after a stack starts, to look for terraform's lock object (it takes it within seconds of starting). */
const STATE_LOCK_WATCH_MS = 30_000;
const STATE_LOCK_POLL_MS = 1_000;

export function trackLease(
  lease: RunLease,
  stateLockOf: (stack: string) => StateLockObject | undefined,
  pollMs: number = STATE_LOCK_POLL_MS,
): TrackedLease {
  const who = `${lease.holder.user ?? ''}@${lease.holder.host}`;
  // Stacks whose lock is still being looked for; several run at once on the graph.
  const watching = new Set<string>();
  const watchStateLock = async (stack: string) => {
    const object = stateLockOf(stack);
    if (!object) return;
    watching.add(stack);
    const deadline = Date.now() + STATE_LOCK_WATCH_MS;
    while (watching.has(stack) && Date.now() < deadline) {
      const lock = await readStateLock(object);
      if (lock && lock.Who === who) {
        if (watching.delete(stack)) await lease.noteStack({ id: stack, stateLockId: lock.ID });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs).unref());
    }
    watching.delete(stack);
  };
  return {
    identity: () => ({
      who,
      stateLockIdOf: (stack) => lease.holder.stacks?.find((s) => s.id === stack)?.stateLockId,
    }),
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
async function readStateLock({
  s3,
  bucket,
  key,
}: StateLockObject): Promise<{ ID: string; Who: string } | undefined> {
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
