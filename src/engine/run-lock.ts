// One run at a time per lab, for the whole of an up or a down. Terraform's state lock only covers one stack while
// terraform runs: between a provision recording the lab and its first apply, a teardown would otherwise find no
// state, delete the lab's records, and let the provision build a lab nobody can find.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';

export interface RunLockHolder {
  token: string;
  operation: string;
  host: string;
  pid: number;
  since: string;
}

export interface RunLocks {
  /** Takes the lab's lock, or returns who holds it. */
  tryAcquire(lab: string, holder: RunLockHolder): Promise<RunLockHolder | undefined>;
  /** Releases it if `token` still holds it. */
  release(lab: string, token: string): Promise<void>;
}

export class LabBusyError extends Error {
  constructor(
    readonly lab: string,
    readonly holder: RunLockHolder,
  ) {
    super(
      `lab '${lab}' is busy: ${holder.operation} by pid ${holder.pid} on ${holder.host} since ${holder.since}; ` +
        'wait for it, or remove the run lock if that run is dead',
    );
    this.name = 'LabBusyError';
  }
}

const holderSchema = z.object({
  token: z.string(),
  operation: z.string(),
  host: z.string(),
  pid: z.number(),
  since: z.string(),
});

/** A run older than this is dead whatever its host says (a provision takes about 25 minutes). */
export const STALE_AFTER_MS = 3 * 3_600_000;

export interface RunLockOptions {
  /** How long to wait for a busy lab before failing with LabBusyError. */
  waitMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `body` holding the lab's run lock; waits for a busy lab up to `waitMs`, then names the holder. */
export async function withRunLock<T>(
  locks: RunLocks,
  lab: string,
  operation: string,
  options: RunLockOptions,
  body: () => Promise<T>,
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const me: RunLockHolder = {
    token: randomUUID(),
    operation,
    host: hostname(),
    pid: process.pid,
    since: new Date().toISOString(),
  };
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const holder = await locks.tryAcquire(lab, me);
    if (!holder) break;
    if (Date.now() >= deadline) throw new LabBusyError(lab, holder);
    await sleep(options.pollMs ?? 2000);
  }
  try {
    return await body();
  } finally {
    await locks.release(lab, me.token);
  }
}

function isStale(holder: RunLockHolder, now = Date.now()): boolean {
  if (now - Date.parse(holder.since) > STALE_AFTER_MS) return true;
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** `<dir>/<lab>/run.lock`, created exclusively; a lock whose process is gone (same host) is taken over. */
export class LocalRunLocks implements RunLocks {
  constructor(private readonly dir: string) {}

  async tryAcquire(lab: string, holder: RunLockHolder): Promise<RunLockHolder | undefined> {
    const file = join(this.dir, lab, 'run.lock');
    await mkdir(join(this.dir, lab), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(file, JSON.stringify(holder), { flag: 'wx' });
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = await readHolder(() => readFile(file, 'utf8'));
      if (current && !isStale(current)) return current;
      await rm(file, { force: true });
    }
    return (await readHolder(() => readFile(file, 'utf8'))) ?? holder;
  }

  async release(lab: string, token: string): Promise<void> {
    const file = join(this.dir, lab, 'run.lock');
    const current = await readHolder(() => readFile(file, 'utf8'));
    if (current?.token !== token) return;
    await rm(file, { force: true });
    // A torn-down lab leaves no empty folder behind; a live one still has its state and manifest here.
    await rmdir(join(this.dir, lab)).catch(() => undefined);
  }
}

/** `tslab/<lab>/run.lock` in the state bucket, written only if absent (S3 conditional writes). */
export class S3RunLocks implements RunLocks {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async tryAcquire(lab: string, holder: RunLockHolder): Promise<RunLockHolder | undefined> {
    const Key = `tslab/${lab}/run.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key, Body: JSON.stringify(holder), IfNoneMatch: '*' }),
        );
        return undefined;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name !== 'PreconditionFailed' && name !== 'ConditionalRequestConflict') throw error;
      }
      const current = await this.read(Key);
      if (current && !isStale(current)) return current;
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    }
    return (await this.read(Key)) ?? holder;
  }

  async release(lab: string, token: string): Promise<void> {
    const Key = `tslab/${lab}/run.lock`;
    if ((await this.read(Key))?.token === token) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    }
  }

  private read(Key: string): Promise<RunLockHolder | undefined> {
    return readHolder(async () => {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return (await response.Body?.transformToString('utf8')) ?? '';
    });
  }
}

async function readHolder(read: () => Promise<string>): Promise<RunLockHolder | undefined> {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(await read()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Missing (released meanwhile) or unreadable: either way nobody valid holds it.
    return undefined;
  }
}
