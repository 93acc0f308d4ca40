// The lab manifest: what a lab is and how far each of its stacks got. Written before anything is applied, so a lab
// can be torn down from its id alone, and read by the sweeper and by slot/route conflict checks. Where it is kept
// (with the lab's recorded stacks): lab-stores.ts; which store a lab uses, its home (src/home/lab-home.ts).
import { z } from 'zod';
import type { LabConfig } from '../lab/config.ts';

export const STACK_STATUSES = [
  'applying',
  'applied',
  'destroying',
  'destroyed',
  'failed',
  'interrupted',
] as const;
export type StackStatus = (typeof STACK_STATUSES)[number];

export interface StackRecord {
  status: StackStatus;
  updatedAt: string;
  durationMs?: number;
  /** An interrupted stack: the id of terraform's state lock on it when the run saw one (what a teardown matches). */
  stateLockId?: string;
  /** An interrupted stack: terraform's name for the run cut short (`user@host`), when not the lab's `interrupted.who`. */
  who?: string;
}

/** The last run of the lab was stopped by a signal (cancelled job, Ctrl-C): a teardown or the sweeper removes it. */
export interface InterruptionRecord {
  at: string;
  signal: string;
  /** apply or destroy */
  operation: string;
  /** The stack terraform was running, if any. */
  stack?: string;
  /** Terraform's name for the stopped run (`user@host`): what a teardown matches a left-over lock's holder with. */
  who?: string;
}

export interface LabManifest {
  schema: 1;
  lab: string;
  slot: number;
  region: string;
  /** Routes the lab advertises on the tailnet; other labs must not overlap them. */
  routes: string[];
  /** What the lab was built with, kept on re-runs (other AZs would replace its subnets); absent in older manifests. */
  azs?: string[];
  kubernetesVersion?: string;
  createdAt: string;
  /** The expiry the lab was built with: its resources' `tslab:expires-at` tag (and its ttl, on re-runs). */
  expiresAt: string;
  /**
   * How long a later provision keeps the lab (its time of provision + ttl), when later than `expiresAt`: a PR lab
   * lives a day past its last push. Only the manifest moves: re-tagging every resource would re-apply every stack.
   */
  extendedTo?: string;
  owner: string;
  trigger: string;
  runUrl?: string;
  /**
   * The workflow run whose provision last took the lab (`owner/repo#run-id`); absent outside Actions. A run tears down
   * only a lab it provisioned itself when told so (lab-reusable.yml: a kept lab is not another run's to remove).
   */
  lastRun?: string;
  stacks: Record<string, StackRecord>;
  interrupted?: InterruptionRecord;
}

export interface ManifestStore {
  read(lab: string): Promise<LabManifest | undefined>;
  write(manifest: LabManifest): Promise<void>;
  /** Deleting a manifest that does not exist is not an error. */
  delete(lab: string): Promise<void>;
  list(): Promise<LabManifest[]>;
}

const manifestSchema = z.object({
  schema: z.literal(1),
  lab: z.string(),
  slot: z.number().int(),
  region: z.string(),
  routes: z.array(z.string()),
  azs: z.array(z.string()).exactOptional(),
  kubernetesVersion: z.string().exactOptional(),
  createdAt: z.string(),
  expiresAt: z.string(),
  extendedTo: z.string().exactOptional(),
  owner: z.string(),
  trigger: z.string(),
  runUrl: z.string().exactOptional(),
  lastRun: z.string().exactOptional(),
  stacks: z.record(
    z.string(),
    z.object({
      status: z.enum(STACK_STATUSES),
      updatedAt: z.string(),
      durationMs: z.number().exactOptional(),
      stateLockId: z.string().exactOptional(),
      who: z.string().exactOptional(),
    }),
  ),
  interrupted: z
    .object({
      at: z.string(),
      signal: z.string(),
      operation: z.string(),
      stack: z.string().exactOptional(),
      who: z.string().exactOptional(),
    })
    .exactOptional(),
});

/** When the lab expires: the later of its built expiry and the one its last provision extended it to. */
export function effectiveExpiry(manifest: Pick<LabManifest, 'expiresAt' | 'extendedTo'>): string {
  const extended = manifest.extendedTo;
  return extended !== undefined && Date.parse(extended) > Date.parse(manifest.expiresAt)
    ? extended
    : manifest.expiresAt;
}

/**
 * A manifest for a lab about to be provisioned (by `lastRun`, in Actions): no stack has started yet. A lab provisioned
 * again (`again`: when) is kept its ttl from then.
 */
export function buildManifest(lab: LabConfig, lastRun?: string, again?: Date): LabManifest {
  const extendedTo = again && new Date(again.getTime() + lab.lifecycle.ttlHours * 3_600_000).toISOString();
  return {
    schema: 1,
    lab: lab.id,
    slot: lab.slot,
    region: lab.region,
    routes: [...lab.tailnet.ownedRanges],
    azs: [...lab.azs],
    kubernetesVersion: lab.cluster.kubernetesVersion,
    createdAt: lab.lifecycle.createdAt,
    expiresAt: lab.lifecycle.expiresAt,
    ...(extendedTo && Date.parse(extendedTo) > Date.parse(lab.lifecycle.expiresAt) ? { extendedTo } : {}),
    owner: lab.lifecycle.owner,
    trigger: lab.lifecycle.trigger,
    ...(lab.lifecycle.runUrl !== undefined ? { runUrl: lab.lifecycle.runUrl } : {}),
    ...(lastRun !== undefined ? { lastRun } : {}),
    stacks: {},
  };
}

/**
 * A copy of the manifest with one stack's status changed. A lock an earlier run left on the stack (its id and holder)
 * stays recorded until the stack has applied or been destroyed again: a later run that starts the stack and is lost
 * in turn must not take that evidence with it.
 */
export function withStackStatus(
  manifest: LabManifest,
  stackId: string,
  status: StackStatus,
  at: Date,
  durationMs?: number,
): LabManifest {
  const before = manifest.stacks[stackId];
  const done = status === 'applied' || status === 'destroyed';
  const record: StackRecord = {
    status,
    updatedAt: at.toISOString(),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(!done && before?.stateLockId !== undefined ? { stateLockId: before.stateLockId } : {}),
    ...(!done && before?.who !== undefined ? { who: before.who } : {}),
  };
  const changed = { ...manifest, stacks: { ...manifest.stacks, [stackId]: record } };
  // A stack ran to its end: once none is left carrying an interruption's evidence, the lab's record goes.
  return done ? settleInterruption(changed) : changed;
}

/** A stack an interruption cut short, or one still carrying the lock a gone run left on it. */
export function strandedOn(record: StackRecord): boolean {
  return record.status === 'interrupted' || record.stateLockId !== undefined;
}

/** The lab's interruption record, kept only while a stack it cut short still carries its evidence. */
export function settleInterruption(manifest: LabManifest): LabManifest {
  if (!manifest.interrupted) return manifest;
  if (Object.values(manifest.stacks).some(strandedOn)) return manifest;
  const settled = { ...manifest };
  delete settled.interrupted;
  return settled;
}

/**
 * The manifest with a new interruption recorded: stacks an earlier interruption cut short keep who that was, since
 * the lab's record now names the new one.
 */
export function withInterruption(manifest: LabManifest, interrupted: InterruptionRecord): LabManifest {
  const earlier = manifest.interrupted?.who;
  const stacks = Object.fromEntries(
    Object.entries(manifest.stacks).map(([id, record]) => [
      id,
      record.status === 'interrupted' && !record.who && earlier && earlier !== interrupted.who
        ? { ...record, who: earlier }
        : record,
    ]),
  );
  return { ...manifest, stacks, interrupted };
}

/** Validates a stored manifest, naming where it came from when it is not one. */
export function parseManifest(text: string, source: string): LabManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Lab manifest ${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`Lab manifest ${source} is not a schema 1 manifest: ${problems.join('; ')}`);
  }
  return parsed.data;
}
