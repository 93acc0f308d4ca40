// Plays a workflow run at the level of jobs: which jobs run and which are skipped, given the event, the inputs and
// how each job that runs ends. Job conditions are evaluated with the expression evaluator, needs in dependency
// order, as the runner does; steps are not run (except where a test runs one itself).
import { evaluate, jobCondition, type Lookup, type Value } from './expression.ts';
import { needsOf, type InputSpec, type Workflow } from './workflow-files.ts';

export type JobResult = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface RunScenario {
  /** The github context: event_name, event.action, repository, ... */
  github?: Record<string, unknown>;
  /**
   * The trigger whose inputs apply. Default: the event itself when the workflow declares it, else workflow_call (a
   * called workflow sees its caller's event). Inputs of other triggers are absent, as on GitHub.
   */
  trigger?: string;
  inputs?: Record<string, Value>;
  vars?: Record<string, string>;
  /** Secrets the run has (an unset secret reads as ''). */
  secrets?: Record<string, string>;
  /** The job context (job.workflow_repository, job.workflow_sha, ...). */
  job?: Record<string, string>;
  /**
   * How a job that runs ends (default success). A job ending 'cancelled' means the run was cancelled while it ran:
   * cancelled() is then true for every job evaluated after it.
   */
  outcome?: Partial<Record<string, Exclude<JobResult, 'skipped'>>>;
  /** Outputs of jobs that run (e.g. the gate's verdict). */
  outputs?: Record<string, Record<string, string>>;
  /** Outputs of the steps run so far in the job a test runs itself (`steps.<id>.outputs.<name>`). */
  steps?: Record<string, { outputs: Record<string, string> }>;
}

export interface JobRun {
  result: JobResult;
  outputs: Record<string, string>;
}

export function declaredInputs(wf: Workflow): Record<string, InputSpec> {
  const on = wf.on as Record<string, { inputs?: Record<string, InputSpec> } | null>;
  return { ...(on['workflow_dispatch']?.inputs ?? {}), ...(on['workflow_call']?.inputs ?? {}) };
}

/** The value at `keys` below `root`, as an expression reads a context (null where there is none). */
export function path(root: unknown, keys: readonly string[]): Value {
  let current: unknown = root;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[key];
  }
  return current === undefined ? null : (current as Value);
}

function triggerInputs(wf: Workflow, scenario: RunScenario): Record<string, InputSpec> {
  const on = wf.on as Record<string, { inputs?: Record<string, InputSpec> } | null>;
  const event = scenario.github?.['event_name'];
  const trigger = scenario.trigger ?? (typeof event === 'string' && event in on ? event : 'workflow_call');
  return on[trigger]?.inputs ?? {};
}

export function contextLookup(
  wf: Workflow,
  scenario: RunScenario,
  runs: Readonly<Record<string, JobRun>> = {},
): Lookup {
  const defaults = Object.fromEntries(
    Object.entries(triggerInputs(wf, scenario)).map(([name, spec]) => [
      name,
      (spec.default ?? null) as Value,
    ]),
  );
  const inputs = { ...defaults, ...scenario.inputs };
  return ([context, ...rest]) => {
    switch (context) {
      case 'inputs':
        return path(inputs, rest);
      case 'github':
        return path(scenario.github ?? {}, rest);
      case 'vars':
        return path(scenario.vars ?? {}, rest);
      case 'secrets':
        return path(scenario.secrets ?? {}, rest) ?? '';
      case 'job':
        return path(scenario.job ?? {}, rest);
      case 'steps':
        return path(scenario.steps ?? {}, rest);
      case 'env': {
        // Workflow-level env may itself hold expressions (e.g. an input with a variable as fallback).
        const value = path(wf.env ?? {}, rest);
        return typeof value === 'string' && value.includes('${{') ? interpolate(wf, value, scenario) : value;
      }
      case 'needs': {
        const [job, field, ...more] = rest;
        const run = runs[job ?? ''];
        if (!run) return null;
        return field === 'result' ? run.result : path(run.outputs, more);
      }
      default:
        throw new Error(`context '${context}' is not modelled by the simulator`);
    }
  };
}

/** Runs the jobs in dependency order and returns each job's result. */
export function simulateRun(wf: Workflow, scenario: RunScenario): Record<string, JobRun> {
  const runs: Record<string, JobRun> = {};
  const pending = new Set(Object.keys(wf.jobs));
  while (pending.size) {
    const ready = [...pending].filter((id) => needsOf(wf.jobs[id]!).every((need) => need in runs));
    if (!ready.length) throw new Error(`dependency cycle or unknown need among: ${[...pending].join(', ')}`);
    for (const id of ready) {
      const needs = needsOf(wf.jobs[id]!).map((need) => runs[need]!);
      const runCancelled = Object.values(runs).some((r) => r.result === 'cancelled');
      const starts = jobCondition(wf.jobs[id]!.if, contextLookup(wf, scenario, runs), {
        success: () => !runCancelled && needs.every((n) => n.result === 'success'),
        failure: () => needs.some((n) => n.result === 'failure'),
        cancelled: () => runCancelled,
      });
      runs[id] = starts
        ? { result: scenario.outcome?.[id] ?? 'success', outputs: scenario.outputs?.[id] ?? {} }
        : { result: 'skipped', outputs: {} };
      pending.delete(id);
    }
  }
  return runs;
}

/** Replaces each `${{ … }}` in a template by its value under the scenario (and the needed jobs' runs, if given). */
export function interpolate(
  wf: Workflow,
  template: string,
  scenario: RunScenario,
  runs: Readonly<Record<string, JobRun>> = {},
): string {
  const lookup = contextLookup(wf, scenario, runs);
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, body: string) => {
    const value = evaluateValue(body, lookup);
    return value === null ? '' : String(value);
  });
}

function evaluateValue(body: string, lookup: Lookup): Value {
  return evaluate(body, lookup, {
    success: () => true,
    failure: () => false,
    cancelled: () => false,
  });
}

/** What becomes of a run that arrives at a concurrency group (cancel-in-progress: false). */
export type QueueFate = 'runs' | 'waits' | 'cancelled while waiting';

/**
 * GitHub's concurrency groups, for runs arriving while every earlier run is still in progress: a group runs one at a
 * time and keeps at most one pending run; a newer run queued in the group cancels the pending one (whatever
 * cancel-in-progress says, which only decides whether the running one is cancelled too: false here).
 */
export function queueRuns(groups: readonly string[]): QueueFate[] {
  const fates: QueueFate[] = [];
  const running = new Set<string>();
  const pending = new Map<string, number>();
  groups.forEach((group, index) => {
    if (!running.has(group)) {
      running.add(group);
      fates.push('runs');
      return;
    }
    const waiting = pending.get(group);
    if (waiting !== undefined) fates[waiting] = 'cancelled while waiting';
    pending.set(group, index);
    fates.push('waits');
  });
  return fates;
}
