// The data-plane figures in the report's human forms: a table (Markdown for the job summary, plain text for the
// CLI) and a Mermaid bar chart of both scenarios and both directions.
import type { ScenarioMeasurement } from './data-plane.ts';
import type { CheckResult } from './types.ts';

const THROUGHPUT_CHECKS = new Set(['subnet-router.throughput', 'egress.throughput']);

/** The measurements the throughput checks took, passed or failed on a threshold (their evidence has the figures). */
export function measurementsOf(checks: readonly CheckResult[]): ScenarioMeasurement[] {
  return checks
    .filter((c) => THROUGHPUT_CHECKS.has(c.id) && Array.isArray(c.evidence['directions']))
    .map((c) => {
      const { scenario, label, server, directions, latency, path, mtu } =
        c.evidence as unknown as ScenarioMeasurement;
      return { scenario, label, server, directions, latency, path, mtu };
    });
}

function mbps(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(3);
}

function pathText(m: ScenarioMeasurement): string {
  return m.path.derpRegion ? `${m.path.mode} (DERP ${m.path.derpRegion})` : m.path.mode;
}

function latencyText(m: ScenarioMeasurement): string {
  if (!m.latency) return 'no answer';
  const { p50Ms, p90Ms, p99Ms, answered, probes } = m.latency;
  return `${p50Ms} / ${p90Ms} / ${p99Ms} ms (${answered}/${probes})`;
}

interface Row {
  scenario: string;
  direction: string;
  throughput: string;
  retransmits: string;
  latency: string;
  path: string;
  mtu: string;
}

function rows(measurements: readonly ScenarioMeasurement[]): Row[] {
  return measurements.flatMap((m) => {
    const shared = {
      scenario: m.scenario,
      latency: latencyText(m),
      path: pathText(m),
      mtu: m.mtu === null ? 'n/a' : String(m.mtu),
    };
    // A scenario whose runs both failed still shows, with what was learnt of its path.
    if (!m.directions.length)
      return [{ ...shared, direction: '—', throughput: 'not measured', retransmits: 'n/a' }];
    return m.directions.map((d) => ({
      ...shared,
      direction: d.direction,
      throughput: `${mbps(d.mbps)} Mbit/s`,
      retransmits: d.retransmits === null ? 'n/a' : String(d.retransmits),
    }));
  });
}

/** A Mermaid xychart of every direction's throughput; the y axis starts at zero so bars compare honestly. */
export function renderThroughputChart(measurements: readonly ScenarioMeasurement[]): string {
  const bars = measurements.flatMap((m) =>
    m.directions.map((d) => ({ label: `${m.scenario} ${d.direction}`, d })),
  );
  const top = Math.max(1, ...bars.map((b) => b.d.mbps));
  return [
    'xychart-beta',
    '  title "Throughput (Mbit/s)"',
    `  x-axis [${bars.map((b) => `"${b.label}"`).join(', ')}]`,
    `  y-axis "Mbit/s" 0 --> ${Math.ceil(top * 1.1)}`,
    `  bar [${bars.map((b) => Number(b.d.mbps.toFixed(1))).join(', ')}]`,
  ].join('\n');
}

export function renderMeasurementMarkdown(measurements: readonly ScenarioMeasurement[]): string[] {
  if (!measurements.length) return [];
  // Mermaid refuses an xychart without bars.
  const chart = measurements.some((m) => m.directions.length)
    ? ['```mermaid', renderThroughputChart(measurements), '```', '']
    : [];
  return [
    '### Data plane',
    '',
    '| scenario | direction | throughput | retransmits | latency p50 / p90 / p99 | path | MTU |',
    '|---|---|---|---|---|---|---|',
    ...rows(measurements).map(
      (r) =>
        `| ${r.scenario} | ${r.direction} | ${r.throughput} | ${r.retransmits} | ${r.latency} | ${r.path} | ${r.mtu} |`,
    ),
    '',
    ...chart,
    ...[...new Set(measurements.map((m) => m.label))].map((label) => `> Measured: ${label}.`),
  ];
}

export function renderMeasurementText(measurements: readonly ScenarioMeasurement[]): string[] {
  if (!measurements.length) return [];
  const table = rows(measurements);
  const header: Row = {
    scenario: 'scenario',
    direction: 'direction',
    throughput: 'throughput',
    retransmits: 'retrans',
    latency: 'latency p50/p90/p99',
    path: 'path',
    mtu: 'MTU',
  };
  const keys = Object.keys(header) as (keyof Row)[];
  const width = (key: keyof Row) => Math.max(...[header, ...table].map((r) => r[key].length));
  const line = (r: Row) =>
    keys
      .map((k) => r[k].padEnd(width(k)))
      .join('  ')
      .trimEnd();
  return [
    'data plane:',
    line(header),
    ...table.map(line),
    ...textBars(measurements),
    ...[...new Set(measurements.map((m) => m.label))].map((label) => `measured: ${label}`),
  ];
}

const BAR_WIDTH = 40;

/** The chart for a terminal: one bar per direction, scaled to the fastest. */
function textBars(measurements: readonly ScenarioMeasurement[]): string[] {
  const bars = measurements.flatMap((m) =>
    m.directions.map((d) => ({ label: `${m.scenario} ${d.direction}`, d })),
  );
  const top = Math.max(...bars.map((b) => b.d.mbps));
  if (!(top > 0)) return [];
  const width = Math.max(...bars.map((b) => b.label.length));
  return bars.map(
    ({ label, d }) =>
      `${label.padEnd(width)}  ${'█'.repeat(Math.max(d.mbps > 0 ? 1 : 0, Math.round((d.mbps / top) * BAR_WIDTH)))} ${mbps(d.mbps)}`,
  );
}
