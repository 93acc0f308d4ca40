// Human progress lines for a lab run, e.g. "network: 3/11 resources, 12.4 s — aws_subnet.client created".
// The sink is injected: the CLI prints, the action calls core.info.
import type { ChangeCounts, TerraformEvent } from './terraform-events.ts';

export type StackOperation = 'apply' | 'destroy';

export type LabProgressEvent =
  | { kind: 'stack_start'; stack: string; operation: StackOperation }
  | { kind: 'terraform'; stack: string; event: TerraformEvent }
  | {
      kind: 'stack_done';
      stack: string;
      operation: StackOperation;
      durationMs: number;
      changes: ChangeCounts;
    }
  | { kind: 'stack_skipped'; stack: string; operation: StackOperation; reason: string }
  | { kind: 'stack_failed'; stack: string; operation: StackOperation; durationMs: number; message: string };

export type LineSink = (line: string) => void;

const PAST_TENSE: Record<string, string> = {
  create: 'created',
  update: 'updated',
  replace: 'replaced',
  delete: 'destroyed',
  forget: 'forgotten',
  import: 'imported',
};

const PRESENT_PARTICIPLE: Record<string, string> = {
  create: 'creating',
  update: 'updating',
  replace: 'replacing',
  delete: 'destroying',
};

/** Formats events into lines, timing each stack from its stack_start. */
export class ProgressReporter {
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly sink: LineSink,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bound, so it can be passed straight as `onProgress`. */
  readonly handle = (event: LabProgressEvent): void => {
    const line = this.format(event);
    if (line !== undefined) this.sink(line);
  };

  private format(event: LabProgressEvent): string | undefined {
    switch (event.kind) {
      case 'stack_start':
        this.startedAt.set(event.stack, this.now());
        return `${event.stack}: ${event.operation === 'apply' ? 'applying' : 'destroying'}`;
      case 'stack_done':
        return `${event.stack}: ${event.operation === 'apply' ? 'applied' : 'destroyed'} in ${seconds(event.durationMs)}: ${done(event.changes)}`;
      case 'stack_skipped':
        return `${event.stack}: skipped (${event.reason})`;
      case 'stack_failed':
        return `${event.stack}: ${event.operation} failed after ${seconds(event.durationMs)}: ${event.message}`;
      case 'terraform':
        return this.formatTerraform(event.stack, event.event);
    }
  }

  private formatTerraform(stack: string, event: TerraformEvent): string | undefined {
    switch (event.type) {
      case 'planned':
        return `${stack}: plan: ${counts(event)}`;
      case 'apply_start':
        return undefined; // the completion line says the same thing, with the count
      case 'apply_progress':
        return `${this.prefix(stack, event)} — ${event.address} still ${PRESENT_PARTICIPLE[event.action] ?? event.action} (${event.elapsedSeconds} s)`;
      case 'apply_complete':
        return `${this.prefix(stack, event)} — ${event.address} ${PAST_TENSE[event.action] ?? `${event.action} done`}`;
      case 'apply_errored':
        return `${this.prefix(stack, event)} — ${event.address} ${event.action} failed`;
      case 'diagnostic': {
        const { severity, summary, detail, address } = event.diagnostic;
        const firstDetailLine = detail.trim().split('\n')[0] ?? '';
        return `${stack}: ${severity}: ${address ? `${address}: ` : ''}${summary}${firstDetailLine ? ` — ${firstDetailLine}` : ''}`;
      }
      case 'summary':
        return undefined; // stack_done reports the counts with the stack's duration
    }
  }

  private prefix(stack: string, progress: { done: number; total: number }): string {
    const started = this.startedAt.get(stack);
    const elapsed = started === undefined ? '' : `, ${seconds(this.now() - started)}`;
    return `${stack}: ${progress.done}/${progress.total} resources${elapsed}`;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function counts(changes: ChangeCounts): string {
  return `${changes.add} to add, ${changes.change} to change, ${changes.remove} to destroy`;
}

function done(changes: ChangeCounts): string {
  return `${changes.add} added, ${changes.change} changed, ${changes.remove} destroyed`;
}
