// Provisions and tears down a lab's stacks in dependency order, keeping the lab manifest up to date as it goes.
import { hasLocalState, isManagedAddress, removeLocalState } from './local-state.ts';
import { withStackStatus, type LabManifest, type ManifestStore } from './manifest.ts';
import type { LabProgressEvent, StackOperation } from './progress.ts';
import { applyOrder, destroyOrder, type SynthesizedStack } from './stack-order.ts';
import type { ChangeCounts } from './terraform-events.ts';
import type { TerraformOutputs } from './terraform-outputs.ts';
import type { DestroyFlags, TerraformRunner } from './terraform.ts';

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
}

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
  clock?: Clock;
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
      const changes = await terraform.destroy(
        stack.workingDirectory,
        (event) => onProgress({ kind: 'terraform', stack: stack.id, event }),
        flags,
      );
      const durationMs = clock.now() - startedAt;
      if (manifest) {
        manifest = withStackStatus(manifest, stack.id, 'destroyed', new Date(clock.now()), durationMs);
        await store.write(manifest);
      }
      results.push({ id: stack.id, outcome: 'destroyed', durationMs, resourcesDestroyed: changes.remove });
      onProgress({ kind: 'stack_done', stack: stack.id, operation: 'destroy', durationMs, changes });
    } catch (error) {
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
