// Tears down expired labs with bounded concurrency. A dry run (the default for manual sweeps) only lists them.
import { errorMessage } from '../lab/errors.ts';
import type { ExpiredLab } from './expired-labs.ts';

export interface SweepOutcome {
  lab: string;
  expiresAt: string;
  result: 'would-remove' | 'removed' | 'failed';
  detail?: string;
}

export interface SweepOptions {
  dryRun: boolean;
  concurrency: number;
  teardown(lab: ExpiredLab): Promise<string | void>;
}

export async function sweep(expired: readonly ExpiredLab[], options: SweepOptions): Promise<SweepOutcome[]> {
  if (options.dryRun)
    return expired.map((l) => ({ lab: l.lab, expiresAt: l.expiresAt, result: 'would-remove' }));
  const outcomes: SweepOutcome[] = new Array(expired.length);
  let next = 0;
  const worker = async () => {
    while (next < expired.length) {
      const index = next++;
      const lab = expired[index]!;
      try {
        const detail = await options.teardown(lab);
        outcomes[index] = {
          lab: lab.lab,
          expiresAt: lab.expiresAt,
          result: 'removed',
          ...(detail ? { detail } : {}),
        };
      } catch (error) {
        outcomes[index] = {
          lab: lab.lab,
          expiresAt: lab.expiresAt,
          result: 'failed',
          detail: errorMessage(error),
        };
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, expired.length)) }, worker),
  );
  return outcomes;
}
