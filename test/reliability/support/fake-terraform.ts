// A TerraformRunner over the cloud model: apply creates each resource of the stack's synthesized JSON (through the
// world's effects), destroy removes what the state holds, and the state lives in the model's bucket like the S3
// backend's. Faults: apply or destroy failing after N resources, the process killed mid-apply, the state lock held.
// Apply and destroy take terraform's S3 lock (`<state key>.tflock` in the bucket, docs/design/interruptions.md §3) and
// release it when they end, unless the process dies; a stop (SIGINT) ends them at the next resource with the state
// written and the lock released, a hurry kills them (the lock stays).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { throwIfStopped, type Interruption } from '../../../src/engine/interruption.ts';
import { classifyFailure, TerraformError } from '../../../src/engine/terraform-errors.ts';
import type {
  ChangeCounts,
  DestroyFlags,
  EventSink,
  TerraformRunner,
} from '../../../src/engine/terraform.ts';
import { TerraformOutputs } from '../../../src/engine/terraform-outputs.ts';
import type { CloudModel } from './cloud-model.ts';

export interface PlannedResource {
  type: string;
  name: string;
  address: string;
  body: Record<string, unknown>;
}

export interface StateEntry {
  address: string;
  type: string;
  /** Model ids behind the resource (none for what lives outside AWS, e.g. a Helm release). */
  ids: string[];
}

/** What creating or destroying a resource does to the world (AWS, the tailnet, the cluster). */
export interface ResourceEffects {
  create(lab: string, stack: string, resource: PlannedResource): string[] | Promise<string[]>;
  /** Throws (like AWS would: DependencyViolation) when the resource cannot go yet. */
  destroy(lab: string, stack: string, entry: StateEntry): void | Promise<void>;
  /** Value of a non-cross-stack output, e.g. the client's instance id. */
  output(lab: string, stack: string, name: string, state: StateEntry[]): unknown;
}

export type TerraformFault =
  | { kind: 'fail'; stack: string; operation: 'apply' | 'destroy'; after: number }
  | { kind: 'kill'; stack: string; after: number }
  | { kind: 'lock'; stack: string; operation: 'apply' | 'destroy'; attempts: number };

export interface TerraformCall {
  command: 'init' | 'apply' | 'destroy' | 'output' | 'state list' | 'state rm' | 'force-unlock';
  lab: string;
  stack: string;
  /** destroy: false when run from state alone (-refresh=false). */
  refresh?: boolean;
  /** state rm: what was forgotten. */
  addresses?: readonly string[];
  /** force-unlock: the lock id asked for. */
  lockId?: string;
}

/** Terraform's S3 lock object, as the S3 backend writes it beside the state (`use_lockfile`). */
export interface StateLockObject {
  ID: string;
  Operation: string;
  Info: string;
  Who: string;
  Version: string;
  Created: string;
  Path: string;
}

export interface ModelTerraformOptions {
  /** The host terraform names in its lock's `Who` (`user@host`); default os.hostname(). */
  host?: string;
}

interface StackFile {
  lab: string;
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, { sensitive?: boolean }>;
}

export class ModelTerraform implements TerraformRunner {
  readonly calls: TerraformCall[] = [];
  readonly faults: TerraformFault[] = [];
  /** Faults that fired, in order. */
  readonly fired: TerraformFault[] = [];
  /** Called after each command that succeeded: where tests inject faults for what comes next. */
  after: ((call: TerraformCall) => void) | undefined;
  /** The host in this terraform's `Who`: another ModelTerraform with another host is a second runner. */
  host: string;
  /** The caller's SIGINT/SIGTERM, as TerraformCli gets it: checked before each command and after each resource. */
  interruption: Interruption | undefined;
  /**
   * False: terraform does not reach a safe point after the first signal; it goes on until the second (the hurry) and
   * is killed then, its lock left behind.
   */
  stopsInTime = true;
  /** What the runner kills at the hurry: terraform alone (tslab still records and releases) or the whole tree. */
  hurryKills: 'terraform' | 'tree' = 'tree';
  /** Each state lock this terraform took, in order. */
  readonly locksTaken: { stack: string; operation: 'apply' | 'destroy'; id: string }[] = [];
  /** Times this terraform's process died (kill fault, killed at the hurry): its locks stayed. */
  deaths = 0;
  /** Pause per resource, so what polls meanwhile (the lease looking for the lock) gets its turn. */
  resourceDelayMs = 5;
  /** Errors of runs that died (no lock released). */
  private readonly died = new WeakSet<Error>();

  constructor(
    private readonly model: CloudModel,
    private readonly effects: ResourceEffects,
    options: ModelTerraformOptions = {},
  ) {
    this.host = options.host ?? hostname();
  }

  /** Terraform's `Who`: `user@host`. */
  get who(): string {
    return `${userInfo().username}@${this.host}`;
  }

  async init(dir: string): Promise<void> {
    this.notStopped('init', dir);
    this.record('init', dir);
  }

  async apply(dir: string, onEvent: EventSink = () => {}): Promise<ChangeCounts> {
    this.notStopped('apply', dir);
    const stack = this.record('apply', dir);
    this.checkLock(stack, 'apply', dir);
    return this.holdingLock(stack, 'apply', dir, async () => {
      const state = this.readState(stack);
      const todo = stack.resources.filter((r) => !state.some((e) => e.address === r.address));
      onEvent({ type: 'planned', total: todo.length, add: todo.length, change: 0, remove: 0 });
      for (const [done, resource] of todo.entries()) {
        await this.pause();
        this.faultAt(stack, 'apply', done, dir, resource.address);
        onEvent({
          type: 'apply_start',
          address: resource.address,
          action: 'create',
          done,
          total: todo.length,
        });
        const ids = await this.effects.create(stack.lab, stack.stack, resource);
        // Written after every resource, as terraform persists state: what a kill leaves is recorded.
        state.push({ address: resource.address, type: resource.type, ids });
        this.writeState(stack, state);
        onEvent({
          type: 'apply_complete',
          address: resource.address,
          action: 'create',
          done: done + 1,
          total: todo.length,
          elapsedSeconds: 1,
        });
        this.safePoint('apply', dir);
      }
      const counts = { add: todo.length, change: 0, remove: 0 };
      onEvent({ type: 'summary', operation: 'apply', ...counts });
      this.after?.({ command: 'apply', lab: stack.lab, stack: stack.stack });
      return counts;
    });
  }

  /**
   * `terraform force-unlock -force <id>`: removes the stack's lock only when `id` is the lock's own, as terraform
   * refuses any other.
   */
  async forceUnlock(dir: string, id: string): Promise<void> {
    const stack = readStackFile(dir);
    this.calls.push({ command: 'force-unlock', lab: stack.lab, stack: stack.stack, lockId: id });
    const lock = this.readLock(stack);
    if (!lock) {
      throw this.failure(
        'force-unlock',
        dir,
        `Failed to unlock state: no lock object tslab-state/${lockKey(stack)}`,
      );
    }
    if (lock.ID !== id) {
      throw this.failure(
        'force-unlock',
        dir,
        `Failed to unlock state: lock ID "${id}" does not match existing lock ID "${lock.ID}"`,
      );
    }
    this.model.objects.delete(lockKey(stack));
  }

  /** The stack's lock object in the bucket, if any. */
  lockOf(lab: string, stack: string): StateLockObject | undefined {
    const text = this.model.objects.get(`${ModelTerraform.stateKey(lab, stack)}.tflock`);
    return text === undefined ? undefined : (JSON.parse(text) as StateLockObject);
  }

  async stateRm(dir: string, addresses: readonly string[]): Promise<void> {
    const stack = readStackFile(dir);
    this.calls.push({ command: 'state rm', lab: stack.lab, stack: stack.stack, addresses });
    this.writeState(
      stack,
      this.readState(stack).filter((entry) => !addresses.includes(entry.address)),
    );
  }

  async destroy(dir: string, onEvent: EventSink = () => {}, flags: DestroyFlags = {}): Promise<ChangeCounts> {
    this.notStopped('destroy', dir);
    const stack = this.record('destroy', dir);
    if (flags.refresh === false) this.calls.at(-1)!.refresh = false;
    this.checkLock(stack, 'destroy', dir);
    return this.holdingLock(stack, 'destroy', dir, async () => {
      const state = this.readState(stack);
      const failures: string[] = [];
      let removed = 0;
      // Reverse creation order, as terraform's dependency graph would have it.
      for (const entry of [...state].reverse()) {
        await this.pause();
        this.faultAt(stack, 'destroy', removed, dir, entry.address);
        try {
          await this.effects.destroy(stack.lab, stack.stack, entry);
          state.splice(state.indexOf(entry), 1);
          this.writeState(stack, state);
          removed++;
          onEvent({
            type: 'apply_complete',
            address: entry.address,
            action: 'delete',
            done: removed,
            total: 0,
            elapsedSeconds: 1,
          });
        } catch (error) {
          failures.push(`${entry.address}: ${(error as Error).name}: ${(error as Error).message}`);
        }
        this.safePoint('destroy', dir);
      }
      if (failures.length) throw this.failure('destroy', dir, failures.join('; '));
      const counts = { add: 0, change: 0, remove: removed };
      onEvent({ type: 'summary', operation: 'destroy', ...counts });
      this.after?.({ command: 'destroy', lab: stack.lab, stack: stack.stack });
      return counts;
    });
  }

  async output(dir: string): Promise<TerraformOutputs> {
    this.notStopped('output', dir);
    const stack = this.record('output', dir);
    const state = this.readState(stack);
    return new TerraformOutputs(
      Object.fromEntries(
        Object.entries(stack.outputs).map(([name, output]) => [
          name,
          {
            value: output.sensitive
              ? `cross-stack value ${name}`
              : this.effects.output(stack.lab, stack.stack, name, state),
            ...(output.sensitive ? { sensitive: true } : {}),
          },
        ]),
      ),
    );
  }

  async stateList(dir: string): Promise<string[]> {
    this.notStopped('state list', dir);
    const stack = this.record('state list', dir);
    return this.readState(stack).map((e) => e.address);
  }

  /** The state object of a stack, as the S3 backend keeps it (an emptied state stays after destroy). */
  static stateKey(lab: string, stack: string): string {
    return `tslab/${lab}/${stack}.tfstate`;
  }

  /** As TerraformCli: nothing new starts once the run is stopped. */
  private notStopped(command: string, dir: string): void {
    throwIfStopped(this.interruption, `before terraform ${command} in ${dir}`);
  }

  private async pause(): Promise<void> {
    if (this.resourceDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.resourceDelayMs));
  }

  /**
   * Takes the stack's S3 lock as the backend does (a conditional create of `<key>.tflock`), runs `body`, and removes
   * the lock when terraform exits, success or error; a run that died leaves it.
   */
  private async holdingLock<T>(
    stack: StackFile,
    operation: 'apply' | 'destroy',
    dir: string,
    body: () => Promise<T>,
  ): Promise<T> {
    const held = this.readLock(stack);
    if (held) {
      throw classifyFailure({
        command: `terraform ${operation}`,
        dir,
        exitCode: 1,
        diagnostics: [
          { severity: 'error', summary: 'Error acquiring the state lock', detail: lockDetail(held) },
        ],
        stderr: '',
      });
    }
    const lock: StateLockObject = {
      ID: randomUUID(),
      Operation: 'OperationTypeApply',
      Info: '',
      Who: this.who,
      Version: '1.11.4',
      Created: new Date().toISOString(),
      Path: lockPath(stack),
    };
    this.model.objects.set(lockKey(stack), JSON.stringify(lock));
    this.locksTaken.push({ stack: stack.stack, operation, id: lock.ID });
    let result: T;
    try {
      result = await body();
    } catch (error) {
      if (!this.died.has(error as Error)) this.unlock(stack, lock.ID);
      throw error;
    }
    this.unlock(stack, lock.ID);
    return result;
  }

  private unlock(stack: StackFile, id: string): void {
    if (this.readLock(stack)?.ID === id) this.model.objects.delete(lockKey(stack));
  }

  private readLock(stack: StackFile): StateLockObject | undefined {
    return this.lockOf(stack.lab, stack.stack);
  }

  /**
   * After a resource: a stop ends the run here (state written, lock released by holdingLock), as terraform's exit 1
   * after an interrupt; tslab sees its stop signal aborted and records the interruption. A terraform that cannot stop
   * in time goes on until the hurry, and is killed then.
   */
  private safePoint(operation: 'apply' | 'destroy', dir: string): void {
    const interruption = this.interruption;
    if (!interruption?.stop.aborted) return;
    if (interruption.hurry.aborted) {
      if (this.hurryKills === 'tree') this.model.killed = true;
      throw this.death(operation, dir);
    }
    if (!this.stopsInTime) return;
    throw this.failure(operation, dir, 'execution halted');
  }

  /** The process was killed: no diagnostics, no exit code, its lock left behind. */
  private death(operation: string, dir: string): TerraformError {
    this.deaths++;
    const error = new TerraformError({
      command: `terraform ${operation}`,
      dir,
      exitCode: undefined,
      diagnostics: [],
      stderr: '',
    });
    this.died.add(error);
    return error;
  }

  private record(command: TerraformCall['command'], dir: string): StackFile {
    const stack = readStackFile(dir);
    this.calls.push({ command, lab: stack.lab, stack: stack.stack });
    return stack;
  }

  private readState(stack: StackFile): StateEntry[] {
    const text = this.model.objects.get(ModelTerraform.stateKey(stack.lab, stack.stack));
    return text === undefined ? [] : (JSON.parse(text) as { resources: StateEntry[] }).resources;
  }

  private writeState(stack: StackFile, state: StateEntry[]): void {
    this.model.objects.set(
      ModelTerraform.stateKey(stack.lab, stack.stack),
      JSON.stringify({ version: 4, resources: state }),
    );
  }

  private take(match: (fault: TerraformFault) => boolean): TerraformFault | undefined {
    const index = this.faults.findIndex(match);
    if (index < 0) return undefined;
    const [fault] = this.faults.splice(index, 1);
    this.fired.push(fault!);
    return fault;
  }

  private faultAt(
    stack: StackFile,
    operation: 'apply' | 'destroy',
    done: number,
    dir: string,
    address: string,
  ): void {
    const fault = this.take(
      (f) =>
        f.kind !== 'lock' &&
        f.stack === stack.stack &&
        f.after === done &&
        (f.kind === 'kill' ? operation === 'apply' : f.operation === operation),
    );
    if (!fault) return;
    if (fault.kind === 'kill') {
      // SIGKILL: no error diagnostics, no exit code, and the tslab process dies with it (the lock stays).
      this.model.killed = true;
      throw this.death(operation, dir);
    }
    throw this.failure(operation, dir, `${address}: injected failure`);
  }

  private checkLock(stack: StackFile, operation: 'apply' | 'destroy', dir: string): void {
    const held = this.faults.find(
      (f) => f.kind === 'lock' && f.stack === stack.stack && f.operation === operation && f.attempts > 0,
    );
    if (held?.kind !== 'lock') return;
    held.attempts--;
    if (held.attempts === 0) this.take((f) => f === held);
    const detail = [
      'Error message: operation error S3: PutObject, https response error StatusCode: 412, PreconditionFailed',
      'Lock Info:',
      '  ID:        5d4f7a2e-1c3b-4e5f-8a9b-0c1d2e3f4a5b',
      `  Path:      tslab-state/${ModelTerraform.stateKey(stack.lab, stack.stack)}`,
      '  Operation: OperationTypeApply',
      '  Who:       runner@fv-az42-provision',
      '  Version:   1.11.4',
      '  Created:   2026-11-27 10:00:00.000000000 +0000 UTC',
      '  Info:      ',
    ].join('\n');
    throw classifyFailure({
      command: `terraform ${operation}`,
      dir,
      exitCode: 1,
      diagnostics: [{ severity: 'error', summary: 'Error acquiring the state lock', detail }],
      stderr: '',
    });
  }

  private failure(operation: string, dir: string, summary: string): TerraformError {
    return classifyFailure({
      command: `terraform ${operation}`,
      dir,
      exitCode: 1,
      diagnostics: [{ severity: 'error', summary, detail: '' }],
      stderr: '',
    });
  }
}

function lockKey(stack: StackFile): string {
  return `${ModelTerraform.stateKey(stack.lab, stack.stack)}.tflock`;
}

/** What terraform's lock names as its Path: the state object, bucket/key. */
function lockPath(stack: StackFile): string {
  return `tslab-state/${ModelTerraform.stateKey(stack.lab, stack.stack)}`;
}

/** The "Lock Info:" block terraform prints when it cannot take a held lock. */
function lockDetail(lock: StateLockObject): string {
  return [
    'Error message: operation error S3: PutObject, https response error StatusCode: 412, PreconditionFailed',
    'Lock Info:',
    `  ID:        ${lock.ID}`,
    `  Path:      ${lock.Path}`,
    `  Operation: ${lock.Operation}`,
    `  Who:       ${lock.Who}`,
    `  Version:   ${lock.Version}`,
    `  Created:   ${lock.Created}`,
    `  Info:      ${lock.Info}`,
  ].join('\n');
}

/** The stack's synthesized JSON; lab and stack come from its S3 backend key (tslab/<lab>/<stack>.tfstate). */
function readStackFile(dir: string): StackFile {
  const json = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as {
    terraform?: { backend?: { s3?: { key?: string } } };
    resource?: Record<string, Record<string, Record<string, unknown>>>;
    output?: Record<string, { sensitive?: boolean }>;
  };
  const key = json.terraform?.backend?.s3?.key ?? '';
  const match = /^tslab\/([^/]+)\/([^/]+)\.tfstate$/.exec(key);
  if (!match)
    throw new Error(`${dir}: the fake terraform needs an S3 backend key tslab/<lab>/<stack>.tfstate`);
  if (match[2] !== basename(dir)) throw new Error(`${dir}: backend key ${key} names another stack`);
  const resources = Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, body]) => ({ type, name, address: `${type}.${name}`, body })),
  );
  return {
    lab: match[1]!,
    stack: match[2]!,
    resources: dependencyOrder(resources),
    outputs: json.output ?? {},
  };
}

/** Each resource after those it references (`${type.name...}`) or depends on, as terraform's graph orders them. */
function dependencyOrder(resources: PlannedResource[]): PlannedResource[] {
  const addresses = new Set(resources.map((r) => r.address));
  const needs = new Map(
    resources.map((r) => {
      const text = JSON.stringify(r.body);
      const referenced = [...text.matchAll(/\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
      const explicit = ((r.body['depends_on'] as string[] | undefined) ?? []).map((d) =>
        d.replace(/^\$\{|\}$/g, ''),
      );
      return [
        r.address,
        new Set([...referenced, ...explicit].filter((a) => a !== r.address && addresses.has(a))),
      ];
    }),
  );
  const ordered: PlannedResource[] = [];
  const placed = new Set<string>();
  while (ordered.length < resources.length) {
    const ready = resources.filter(
      (r) => !placed.has(r.address) && [...needs.get(r.address)!].every((a) => placed.has(a)),
    );
    if (!ready.length) throw new Error('the fake terraform found a dependency cycle');
    for (const r of ready) {
      ordered.push(r);
      placed.add(r.address);
    }
  }
  return ordered;
}
