// Provisions and tears down a lab's stacks as a dependency graph, keeping the lab manifest up to date as it goes:
// every stack whose dependencies are applied starts at once (the cluster ∥ the NAT, then the client ∥ the cluster),
// and waits (the client router) are nodes of the same graph. Destroy walks the graph in reverse. One failure starts
// nothing new; what runs finishes.
import { InterruptedError, type Interruption } from './interruption.ts';
import { hasLocalState, isManagedAddress, removeLocalState } from './local-state.ts';
import {
  settleInterruption,
  withInterruption,
  withStackStatus,
  type LabManifest,
  type ManifestStore,
  type StackStatus,
} from './manifest.ts';
import type { LabProgressEvent, StackOperation } from './progress.ts';
import { runGraph, type GraphNode } from './stack-graph.ts';
import { applyOrder, destroyOrder, type SynthesizedStack } from './stack-order.ts';
import type { ChangeCounts } from './terraform-events.ts';
import type { TerraformOutputs } from './terraform-outputs.ts';
import { StateLockedError, type DestroyFlags, type TerraformRunner } from './terraform.ts';

/** A stack's terraform run failed; `cause` is the TerraformError (or StateLockedError) behind it. */
export class StackError extends Error {
  readonly stackId: string;
  readonly operation: StackOperation;

  constructor(stackId: string, operation: StackOperation, cause: unknown) {
    super(
      `Stack '${stackId}' failed to ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'StackError';
    this.stackId = stackId;
    this.operation = operation;
  }
}

export interface Clock {
  /** Milliseconds since the epoch; injectable so tests can pin timestamps and durations. */
  now(): number;
}

const systemClock: Clock = { now: () => Date.now() };

/** Who this run is to terraform, recorded with an interruption so a later teardown can match a left-over lock. */
export type RunIdentity = () => { who: string; stateLockIdOf?: (stack: string) => string | undefined };

/** Something the deploy waits for between stacks, e.g. the client router joining the tailnet. */
export interface GraphWait {
  id: string;
  /** Stacks (or waits) that must be applied before it starts. */
  after: readonly string[];
  /** Stacks that start only once it is done. */
  before: readonly string[];
  run(): Promise<void>;
}

/**
 * A stack's state is locked: return true once the lock is gone (it was a dead run's, and was removed) and the
 * apply or destroy is tried once more; false leaves the StateLockedError as it is.
 */
export type OnStateLocked = (
  stackId: string,
  workingDirectory: string,
  error: StateLockedError,
) => Promise<boolean>;

/** Runs a stack's apply or destroy, once more after `onStateLocked` removed a dead run's lock. */
async function unlessStranded<T>(
  stack: SynthesizedStack,
  run: () => Promise<T>,
  onStateLocked: OnStateLocked | undefined,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StateLockedError && (await onStateLocked?.(stack.id, stack.workingDirectory, error)))
      return run();
    throw error;
  }
}

export interface DeployOptions {
  stacks: readonly SynthesizedStack[];
  terraform: TerraformRunner;
  /** The runner of one stack when it differs (the workloads stack gets the router's address); default `terraform`. */
  terraformFor?: ((stackId: string) => TerraformRunner) | undefined;
  store: ManifestStore;
  /** Built from the LabConfig (buildManifest); stack statuses already stored for the lab are kept. */
  manifest: LabManifest;
  onProgress?: ((event: LabProgressEvent) => void) | undefined;
  /** Apply only these stacks; the stacks they depend on must already be applied. */
  only?: readonly string[] | undefined;
  waits?: readonly GraphWait[] | undefined;
  /** 1: one stack at a time in dependency order (the old schedule, kept for comparison); default: the graph. */
  concurrency?: number | undefined;
  clock?: Clock | undefined;
  /** Once stopped, no stack starts; running ones are recorded `interrupted`, and so is the lab. */
  interruption?: Interruption | undefined;
  runIdentity?: RunIdentity | undefined;
  /** A lock left on a stack's state by a run proven gone (an earlier provision that lost its runner). */
  onStateLocked?: OnStateLocked | undefined;
}

export interface StackRun {
  id: string;
  /** When it started, on the deploy's clock (ms since the epoch): with durationMs, a bar of the run's timeline. */
  startedAtMs: number;
  durationMs: number;
  changes: ChangeCounts;
}

export interface WaitRun {
  id: string;
  startedAtMs: number;
  durationMs: number;
}

export interface DeployResult {
  manifest: LabManifest;
  stacks: StackRun[];
  waits: WaitRun[];
  outputs: Record<string, TerraformOutputs>;
  startedAtMs: number;
}

/**
 * The manifest as several concurrent stacks change it: one in-memory copy, written in order, each write carrying
 * every change made so far (a later write never loses an earlier stack's status).
 */
class ManifestBook {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private manifestNow: LabManifest | undefined,
    private readonly store: ManifestStore,
  ) {}

  get current(): LabManifest | undefined {
    return this.manifestNow;
  }

  set(stack: string, status: StackStatus, at: Date, durationMs?: number): Promise<void> {
    if (!this.manifestNow) return Promise.resolve();
    this.manifestNow = withStackStatus(this.manifestNow, stack, status, at, durationMs);
    return this.write();
  }

  update(change: (manifest: LabManifest) => LabManifest): Promise<void> {
    if (!this.manifestNow) return Promise.resolve();
    this.manifestNow = change(this.manifestNow);
    return this.write();
  }

  write(): Promise<void> {
    const written = this.chain.then(() =>
      this.manifestNow ? this.store.write(this.manifestNow) : undefined,
    );
    // A failed write does not stop the ones after it; the caller of this one sees the failure.
    this.chain = written.catch(() => undefined);
    return written;
  }
}

export async function deployLab(options: DeployOptions): Promise<DeployResult> {
  const { store, onProgress = () => {}, clock = systemClock } = options;
  const existing = await store.read(options.manifest.lab);
  // An earlier run's interruption stays recorded until each stack it cut short has applied again: it is what a later
  // run matches that run's left-over state lock with (docs/design/interruptions.md).
  const book = new ManifestBook(
    settleInterruption({
      ...options.manifest,
      stacks: { ...existing?.stacks, ...options.manifest.stacks },
      ...(existing?.interrupted ? { interrupted: existing.interrupted } : {}),
    }),
    store,
  );
  const selected = selectStacks(applyOrder(options.stacks), options.only, book.current!);
  const selectedIds = new Set(selected.map((stack) => stack.id));
  // Before anything is written or applied: a stack whose providers cannot be verified would fail mid-graph.
  await checkProviderLocks(selected, (stack) => options.terraformFor?.(stack.id) ?? options.terraform);
  // Before any terraform runs: if provisioning dies, teardown still finds the lab by its id.
  await book.write();

  const waits = options.waits ?? [];
  const nodes: GraphNode[] = [
    ...selected.map((stack) => ({
      id: stack.id,
      after: [
        ...stack.dependencies.filter((id) => selectedIds.has(id)),
        ...waits.filter((wait) => wait.before.includes(stack.id)).map((wait) => wait.id),
      ],
    })),
    ...waits.map((wait) => ({ id: wait.id, after: wait.after.filter((id) => selectedIds.has(id)) })),
  ];
  const runs: StackRun[] = [];
  const waitRuns: WaitRun[] = [];
  const outputs: Record<string, TerraformOutputs> = {};
  const startedAtMs = clock.now();
  const interruptions = new InterruptionRecorder(options, 'apply', book, clock, onProgress);

  const applyStack = async (stack: SynthesizedStack): Promise<void> => {
    const terraform = options.terraformFor?.(stack.id) ?? options.terraform;
    const startedAt = clock.now();
    await book.set(stack.id, 'applying', new Date(startedAt));
    onProgress({ kind: 'stack_start', stack: stack.id, operation: 'apply' });
    try {
      await initOneAtATime(() => terraform.init(stack.workingDirectory));
      const changes = await unlessStranded(
        stack,
        () =>
          terraform.apply(stack.workingDirectory, (event) =>
            onProgress({ kind: 'terraform', stack: stack.id, event }),
          ),
        options.onStateLocked,
      );
      outputs[stack.id] = await terraform.output(stack.workingDirectory);
      const durationMs = clock.now() - startedAt;
      await book.set(stack.id, 'applied', new Date(clock.now()), durationMs);
      runs.push({ id: stack.id, startedAtMs: startedAt, durationMs, changes });
      onProgress({ kind: 'stack_done', stack: stack.id, operation: 'apply', durationMs, changes });
    } catch (error) {
      throw await interruptions.failedStack(stack.id, startedAt, error);
    }
  };

  await interruptions.runGraph(
    nodes,
    async (id) => {
      const wait = waits.find((w) => w.id === id);
      if (wait) {
        const started = clock.now();
        await wait.run();
        waitRuns.push({ id, startedAtMs: started, durationMs: clock.now() - started });
        return;
      }
      await applyStack(selected.find((stack) => stack.id === id)!);
    },
    options.concurrency,
  );
  return { manifest: book.current!, stacks: runs, waits: waitRuns, outputs, startedAtMs };
}

export interface DestroyOptions {
  stacks: readonly SynthesizedStack[];
  terraform: TerraformRunner;
  store: ManifestStore;
  lab: string;
  onProgress?: ((event: LabProgressEvent) => void) | undefined;
  /**
   * Runs before a stack with state is destroyed: where teardown removes what Terraform does not know about (custom
   * resources the operator turns into tailnet devices, ENIs and load balancers that would block the VPC's deletion).
   */
  beforeDestroy?: ((stackId: string) => Promise<DestroyFlags | void>) | undefined;
  /** A lock left on a stack's state by a run proven gone: see OnStateLocked. */
  onStateLocked?: OnStateLocked | undefined;
  /** 1: one stack at a time in reverse dependency order; default: the reverse graph. */
  concurrency?: number | undefined;
  clock?: Clock | undefined;
  interruption?: Interruption | undefined;
  runIdentity?: RunIdentity | undefined;
}

export interface DestroyedStack {
  id: string;
  outcome: 'destroyed' | 'skipped';
  startedAtMs: number;
  durationMs: number;
  resourcesDestroyed: number;
}

export interface DestroyResult {
  lab: string;
  stacks: DestroyedStack[];
  /** True when there was neither a manifest nor any state: the lab was already gone. */
  nothingToDo: boolean;
  startedAtMs: number;
}

/**
 * Destroys stacks in reverse dependency order, concurrently where nothing depends on them any more, and starts
 * nothing new after a failure (earlier stacks hold what later ones use), leaving the manifest so a retry can finish
 * the job. Once all are gone, it deletes the local state files and the manifest. Running it again is a no-op success.
 */
export async function destroyLab(options: DestroyOptions): Promise<DestroyResult> {
  const { terraform, store, lab, onProgress = () => {}, clock = systemClock } = options;
  const stored = await store.read(lab);
  const book = new ManifestBook(stored, store);
  const results: DestroyedStack[] = [];
  const startedAtMs = clock.now();
  const interruptions = new InterruptionRecorder(options, 'destroy', book, clock, onProgress);
  const ordered = destroyOrder(options.stacks);
  // Before any stack is destroyed: one whose providers cannot be verified would stop the teardown half-way.
  await checkProviderLocks(ordered, () => terraform);
  // Reverse edges: a stack goes once every stack that reads from it is gone.
  const nodes: GraphNode[] = ordered.map((stack) => ({
    id: stack.id,
    after: ordered.filter((other) => other.dependencies.includes(stack.id)).map((other) => other.id),
  }));

  const destroyStack = async (stack: SynthesizedStack): Promise<void> => {
    const startedAt = clock.now();
    try {
      const state = await checkState(stack, terraform);
      if (!state.present) {
        results.push({
          id: stack.id,
          outcome: 'skipped',
          startedAtMs: startedAt,
          durationMs: clock.now() - startedAt,
          resourcesDestroyed: 0,
        });
        onProgress({ kind: 'stack_skipped', stack: stack.id, operation: 'destroy', reason: 'no state' });
        return;
      }
      await book.set(stack.id, 'destroying', new Date(startedAt));
      onProgress({ kind: 'stack_start', stack: stack.id, operation: 'destroy' });
      const flags = (await options.beforeDestroy?.(stack.id)) ?? {};
      // Once per stack: the state check of a remote backend has already run it.
      if (!state.initialized) await initOneAtATime(() => terraform.init(stack.workingDirectory));
      const destroy = () =>
        terraform.destroy(
          stack.workingDirectory,
          (event) => onProgress({ kind: 'terraform', stack: stack.id, event }),
          flags,
        );
      const changes = await unlessStranded(stack, destroy, options.onStateLocked);
      const durationMs = clock.now() - startedAt;
      await book.set(stack.id, 'destroyed', new Date(clock.now()), durationMs);
      results.push({
        id: stack.id,
        outcome: 'destroyed',
        startedAtMs: startedAt,
        durationMs,
        resourcesDestroyed: changes.remove,
      });
      onProgress({ kind: 'stack_done', stack: stack.id, operation: 'destroy', durationMs, changes });
    } catch (error) {
      throw await interruptions.failedStack(stack.id, startedAt, error);
    }
  };

  await interruptions.runGraph(
    nodes,
    (id) => destroyStack(ordered.find((stack) => stack.id === id)!),
    options.concurrency,
  );

  for (const stack of options.stacks) {
    if (stack.backend.kind === 'local') await removeLocalState(stack.backend.path);
  }
  await store.delete(lab);
  return {
    lab,
    stacks: results,
    nothingToDo: stored === undefined && results.every((r) => r.outcome === 'skipped'),
    startedAtMs,
  };
}

/** Asks each stack's runner whether its providers have checksums in the lock file (ProviderLockError if not). */
async function checkProviderLocks(
  stacks: readonly SynthesizedStack[],
  runnerOf: (stack: SynthesizedStack) => TerraformRunner,
): Promise<void> {
  const dirsByRunner = new Map<TerraformRunner, string[]>();
  for (const stack of stacks) {
    const runner = runnerOf(stack);
    dirsByRunner.set(runner, [...(dirsByRunner.get(runner) ?? []), stack.workingDirectory]);
  }
  for (const [runner, dirs] of dirsByRunner) await runner.checkProviderLock?.(dirs);
}

/**
 * `terraform init` of concurrent stacks one at a time: they share the provider plugin cache, which terraform does not
 * promise to be safe for concurrent writes. With the providers cached an init takes seconds.
 */
let initQueue: Promise<unknown> = Promise.resolve();
function initOneAtATime(init: () => Promise<void>): Promise<void> {
  const next = initQueue.then(init);
  initQueue = next.catch(() => undefined);
  return next;
}

/**
 * Local state is read from disk (no init needed); a remote backend is asked through terraform itself, which leaves the
 * stack initialized for its destroy.
 */
async function checkState(
  stack: SynthesizedStack,
  terraform: TerraformRunner,
): Promise<{ present: boolean; initialized: boolean }> {
  if (stack.backend.kind === 'local') {
    return { present: await hasLocalState(stack.backend.path), initialized: false };
  }
  await initOneAtATime(() => terraform.init(stack.workingDirectory));
  const addresses = await terraform.stateList(stack.workingDirectory);
  return { present: addresses.some(isManagedAddress), initialized: true };
}

function selectStacks(
  ordered: SynthesizedStack[],
  only: readonly string[] | undefined,
  manifest: LabManifest,
): SynthesizedStack[] {
  if (only === undefined) return ordered;
  const known = new Set(ordered.map((stack) => stack.id));
  const unknown = only.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(`Unknown stack(s) ${unknown.join(', ')}; the lab has ${[...known].join(', ')}`);
  }
  const selected = ordered.filter((stack) => only.includes(stack.id));
  for (const stack of selected) {
    for (const dependency of stack.dependencies) {
      if (!only.includes(dependency) && manifest.stacks[dependency]?.status !== 'applied') {
        throw new Error(
          `Stack '${stack.id}' reads outputs of '${dependency}', which is not applied in lab '${manifest.lab}'; ` +
            `apply '${dependency}' too`,
        );
      }
    }
  }
  return selected;
}

interface FailureContext {
  stack: string;
  operation: StackOperation;
  error: unknown;
  startedAt: number;
  book: ManifestBook;
  clock: Clock;
  onProgress: (event: LabProgressEvent) => void;
}

/** Marks the stack failed in the manifest (best effort: the terraform error matters more) and wraps the error. */
async function recordFailure(context: FailureContext): Promise<StackError> {
  const { stack, operation, error, startedAt, book, clock, onProgress } = context;
  const durationMs = clock.now() - startedAt;
  const failure = new StackError(stack, operation, error);
  await book.set(stack, 'failed', new Date(clock.now()), durationMs).catch(() => undefined);
  onProgress({ kind: 'stack_failed', stack, operation, durationMs, message: failure.message });
  return failure;
}

function stopSignal(interruption: Interruption | undefined): InterruptedError {
  const reason = interruption?.stop.reason as unknown;
  return reason instanceof InterruptedError ? reason : new InterruptedError('SIGINT');
}

/**
 * How an apply or a destroy reacts to being stopped, the same for both: once stopped, no node of the graph starts;
 * the lab, and each stack the stop cut short, is recorded interrupted (with the id of terraform's lock on the stack,
 * when seen) so the next teardown, the sweeper and a person reading the manifest know what happened.
 */
class InterruptionRecorder {
  /** The error the run ends with, once the interruption is recorded. */
  private recorded: InterruptedError | undefined;

  constructor(
    private readonly options: {
      interruption?: Interruption | undefined;
      runIdentity?: RunIdentity | undefined;
    },
    private readonly operation: StackOperation,
    private readonly book: ManifestBook,
    private readonly clock: Clock,
    private readonly onProgress: (event: LabProgressEvent) => void,
  ) {}

  /** runGraph, starting no node once stopped; a node the stop ended unrecorded (a wait) records the lab too. */
  async runGraph(
    nodes: readonly GraphNode[],
    run: (id: string) => Promise<void>,
    concurrency: number | undefined,
  ): Promise<void> {
    try {
      await runGraph(
        nodes,
        async (id) => {
          if (this.options.interruption?.stop.aborted) {
            this.recorded ??= await this.record(undefined);
            throw this.recorded;
          }
          await run(id);
        },
        concurrency !== undefined ? { concurrency } : {},
      );
    } catch (error) {
      if (error instanceof InterruptedError && this.options.interruption && !this.recorded) {
        throw await this.record(undefined);
      }
      throw error;
    }
  }

  /** A stack's run failed: the interruption when the stop is why, else the stack marked failed and its error. */
  async failedStack(stack: string, startedAt: number, error: unknown): Promise<Error> {
    return (
      (await this.stoppedStack(stack, startedAt, error)) ??
      (await recordFailure({
        stack,
        operation: this.operation,
        error,
        startedAt,
        book: this.book,
        clock: this.clock,
        onProgress: this.onProgress,
      }))
    );
  }

  /**
   * A stack's run failed: when the stop is why (terraform ended with an InterruptedError, or failed once stopped),
   * records the stack and returns the error to end the run with; undefined for any other failure.
   */
  private async stoppedStack(
    stack: string,
    startedAt: number,
    error: unknown,
  ): Promise<InterruptedError | undefined> {
    if (this.recorded !== undefined && error === this.recorded) return this.recorded;
    const { interruption } = this.options;
    if (!(error instanceof InterruptedError) && interruption?.stop.aborted !== true) return undefined;
    const { operation, clock } = this;
    this.onProgress({
      kind: 'stack_failed',
      stack,
      operation,
      durationMs: clock.now() - startedAt,
      message: `${operation} of '${stack}' ${stopSignal(interruption).message}`,
    });
    this.recorded = await this.record(stack);
    return this.recorded;
  }

  /**
   * Records the stack (if one was running) and the lab as interrupted. Best effort within the runner's last
   * seconds: the error matters more.
   */
  private async record(stack: string | undefined): Promise<InterruptedError> {
    const { interruption, runIdentity } = this.options;
    const { operation } = this;
    const stopped = stopSignal(interruption);
    const at = new Date(this.clock.now());
    const identity = runIdentity?.();
    const stateLockId = stack ? identity?.stateLockIdOf?.(stack) : undefined;
    await this.book
      .update((manifest) => {
        // The first stack this run stopped names the interruption; each stack keeps its own status and lock id.
        const first = manifest.interrupted?.who === identity?.who ? manifest.interrupted?.stack : undefined;
        const recorded = withInterruption(manifest, {
          at: at.toISOString(),
          signal: stopped.signal,
          operation,
          ...(first ? { stack: first } : stack ? { stack } : {}),
          ...(identity ? { who: identity.who } : {}),
        });
        const marked = stack ? withStackStatus(recorded, stack, 'interrupted', at) : recorded;
        // This run's own lock on the stack replaces any earlier run's evidence there (that lock is gone).
        if (stack && stateLockId)
          marked.stacks[stack] = {
            ...marked.stacks[stack]!,
            stateLockId,
            ...(identity ? { who: identity.who } : {}),
          };
        return marked;
      })
      .catch(() => undefined);
    return new InterruptedError(
      stopped.signal,
      stack ? `during the ${operation} of stack '${stack}'` : `before the next stack's ${operation}`,
    );
  }
}
