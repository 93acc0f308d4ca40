// A picture of where a run's minutes went: each stack and wait as a bar of a Mermaid `gantt` chart, from the
// measured start and duration (GitHub renders Mermaid in job summaries). Times are relative to the run's start.

export interface TimelineBar {
  /** Stack id or wait name, e.g. "cluster", "client router". */
  label: string;
  /** Ms since the epoch, on the same clock as `startedAtMs` of the run. */
  startedAtMs: number;
  durationMs: number;
  /** A bar in this section of the chart (default "stacks"). */
  section?: string;
  failed?: boolean;
}

/** Mermaid gantt source: one section per kind of bar, bars in start order, axis in minutes:seconds from the start. */
export function renderGantt(title: string, runStartedAtMs: number, bars: readonly TimelineBar[]): string {
  const sections = new Map<string, TimelineBar[]>();
  for (const bar of [...bars].sort((a, b) => a.startedAtMs - b.startedAtMs)) {
    const section = bar.section ?? 'stacks';
    sections.set(section, [...(sections.get(section) ?? []), bar]);
  }
  const lines = ['gantt', `  title ${clean(title)}`, '  dateFormat x', '  axisFormat %M:%S'];
  for (const [section, sectionBars] of sections) {
    lines.push(`  section ${clean(section)}`);
    for (const bar of sectionBars) {
      const start = Math.max(0, Math.round(bar.startedAtMs - runStartedAtMs));
      // Mermaid draws nothing for a zero-length bar.
      const end = start + Math.max(1, Math.round(bar.durationMs));
      lines.push(
        `  ${clean(bar.label)} (${formatDuration(bar.durationMs)}) :${bar.failed ? 'crit, ' : ''}${start}, ${end}`,
      );
    }
  }
  return lines.join('\n');
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Mermaid gives `:` and `#` (and `;`) meaning inside a task line. */
function clean(text: string): string {
  return text.replace(/[:#;]/g, ' ').trim();
}
