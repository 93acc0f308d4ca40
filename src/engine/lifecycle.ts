// Provisions and tears down a lab's stacks in dependency order, keeping the lab manifest up to date as it goes.
import { InterruptedError, type Interruption } from './interruption.ts';
import { hasLocalState, isManagedAddress, removeLocalState } from './local-state.ts';
import { withStackStatus, type LabManifest, type ManifestStore } from './manifest.ts';
import type { LabProgressEvent, StackOperation } from './progress.ts';
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

interface Clock {
  /** Milliseconds since the epoch; injectable so tests can pin timestamps and durations. */
  now(): number;
}

const systemClock: Clock = { now: () => Date.now() };

export interface DeployOptions {
  stacks: readonly SynthesizedStack[];
  terraform: TerraformRunner;
  store: ManifestStore;
  /** Built from the LabConfig (buildManifest); stack statuses already stored for the lab are kept. */
  manifest: LabManifest;
  onProgress?: (event: LabProgressEvent) => void;
  /** Apply only these stacks (still in dependency order); the stacks they depend on must already be applied. */
  only?: readonly string[];
  clock?: Clock;
  /** Once stopped, no stack starts; the running one is recorded `interrupted`, and so is the lab. */
  interruption?: Interruption;
  runIdentity?: RunIdentity;
}

/** Who this run is to terraform, recorded with an interruption so a later teardown can match a left-over lock. */
export type RunIdentity = () => { who: string; stateLockId?: string | undefined };

export interface StackRun {
  id: string;
  durationMs: number;
  changes: ChangeCounts;
}

export interface DeployResult {
  manifest: LabManifest;
  stacks: StackRun[];
  outputs: Record<string, TerraformOutputs>;
}

export async function deployLab(options: DeployOptions): Promise<DeployResult> {
  const { terraform, store, onProgress = () => {}, clock = systemClock } = options;
  const existing = await store.read(options.manifest.lab);
  let manifest: LabManifest = {
    ...options.manifest,
    stacks: { ...existing?.stacks, ...options.manifest.stacks },
  };
  const order = selectStacks(applyOrder(options.stacks), options.only, manifest);
  // Before any terraform runs: if provisioning dies, teardown still finds the lab by its id.
  await store.write(manifest);

  const runs: StackRun[] = [];
  const outputs: Record<string, TerraformOutputs> = {};
  for (const stack of order) {
    const startedAt = clock.now();
    if (options.interruption?.stop.aborted) {
      throw await recordInterruption(
        { ...options, interruption: options.interruption },
        'apply',
        undefined,
        manifest,
        store,
        clock,
      );
    }
    manifest = withStackStatus(manifest, stack.id, 'applying', new Date(startedAt));
    await store.write(manifest);
    onProgress({ kind: 'stack_start', stack: stack.id, operation: 'apply' });
    try {
      await terraform.init(stack.workingDirectory);
      const changes = await terraform.apply(stack.workingDirectory, (event) =>
        onProgress({ kind: 'terraform', stack: stack.id, event }),
      );
      outputs[stack.id] = await terraform.output(stack.workingDirectory);
      const durationMs = clock.now() - startedAt;
      manifest = withStackStatus(manifest, stack.id, 'applied', new Date(clock.now()), durationMs);
      await store.write(manifest);
      runs.push({ id: stack.id, durationMs, changes });
      onProgress({ kind: 'stack_done', stack: stack.id, operation: 'apply', durationMs, changes });
    } catch (error) {
      if (isInterruption(error, options.interruption)) {
        onProgress(interruptedEvent(stack.id, 'apply', clock.now() - startedAt, options.interruption));
        throw await recordInterruption(
          { ...options, interruption: options.interruption },
          'apply',
          stack.id,
          manifest,
          store,
          clock,
        );
      }
      throw await recordFailure({
        stack: stack.id,
        operation: 'apply',
        error,
        startedAt,
        manifest,
        store,
        clock,
        onProgress,
      });
    }
  }
  return { manifest, stacks: runs, outputs };
}

export interface DestroyOptions {
  stacks: readonly SynthesizedStack[];
  terraform: TerraformRunner;
  store: ManifestStore;
  lab: string;
  onProgress?: (event: LabProgressEvent) => void;
  /**
   * Runs before a stack with state is destroyed: where teardown removes what Terraform does not know about (custom
   * resources the operator turns into tailnet devices, ENIs and load balancers that would block the VPC's deletion).
   */
  beforeDestroy?: (stackId: string) => Promise<DestroyFlags | void>;
  /**
   * A stack's state is locked: return true once the lock is gone (it was a dead run's, and was removed) and the
   * destroy is tried once more; false leaves the StateLockedError as it is.
   */
  onStateLocked?: (stackId: string, workingDirectory: string, error: StateLockedError) => Promise<boolean>;
  clock?: Clock;
  interruption?: Interruption;
  runIdentity?: RunIdentity;
}

export interface DestroyedStack {
  id: string;
  outcome: 'destroyed' | 'skipped';
  durationMs: number;
  resourcesDestroyed: number;
}

export interface DestroyResult {
  lab: string;
  stacks: DestroyedStack[];
  /** True when there was neither a manifest nor any state: the lab was already gone. */
  nothingToDo: boolean;
}

/**
 * Destroys stacks in reverse dependency order and stops at the first failure (earlier stacks hold what later ones
 * use), leaving the manifest so a retry can finish the job. Once all are gone, it deletes the local state files and
 * the manifest. Running it again is a no-op success.
 */
export async function destroyLab(options: DestroyOptions): Promise<DestroyResult> {
  const { terraform, store, lab, onProgress = () => {}, clock = systemClock } = options;
  let manifest = await store.read(lab);
  const hadManifest = manifest !== undefined;
  const results: DestroyedStack[] = [];

  for (const stack of destroyOrder(options.stacks)) {
    const startedAt = clock.now();
    if (options.interruption?.stop.aborted) {
      throw await recordInterruption(
        { ...options, interruption: options.interruption },
        'destroy',
        undefined,
        manifest,
        store,
        clock,
      );
    }
    try {
      if (!(await hasState(stack, terraform))) {
        results.push({
          id: stack.id,
          outcome: 'skipped',
          durationMs: clock.now() - startedAt,
          resourcesDestroyed: 0,
        });
        onProgress({ kind: 'stack_skipped', stack: stack.id, operation: 'destroy', reason: 'no state' });
        continue;
      }
      if (manifest) {
        manifest = withStackStatus(manifest, stack.id, 'destroying', new Date(startedAt));
        await store.write(manifest);
      }
      onProgress({ kind: 'stack_start', stack: stack.id, operation: 'destroy' });
      const flags = (await options.beforeDestroy?.(stack.id)) ?? {};
      await terraform.init(stack.workingDirectory);
      const destroy = () =>
        terraform.destroy(
          stack.workingDirectory,
          (event) => onProgress({ kind: 'terraform', stack: stack.id, event }),
          flags,
        );
      const changes = await destroy().catch(async (error: unknown) => {
        if (
          error instanceof StateLockedError &&
          (await options.onStateLocked?.(stack.id, stack.workingDirectory, error))
        ) {
          return destroy();
        }
        throw error;
      });
      const durationMs = clock.now() - startedAt;
      if (manifest) {
        manifest = withStackStatus(manifest, stack.id, 'destroyed', new Date(clock.now()), durationMs);
        await store.write(manifest);
      }
      results.push({ id: stack.id, outcome: 'destroyed', durationMs, resourcesDestroyed: changes.remove });
      onProgress({ kind: 'stack_done', stack: stack.id, operation: 'destroy', durationMs, changes });
    } catch (error) {
      if (isInterruption(error, options.interruption)) {
        onProgress(interruptedEvent(stack.id, 'destroy', clock.now() - startedAt, options.interruption));
        throw await recordInterruption(
          { ...options, interruption: options.interruption },
          'destroy',
          stack.id,
          manifest,
          store,
          clock,
        );
      }
      throw await recordFailure({
        stack: stack.id,
        operation: 'destroy',
        error,
        startedAt,
        manifest,
        store,
        clock,
        onProgress,
      });
    }
  }

  for (const stack of options.stacks) {
    if (stack.backend.kind === 'local') await removeLocalState(stack.backend.path);
  }
  await store.delete(lab);
  return { lab, stacks: results, nothingToDo: !hadManifest && results.every((r) => r.outcome === 'skipped') };
}

/** Local state is read from disk (no init needed); a remote backend is asked through terraform itself. */
async function hasState(stack: SynthesizedStack, terraform: TerraformRunner): Promise<boolean> {
  if (stack.backend.kind === 'local') return hasLocalState(stack.backend.path);
  await terraform.init(stack.workingDirectory);
  return (await terraform.stateList(stack.workingDirectory)).some(isManagedAddress);
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
  manifest: LabManifest | undefined;
  store: ManifestStore;
  clock: Clock;
  onProgress: (event: LabProgressEvent) => void;
}

/** Marks the stack failed in the manifest (best effort: the terraform error matters more) and wraps the error. */
async function recordFailure(context: FailureContext): Promise<StackError> {
  const { stack, operation, error, startedAt, manifest, store, clock, onProgress } = context;
  const durationMs = clock.now() - startedAt;
  const failure = new StackError(stack, operation, error);
  if (manifest) {
    await store
      .write(withStackStatus(manifest, stack, 'failed', new Date(clock.now()), durationMs))
      .catch(() => undefined);
  }
  onProgress({ kind: 'stack_failed', stack, operation, durationMs, message: failure.message });
  return failure;
}

/** For a stop between the engine's runs (a wait of the operation's own): the lab is recorded as interrupted. */
export async function markLabInterrupted(
  store: ManifestStore,
  lab: string,
  interruption: Interruption,
  operation: StackOperation,
  clock: Clock = systemClock,
): Promise<InterruptedError> {
  const manifest = await store.read(lab).catch(() => undefined);
  return recordInterruption({ interruption }, operation, undefined, manifest, store, clock);
}

function isInterruption(
  error: unknown,
  interruption: Interruption | undefined,
): interruption is Interruption {
  return error instanceof InterruptedError || interruption?.stop.aborted === true;
}

function stopSignal(interruption: Interruption): InterruptedError {
  const reason = interruption.stop.reason as unknown;
  return reason instanceof InterruptedError ? reason : new InterruptedError('SIGINT');
}

function interruptedEvent(
  stack: string,
  operation: StackOperation,
  durationMs: number,
  interruption: Interruption,
): LabProgressEvent {
  return {
    kind: 'stack_failed',
    stack,
    operation,
    durationMs,
    message: `${operation} of '${stack}' ${stopSignal(interruption).message}`,
  };
}

/**
 * Records the stack (if one was running) and the lab as interrupted, so the next teardown, the sweeper and a person
 * reading the manifest know what happened. Best effort within the runner's last seconds: the error matters more.
 */
async function recordInterruption(
  { interruption, runIdentity }: { interruption: Interruption; runIdentity?: RunIdentity | undefined },
  operation: StackOperation,
  stack: string | undefined,
  manifest: LabManifest | undefined,
  store: ManifestStore,
  clock: Clock,
): Promise<InterruptedError> {
  const stopped = stopSignal(interruption);
  if (manifest) {
    const at = new Date(clock.now());
    const marked = stack ? withStackStatus(manifest, stack, 'interrupted', at) : manifest;
    const identity = runIdentity?.();
    await store
      .write({
        ...marked,
        interrupted: {
          at: at.toISOString(),
          signal: stopped.signal,
          operation,
          ...(stack ? { stack } : {}),
          ...(identity ? { who: identity.who } : {}),
          ...(stack && identity?.stateLockId ? { stateLockId: identity.stateLockId } : {}),
        },
      })
      .catch(() => undefined);
  }
  return new InterruptedError(
    stopped.signal,
    stack ? `during the ${operation} of stack '${stack}'` : `before the next stack's ${operation}`,
  );
}
