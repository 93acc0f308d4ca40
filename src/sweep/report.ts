// What a sweep tells its reader, the same in the action's summary and failure and in the CLI: each lab with why it
// was swept and how it went, and for a lab that could not be removed, what is left and why. A lab past its expiry
// that is still there has no other backstop, so a sweep with any failed lab fails, naming them.
import type { LeftBehind } from '../targets/aws/incomplete.ts';
import type { SweepOutcome } from './sweep.ts';

export interface SweepReport {
  outcomes: SweepOutcome[];
  /** False when the labs of closed pull requests were not (all) checked; `notes` says why. */
  closedPullRequestsChecked: boolean;
  /** Things the reader must know that are not one lab's outcome (e.g. closed-PR labs not checked). */
  notes: string[];
}

/** "stacks with resources: x; tailnet devices: y; …", or undefined when the teardown could not say. */
export function describeLeft(left: LeftBehind | undefined): string | undefined {
  if (!left) return undefined;
  const list = (items: string[] | undefined) =>
    items === undefined ? 'unknown (could not list them)' : items.length ? items.join(', ') : 'none';
  return [
    `stacks with resources: ${list(left.stacks)}`,
    `resources blocking the VPC: ${list(left.leftovers)}`,
    `tailnet devices: ${list(left.tailnetDevices)}`,
    `tagged AWS resources: ${list(left.tagged)}`,
  ].join('; ');
}

/** One line per lab for the CLI and the log. */
export function outcomeLine(o: SweepOutcome): string {
  const head = `${o.result.padEnd(12)} ${o.lab} (${o.reason}; expires ${o.expiresAt})`;
  if (o.result !== 'failed') return `${head}${o.detail ? `: ${o.detail}` : ''}`;
  const left = describeLeft(o.left);
  return `${head}: ${o.why ?? o.detail ?? 'failed'}${left ? ` — left: ${left}` : ''}`;
}

/**
 * The failure of a sweep that could not remove every lab: each one named, overdue ones first, with what is left,
 * why, and the teardown's own advice on finishing the job. Undefined when nothing failed.
 */
export function sweepFailure(outcomes: readonly SweepOutcome[]): string | undefined {
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (!failed.length) return undefined;
  const overdue = failed.filter((o) => o.overdue);
  const ordered = [...overdue, ...failed.filter((o) => !o.overdue)];
  const lines = [
    overdue.length
      ? `${failed.length} lab(s) could not be removed, ${overdue.length} of them past their expiry ` +
        `(${overdue.map((o) => o.lab).join(', ')}): they keep costing money until someone acts`
      : `${failed.length} lab(s) could not be removed`,
  ];
  for (const o of ordered) {
    lines.push(
      `- ${o.lab} (${o.overdue ? `expired ${o.expiresAt}` : `${o.reason}; expires ${o.expiresAt}`}): ${o.why ?? 'failed'}`,
    );
    const left = describeLeft(o.left);
    lines.push(`  left: ${left ?? 'unknown (the teardown did not say)'}`);
  }
  return lines.join('\n');
}

/** The summary table's rows (after its header). */
export function summaryRows(outcomes: readonly SweepOutcome[]): string[][] {
  return outcomes.map((o) => [
    o.lab,
    o.reason,
    o.expiresAt,
    o.result === 'failed' ? `failed${o.overdue ? ' (past its expiry)' : ''}` : o.result,
    o.result === 'failed'
      ? [o.why, describeLeft(o.left)].filter(Boolean).join(' — left: ')
      : (o.detail ?? ''),
  ]);
}

export const SUMMARY_HEADER = ['lab', 'why', 'expires', 'result', 'detail'];

/** The job summary is HTML: error messages may hold < and & (e.g. "<none>"). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
