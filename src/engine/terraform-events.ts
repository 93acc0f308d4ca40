// Turns the machine-readable UI lines of `terraform apply|destroy -json` into typed progress events.
// Format: https://developer.hashicorp.com/terraform/internals/machine-readable-ui (OpenTofu emits the same).

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  /** Resource address the diagnostic is about, when terraform names one. */
  address?: string;
}

export interface ChangeCounts {
  add: number;
  change: number;
  remove: number;
}

/** Resource progress: `done` of `total` resource changes finished so far. */
interface ResourceProgress {
  address: string;
  /** Terraform's hook action: create, update, delete, replace, ... */
  action: string;
  done: number;
  total: number;
}

export type TerraformEvent =
  | ({ type: 'planned'; total: number } & ChangeCounts)
  | ({ type: 'apply_start' } & ResourceProgress)
  | ({ type: 'apply_progress'; elapsedSeconds: number } & ResourceProgress)
  | ({ type: 'apply_complete'; elapsedSeconds: number } & ResourceProgress)
  | ({ type: 'apply_errored'; elapsedSeconds: number } & ResourceProgress)
  | { type: 'diagnostic'; diagnostic: Diagnostic }
  | ({ type: 'summary'; operation: 'apply' | 'destroy' } & ChangeCounts);

interface UiLine {
  type?: string;
  changes?: Partial<ChangeCounts> & { operation?: string };
  change?: { resource?: { addr?: string }; action?: string };
  hook?: { resource?: { addr?: string }; action?: string; elapsed_seconds?: number };
  diagnostic?: { severity?: string; summary?: string; detail?: string; address?: string };
}

// Data source reads show up as apply hooks too, but they change nothing and are not in the plan's totals.
const UNCOUNTED_ACTIONS = new Set(['read', 'noop']);

/** Stateful per run: counts planned and finished resource changes and keeps the diagnostics for the error. */
export class UiEventParser {
  private plannedChanges = 0;
  private plannedTotal: number | undefined;
  private done = 0;
  private readonly diagnostics: Diagnostic[] = [];
  private finalSummary: ChangeCounts | undefined;

  /** Events the line carries (none for lines that are not progress, or not JSON at all). */
  parseLine(line: string): TerraformEvent[] {
    const ui = parseJson(line);
    if (!ui) return [];
    switch (ui.type) {
      case 'planned_change':
        // Gives a running total while the plan streams in; change_summary then fixes it.
        if (!UNCOUNTED_ACTIONS.has(ui.change?.action ?? '')) this.plannedChanges += 1;
        return [];
      case 'change_summary':
        return this.onSummary(ui.changes ?? {});
      case 'apply_start':
      case 'apply_progress':
      case 'apply_complete':
      case 'apply_errored':
        return this.onHook(ui.type, ui.hook ?? {});
      case 'diagnostic':
        return this.onDiagnostic(ui.diagnostic ?? {});
      default:
        return [];
    }
  }

  get errors(): Diagnostic[] {
    return this.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  }

  /** Counts of the finished run, from its closing change_summary (undefined if terraform never got there). */
  get summary(): ChangeCounts | undefined {
    return this.finalSummary;
  }

  private get total(): number {
    return this.plannedTotal ?? this.plannedChanges;
  }

  private onSummary(changes: UiLine['changes'] & object): TerraformEvent[] {
    const counts = { add: changes.add ?? 0, change: changes.change ?? 0, remove: changes.remove ?? 0 };
    if (changes.operation === 'plan') {
      this.plannedTotal = counts.add + counts.change + counts.remove;
      return [{ type: 'planned', total: this.plannedTotal, ...counts }];
    }
    if (changes.operation === 'apply' || changes.operation === 'destroy') {
      this.finalSummary = counts;
      return [{ type: 'summary', operation: changes.operation, ...counts }];
    }
    return [];
  }

  private onHook(
    type: 'apply_start' | 'apply_progress' | 'apply_complete' | 'apply_errored',
    hook: NonNullable<UiLine['hook']>,
  ): TerraformEvent[] {
    const action = hook.action ?? 'unknown';
    if (UNCOUNTED_ACTIONS.has(action)) return [];
    if (type === 'apply_complete') this.done += 1;
    const progress = {
      address: hook.resource?.addr ?? '(unknown resource)',
      action,
      done: this.done,
      total: this.total,
    };
    if (type === 'apply_start') return [{ type, ...progress }];
    return [{ type, elapsedSeconds: hook.elapsed_seconds ?? 0, ...progress }];
  }

  private onDiagnostic(raw: NonNullable<UiLine['diagnostic']>): TerraformEvent[] {
    const diagnostic: Diagnostic = {
      severity: raw.severity === 'error' ? 'error' : 'warning',
      summary: raw.summary ?? '',
      detail: raw.detail ?? '',
      ...(raw.address ? { address: raw.address } : {}),
    };
    this.diagnostics.push(diagnostic);
    return [{ type: 'diagnostic', diagnostic }];
  }
}

function parseJson(line: string): UiLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' ? (value as UiLine) : undefined;
  } catch {
    return undefined;
  }
}
