// The one way an operation takes a lab's run lock: one up or down of a lab at a time, for its whole length (the
// workflows' concurrency groups aside). The lock lives beside the lab's manifest: in the state bucket, or in the
// local state dir.
import { dirname } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalRunLocks, S3RunLocks, withRunLock, type RunLocks } from '../engine/run-lock.ts';
import type { LabConfig } from '../lab/config.ts';

export interface LabRunLockOptions {
  /** Injected by tests; by default the lab's own lock. */
  locks?: RunLocks;
  /** How long to wait for another run of the same lab (default 10 minutes in S3, 5 locally). */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  s3?: S3Client;
}

export function withLabRunLock<T>(
  lab: LabConfig,
  operation: string,
  options: LabRunLockOptions,
  body: () => Promise<T>,
): Promise<T> {
  const s3 = lab.state.kind === 's3';
  const locks =
    options.locks ??
    (lab.state.kind === 's3'
      ? new S3RunLocks(options.s3 ?? new S3Client({ region: lab.state.region }), lab.state.bucket)
      : new LocalRunLocks(dirname(lab.state.dir)));
  return withRunLock(
    locks,
    lab.id,
    operation,
    {
      waitMs: options.waitMs ?? (s3 ? 600_000 : 300_000),
      ...(s3 ? {} : { pollMs: 500 }),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
    body,
  );
}
