// What a lab target (aws, local) does with one lab: provision, validate, teardown, each returning a structured result
// the CLI and the actions render as they are. openLab (open-lab.ts) picks the target; nothing else switches on it, so
// what differs between targets (what a person is told after provision) is said by the target itself.
import type { ValidationReport } from '../checks/types.ts';
import type { ValidateOptions } from '../checks/validate-lab.ts';
import type { StackRun } from '../engine/lifecycle.ts';
import type { OperationIo } from '../home/lab-home.ts';
import type { LabConfig } from '../lab/config.ts';
import type { CostEstimate } from '../lab/cost.ts';
import type { TimelineBar } from '../engine/gantt.ts';

export type { OperationIo };

export interface ProvisionOutputs {
  labId: string;
  /** Empty on the local target. */
  clusterName: string;
  /** Empty on the local target. */
  clientInstanceId: string;
  clientTailnetName: string;
  clientTailnetIp: string;
  nginxFqdn: string;
  egressService: string;
}

export interface ProvisionResult {
  lab: LabConfig;
  outputs: ProvisionOutputs;
  stacks: StackRun[];
  /** What the lab costs an hour; none on the local target. */
  cost?: CostEstimate | undefined;
  timeline: Timeline;
  /** What a person at a terminal is told next: how to reach the lab, what it costs. */
  notes: string[];
}

/** When each stack and wait of the run started and how long it took: what the summaries draw. */
export interface Timeline {
  startedAtMs: number;
  bars: TimelineBar[];
}

/** The timeline of an apply or a destroy, from what the engine measured. */
export function timelineOf(
  startedAtMs: number,
  stacks: readonly { id: string; startedAtMs: number; durationMs: number; outcome?: string }[],
  waits: readonly { id: string; startedAtMs: number; durationMs: number }[] = [],
): Timeline {
  return {
    startedAtMs,
    bars: [
      ...stacks
        .filter((s) => s.outcome !== 'skipped')
        .map((s) => ({ label: s.id, startedAtMs: s.startedAtMs, durationMs: s.durationMs })),
      ...waits.map((w) => ({
        label: w.id,
        startedAtMs: w.startedAtMs,
        durationMs: w.durationMs,
        section: 'waits',
      })),
    ],
  };
}

export interface TeardownResult {
  /** What this run removed, one line each ("stack network (23 resources)", "tailnet device tslab-demo-client"). */
  removed: string[];
  warnings: string[];
  /** What is still there after the run (tagged ARNs): the run failed to finish when this is not empty. */
  remaining: string[];
  timeline: Timeline;
}

export interface LabTarget {
  provision(io?: OperationIo): Promise<ProvisionResult>;
  validate(options?: ValidateOptions): Promise<ValidationReport>;
  teardown(io?: OperationIo): Promise<TeardownResult>;
}
