// Tears down the labs to sweep with bounded concurrency. A dry run (the default for manual sweeps) only lists them.
import { errorMessage } from '../lab/errors.ts';
import { isExpired } from '../lab/ownership.ts';
import { TeardownIncompleteError, type LeftBehind } from '../targets/aws/incomplete.ts';
import type { ExpiredLab } from './expired-labs.ts';

/** A lab the sweep removes, and why: expired (the default), or its pull request closed. */
export interface LabToSweep extends ExpiredLab {
  /** 'expired' when absent. */
  reason?: string;
}

export interface SweepOutcome {
  lab: string;
  expiresAt: string;
  /** Why the lab is swept: 'expired', or 'pull request #N closed' / 'pull request #N merged'. */
  reason: string;
  /** kept: the lab's expiry moved (a provision since the sweep began), found holding its lock. */
  result: 'would-remove' | 'removed' | 'kept' | 'failed';
  /** removed: what went; kept: why; failed: the whole error, with how to finish the job. */
  detail?: string;
  /** failed: why, in one line (the cause of an incomplete teardown). */
  why?: string;
  /** failed: what the teardown left, when it could say. */
  left?: LeftBehind;
  /** failed: the lab is past its expiry, so nothing else will remove it: the sweep must fail loudly. */
  overdue?: boolean;
}

export interface SweepOptions {
  dryRun: boolean;
  concurrency: number;
  /** For `overdue` (default: the time of the call). */
  now?: Date;
  /** What went (a line), or `{ kept }`: why the lab stays after all. */
  teardown(lab: LabToSweep): Promise<string | void | { kept: string }>;
}

export async function sweep(labs: readonly LabToSweep[], options: SweepOptions): Promise<SweepOutcome[]> {
  const base = (l: LabToSweep) => ({ lab: l.lab, expiresAt: l.expiresAt, reason: l.reason ?? 'expired' });
  if (options.dryRun) return labs.map((l) => ({ ...base(l), result: 'would-remove' }));
  const now = options.now ?? new Date();
  const outcomes: SweepOutcome[] = new Array(labs.length);
  let next = 0;
  const worker = async () => {
    while (next < labs.length) {
      const index = next++;
      const lab = labs[index]!;
      try {
        const done = await options.teardown(lab);
        outcomes[index] =
          typeof done === 'object'
            ? { ...base(lab), result: 'kept', detail: done.kept }
            : { ...base(lab), result: 'removed', ...(done ? { detail: done } : {}) };
      } catch (error) {
        outcomes[index] = {
          ...base(lab),
          result: 'failed',
          detail: errorMessage(error),
          why: errorMessage(error instanceof TeardownIncompleteError ? error.cause : error).split('\n')[0]!,
          ...(error instanceof TeardownIncompleteError ? { left: error.left } : {}),
          overdue: isExpired(lab.expiresAt, now),
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, labs.length)) }, worker));
  return outcomes;
}
