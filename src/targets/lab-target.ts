// What a lab target (aws, local) does with one lab: up, validate, down, each returning a structured result that the
// CLI and the actions render. openLab (open-lab.ts) picks the target; nothing else switches on it.
import type { ValidationReport } from '../checks/types.ts';
import type { ValidateOptions } from '../checks/validate-lab.ts';
import type { StackRun } from '../engine/lifecycle.ts';
import type { Interruption } from '../engine/interruption.ts';
import type { TakeoverEvidence } from '../engine/takeover.ts';
import type { LabProgressEvent } from '../engine/progress.ts';
import type { LabConfig } from '../lab/config.ts';
import type { CostEstimate } from '../lab/cost.ts';
import type { TimelineBar } from '../engine/gantt.ts';

/** Where an operation reports as it goes: stack progress, and plain lines (waits, cleanups). */
export interface OperationIo {
  onProgress?: (event: LabProgressEvent) => void;
  log?: (line: string) => void;
  /** SIGINT/SIGTERM of the caller: terraform is stopped at a safe point and the lab recorded as interrupted. */
  interruption?: Interruption;
  /** What proves another run of the lab gone, so its run lock may be taken over (docs/design/interruptions.md §3). */
  takeover?: TakeoverEvidence;
}

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

export interface UpResult {
  lab: LabConfig;
  outputs: ProvisionOutputs;
  stacks: StackRun[];
  /** What the lab costs an hour; none on the local target. */
  cost?: CostEstimate;
  timeline: Timeline;
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

export interface DownResult {
  /** What this run removed, one line each ("stack network (23 resources)", "tailnet device tslab-demo-client"). */
  removed: string[];
  warnings: string[];
  /** What is still there after the run (tagged ARNs): the run failed to finish when this is not empty. */
  remaining: string[];
  timeline: Timeline;
}

export interface LabTarget {
  up(io?: OperationIo): Promise<UpResult>;
  validate(options?: ValidateOptions): Promise<ValidationReport>;
  down(io?: OperationIo): Promise<DownResult>;
}
