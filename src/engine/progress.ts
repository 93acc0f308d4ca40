// Human progress lines for a lab run, e.g. "network: 3/11 resources, 12.4 s — aws_subnet.client created".
// The sink is injected: the CLI prints, the action groups each stack's lines (GroupedProgress) and calls core.info.
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

export type ProgressHandler = (event: LabProgressEvent) => void;

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
  readonly handle: ProgressHandler = (event) => {
    const line = this.format(event);
    if (line !== undefined) this.sink(line);
  };

  /** The line an event prints, if any (stack_start starts the stack's clock). */
  format(event: LabProgressEvent): string | undefined {
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

/** Where grouped lines go: the action passes @actions/core's info, startGroup (::group::) and endGroup (::endgroup::). */
export interface GroupedLineSink {
  line(text: string): void;
  startGroup(title: string): void;
  endGroup(): void;
}

interface StackLines {
  stack: string;
  /** `<stack> <operation>`; none for a line outside any group (a skipped stack). */
  title?: string;
  lines: string[];
  finished: boolean;
}

/**
 * Each stack's progress lines inside one log group, `::group::<stack> apply` … `::endgroup::`, so a job log reads as
 * one foldable section per stack. GitHub's log cannot nest groups, so at most one is open at a time, and it belongs to
 * one stack: the oldest one still reporting.
 *
 * If stacks run concurrently their lines interleave. They are not mixed into the open group: the lines of any other
 * stack are held back, in order, until the open group's stack is done (or failed); then each held-back stack gets its
 * own group in the order the stacks started, printed whole if that stack is done and streaming live from there if it
 * is still running. So every group holds exactly one stack's lines, complete and in order, and only the oldest running
 * stack's progress shows live; the others' shows once the stacks before them end. A skipped stack's line is not a
 * group and waits its turn the same way, and so do lines that belong to no stack (`log`: the operation's own lines,
 * such as the router wait's, which runs beside the cluster's apply).
 */
export class GroupedProgress {
  private readonly reporter: ProgressReporter;
  /** Stacks in the order they started; the first is the one printing, inside its group if `open`. */
  private readonly queue: StackLines[] = [];
  private open = false;

  constructor(
    private readonly sink: GroupedLineSink,
    now?: () => number,
  ) {
    this.reporter = new ProgressReporter(() => {}, now);
  }

  /** Bound, so it can be passed straight as `onProgress`. */
  readonly handle: ProgressHandler = (event) => {
    const line = this.reporter.format(event);
    let entry: StackLines | undefined;
    if (event.kind === 'stack_start') {
      entry = { stack: event.stack, title: `${event.stack} ${event.operation}`, lines: [], finished: false };
      this.queue.push(entry);
    } else {
      entry = this.queue.find((e) => e.stack === event.stack && !e.finished);
      // A stack reporting outside a start..done span (a skip, say) prints alone, outside any group.
      if (!entry) this.queue.push((entry = { stack: event.stack, lines: [], finished: true }));
    }
    if (line !== undefined) entry.lines.push(line);
    if (event.kind === 'stack_done' || event.kind === 'stack_failed') entry.finished = true;
    this.drain();
  };

  /** A line of the operation's own, outside any group: printed now, or after the group open now. Bound. */
  readonly log = (text: string): void => {
    this.queue.push({ stack: '', lines: [text], finished: true });
    this.drain();
  };

  /**
   * Prints whatever is held back and closes the open group: call it when the run ends, however it ends, so the
   * action's own last lines (its error above all) are never folded into a stack's group.
   */
  close(): void {
    for (const entry of this.queue) entry.finished = true;
    this.drain();
  }

  private drain(): void {
    while (this.queue.length) {
      const head = this.queue[0]!;
      if (!this.open && head.title !== undefined) {
        this.sink.startGroup(head.title);
        this.open = true;
      }
      for (const line of head.lines.splice(0)) this.sink.line(line);
      if (!head.finished) return;
      if (this.open) {
        this.sink.endGroup();
        this.open = false;
      }
      this.queue.shift();
    }
  }
}
