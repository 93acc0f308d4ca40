// One run at a time per lab, for the whole of a provision or a teardown. Terraform's state lock only covers one stack while
// terraform runs: between a provision recording the lab and its first apply, a teardown would otherwise find no
// state, delete the lab's records, and let the provision build a lab nobody can find.
//
// A holder says who it is (host, user, pid, GitHub run and job), what it runs now, and beats a heartbeat, so a
// later run can prove it gone and take over (takeover.ts; docs/design/interruptions.md §3).
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { stoppableSleep, type Interruption } from './interruption.ts';
import { judgeHolder, type TakeoverContext, type Verdict } from './takeover.ts';

/** A GitHub Actions run, from GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT and GITHUB_JOB. */
export interface WorkflowRun {
  repository: string;
  id: string;
  attempt: number;
  job: string;
}

export interface RunLockHolder {
  token: string;
  operation: string;
  host: string;
  /** Terraform's state lock names its holder `user@host`: with this, a lock can be matched to its run. */
  user?: string;
  pid: number;
  since: string;
  /** Refreshed every HEARTBEAT_MS while the holder works. */
  heartbeatAt?: string;
  run?: WorkflowRun;
  /** The stacks terraform is running (several at once on the graph), each with its state lock's id once seen. */
  stacks?: RunningStack[];
}

export interface RunningStack {
  id: string;
  since: string;
  stateLockId?: string;
}

export interface RunLocks {
  /** Takes the lab's lock, or returns who holds it; `mayTakeOver` decides whether a holder is gone. */
  tryAcquire(lab: string, holder: RunLockHolder, mayTakeOver: Judge): Promise<AcquireResult>;
  /** Writes the holder again (heartbeat, current stack); false when `holder.token` no longer holds the lock. */
  refresh(lab: string, holder: RunLockHolder): Promise<boolean>;
  /** Releases it if `token` still holds it. */
  release(lab: string, token: string): Promise<void>;
}

export type Judge = (holder: RunLockHolder) => Promise<Verdict>;

export type AcquireResult =
  | { acquired: true; takenOver?: { holder: RunLockHolder; why: string } }
  | { acquired: false; holder: RunLockHolder; why?: string };

export class LabBusyError extends Error {
  constructor(
    readonly lab: string,
    readonly holder: RunLockHolder,
  ) {
    const run = holder.run
      ? `, run ${holder.run.id} attempt ${holder.run.attempt} job ${holder.run.job}`
      : '';
    const beat = holder.heartbeatAt ? `, last heartbeat ${holder.heartbeatAt}` : '';
    super(
      `lab '${lab}' is busy: ${holder.operation} by pid ${holder.pid} on ${holder.host}${run} since ${holder.since}` +
        `${beat}; wait for it (a holder without a heartbeat for ${HEARTBEAT_STALE_MS / 60_000} minutes is taken ` +
        'over), or cancel that run',
    );
    this.name = 'LabBusyError';
  }
}

const holderSchema = z.object({
  token: z.string(),
  operation: z.string(),
  host: z.string(),
  user: z.string().exactOptional(),
  pid: z.number(),
  since: z.string(),
  heartbeatAt: z.string().exactOptional(),
  run: z
    .object({ repository: z.string(), id: z.string(), attempt: z.number(), job: z.string() })
    .exactOptional(),
  stacks: z
    .array(z.object({ id: z.string(), since: z.string(), stateLockId: z.string().exactOptional() }))
    .exactOptional(),
});

/** A live holder writes its heartbeat this often. */
export const HEARTBEAT_MS = 60_000;
/**
 * A holder whose heartbeat is older than this is gone: ten beats missed. Short enough that a teardown waiting its
 * 10 minutes for the lock outlasts it; long enough that a slow S3 write or a paused runner is not mistaken for death.
 */
export const HEARTBEAT_STALE_MS = 10 * 60_000;
/** Holders written before heartbeats existed: a run older than this is dead (a provision takes about 25 minutes). */
export const STALE_AFTER_MS = 3 * 3_600_000;

export interface RunLockOptions {
  /** How long to wait for a busy lab before failing with LabBusyError. */
  waitMs: number;
  pollMs?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Who is asking: the GitHub run, the jobs of it known to have ended, how to ask GitHub about another run. */
  takeover?: Omit<TakeoverContext, 'me' | 'now'> | undefined;
  run?: WorkflowRun | undefined;
  interruption?: Interruption | undefined;
  heartbeatMs?: number | undefined;
  log?: ((line: string) => void) | undefined;
  /** Host identity; injectable for tests. */
  host?: string | undefined;
}

/** What the body may do with the lock it holds. */
export interface RunLease {
  readonly holder: Readonly<RunLockHolder>;
  /** The run that held the lock before and was proven gone (its terraform locks may be removed: takeover.ts). */
  readonly takenOver?: { holder: RunLockHolder; why: string };
  /** Records a stack terraform now runs (and its state lock's id once seen), written at once. */
  noteStack(stack: { id: string; stateLockId?: string }): Promise<void>;
  /** The stack's run is over: no longer recorded. */
  noteStackDone(id: string): Promise<void>;
}

/** Runs `body` holding the lab's run lock; waits for a busy lab up to `waitMs`, then names the holder. */
export async function withRunLock<T>(
  locks: RunLocks,
  lab: string,
  operation: string,
  options: RunLockOptions,
  body: (lease: RunLease) => Promise<T>,
): Promise<T> {
  const sleep = (ms: number) =>
    stoppableSleep(ms, options.interruption, `while waiting for lab '${lab}'`, options.sleep);
  const now = () => new Date().toISOString();
  const me: RunLockHolder = {
    token: randomUUID(),
    operation,
    host: options.host ?? hostname(),
    user: userInfo().username,
    pid: process.pid,
    since: now(),
    heartbeatAt: now(),
    ...(options.run ? { run: options.run } : {}),
  };
  const judge: Judge = (holder) =>
    judgeHolder(holder, {
      ...options.takeover,
      me: { host: me.host, ...(me.run ? { run: me.run } : {}) },
      now: Date.now(),
    });
  const deadline = Date.now() + options.waitMs;
  let acquired: Extract<AcquireResult, { acquired: true }>;
  for (;;) {
    const result = await locks.tryAcquire(lab, { ...me, heartbeatAt: now() }, judge);
    if (result.acquired) {
      acquired = result;
      break;
    }
    if (Date.now() >= deadline) throw new LabBusyError(lab, result.holder);
    await sleep(options.pollMs ?? 2000);
  }
  if (acquired.takenOver) {
    options.log?.(
      `took over lab '${lab}' from ${acquired.takenOver.holder.operation} on ${acquired.takenOver.holder.host}: ${acquired.takenOver.why}`,
    );
  }

  let lost = false;
  // One write at a time: concurrent stacks note themselves at once, and a conditional write racing our own would
  // look like a takeover.
  let writes: Promise<void> = Promise.resolve();
  const beat = (): Promise<void> => {
    writes = writes.then(async () => {
      if (lost) return;
      me.heartbeatAt = now();
      const ours = await locks.refresh(lab, me).catch(() => true);
      if (!ours) {
        lost = true;
        options.log?.(
          `the run lock of lab '${lab}' was taken over by another run; terraform's own lock still guards the state`,
        );
      }
    });
    return writes;
  };
  const timer = setInterval(() => void beat(), options.heartbeatMs ?? HEARTBEAT_MS);
  timer.unref();
  const lease: RunLease = {
    holder: me,
    ...(acquired.takenOver ? { takenOver: acquired.takenOver } : {}),
    async noteStack(stack) {
      const others = (me.stacks ?? []).filter((s) => s.id !== stack.id);
      const since = me.stacks?.find((s) => s.id === stack.id)?.since ?? now();
      me.stacks = [
        ...others,
        { id: stack.id, since, ...(stack.stateLockId ? { stateLockId: stack.stateLockId } : {}) },
      ];
      await beat();
    },
    async noteStackDone(id) {
      me.stacks = (me.stacks ?? []).filter((s) => s.id !== id);
      if (!me.stacks.length) delete me.stacks;
      await beat();
    },
  };
  try {
    return await body(lease);
  } finally {
    clearInterval(timer);
    await writes;
    await locks.release(lab, me.token);
  }
}

/** `<dir>/<lab>/run.lock`, created exclusively; a holder proven gone is taken over. */
export class LocalRunLocks implements RunLocks {
  constructor(private readonly dir: string) {}

  async tryAcquire(lab: string, holder: RunLockHolder, mayTakeOver: Judge): Promise<AcquireResult> {
    const file = this.file(lab);
    await mkdir(join(this.dir, lab), { recursive: true });
    let takenOver: { holder: RunLockHolder; why: string } | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(file, JSON.stringify(holder), { flag: 'wx' });
        return { acquired: true, ...(takenOver ? { takenOver } : {}) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = await readHolder(() => readFile(file, 'utf8'));
      if (current) {
        const verdict = await mayTakeOver(current);
        if (!verdict.gone)
          return { acquired: false, holder: current, ...(verdict.why ? { why: verdict.why } : {}) };
        takenOver = { holder: current, why: verdict.why };
      }
      await rm(file, { force: true });
    }
    const current = await readHolder(() => readFile(file, 'utf8'));
    return { acquired: false, holder: current ?? holder };
  }

  async refresh(lab: string, holder: RunLockHolder): Promise<boolean> {
    const file = this.file(lab);
    const current = await readHolder(() => readFile(file, 'utf8'));
    if (current?.token !== holder.token) return false;
    await writeFile(file, JSON.stringify(holder));
    return true;
  }

  async release(lab: string, token: string): Promise<void> {
    const file = this.file(lab);
    const current = await readHolder(() => readFile(file, 'utf8'));
    if (current?.token !== token) return;
    await rm(file, { force: true });
    // A torn-down lab leaves no empty folder behind; a live one still has its state and manifest here.
    await rmdir(join(this.dir, lab)).catch(() => undefined);
  }

  private file(lab: string): string {
    return join(this.dir, lab, 'run.lock');
  }
}

/** `tslab/<lab>/run.lock` in the state bucket, written only if absent or unchanged (S3 conditional writes). */
export class S3RunLocks implements RunLocks {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async tryAcquire(lab: string, holder: RunLockHolder, mayTakeOver: Judge): Promise<AcquireResult> {
    const Key = key(lab);
    let takenOver: { holder: RunLockHolder; why: string } | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await this.put(Key, holder, { IfNoneMatch: '*' })) {
        return { acquired: true, ...(takenOver ? { takenOver } : {}) };
      }
      const current = await this.read(Key);
      if (current) {
        const verdict = await mayTakeOver(current.holder);
        if (!verdict.gone) {
          return { acquired: false, holder: current.holder, ...(verdict.why ? { why: verdict.why } : {}) };
        }
        // Replace exactly the record judged, never one a live run wrote meanwhile.
        if (current.etag && (await this.put(Key, holder, { IfMatch: current.etag }))) {
          return { acquired: true, takenOver: { holder: current.holder, why: verdict.why } };
        }
        takenOver = { holder: current.holder, why: verdict.why };
        if (!current.etag) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
      }
    }
    const current = await this.read(Key);
    return { acquired: false, holder: current?.holder ?? holder };
  }

  async refresh(lab: string, holder: RunLockHolder): Promise<boolean> {
    const Key = key(lab);
    const current = await this.read(Key);
    if (current?.holder.token !== holder.token) return false;
    return this.put(Key, holder, current.etag ? { IfMatch: current.etag } : {});
  }

  async release(lab: string, token: string): Promise<void> {
    const Key = key(lab);
    if ((await this.read(Key))?.holder.token === token) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    }
  }

  /** False when the condition failed (someone else wrote first). */
  private async put(
    Key: string,
    holder: RunLockHolder,
    condition: { IfNoneMatch?: string; IfMatch?: string },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: JSON.stringify(holder), ...condition }),
      );
      return true;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict') return false;
      throw error;
    }
  }

  private async read(Key: string): Promise<{ holder: RunLockHolder; etag?: string } | undefined> {
    let etag: string | undefined;
    const holder = await readHolder(async () => {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      etag = response.ETag;
      return (await response.Body?.transformToString('utf8')) ?? '';
    });
    return holder ? { holder, ...(etag ? { etag } : {}) } : undefined;
  }
}

function key(lab: string): string {
  return `tslab/${lab}/run.lock`;
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
