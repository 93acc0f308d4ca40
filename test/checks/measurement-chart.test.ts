// The data-plane chart and table: the chart parses with the real Mermaid parser (as GitHub renders it) and says
// what the table says.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioMeasurement } from '../../src/checks/data-plane.ts';
import {
  renderMeasurementMarkdown,
  renderMeasurementText,
  renderThroughputChart,
} from '../../src/checks/measurement-report.ts';
import { mermaidBlocks, mermaidParser, type MermaidParse } from './support/mermaid.ts';

let parse: MermaidParse;
beforeAll(async () => {
  parse = await mermaidParser();
}, 60_000);

const measurements: ScenarioMeasurement[] = [
  {
    scenario: 'subnet-router',
    label: 'the "local" lab',
    server: 'pod at 10.0.17.5',
    directions: [
      { direction: 'client→cluster', mbps: 812.4, retransmits: 12, seconds: 3 },
      { direction: 'cluster→client', mbps: 95.25, retransmits: null, seconds: 3 },
    ],
    latency: { probes: 20, answered: 19, p50Ms: 0.4, p90Ms: 0.9, p99Ms: 2.1 },
    path: { mode: 'direct', derpRegion: null, detail: '' },
    mtu: 1420,
  },
  {
    scenario: 'egress',
    label: 'the "local" lab',
    server: 'client',
    directions: [{ direction: 'cluster→client', mbps: 640, retransmits: 0, seconds: 3 }],
    latency: null,
    path: { mode: 'derp', derpRegion: 'fra', detail: '' },
    mtu: null,
  },
];

describe('the data-plane chart', () => {
  it('parses as a Mermaid xychart with a bar per scenario and direction, from zero', async () => {
    const chart = renderThroughputChart(measurements);
    await expect(parse(chart)).resolves.toBeTruthy();
    expect(chart).toContain(
      'x-axis ["subnet-router client→cluster", "subnet-router cluster→client", "egress cluster→client"]',
    );
    expect(chart).toContain('bar [812.4, 95.3, 640]');
    expect(chart).toContain('y-axis "Mbit/s" 0 --> 894');
  });

  it('the summary section: a row per direction with latency, path and MTU, and a chart that parses', async () => {
    const markdown = renderMeasurementMarkdown(measurements).join('\n');
    expect(markdown).toContain(
      '| subnet-router | client→cluster | 812 Mbit/s | 12 | 0.4 / 0.9 / 2.1 ms (19/20) | direct | 1420 |',
    );
    expect(markdown).toContain('| subnet-router | cluster→client | 95.3 Mbit/s | n/a |');
    expect(markdown).toContain(
      '| egress | cluster→client | 640 Mbit/s | 0 | no answer | derp (DERP fra) | n/a |',
    );
    expect(markdown).toContain('> Measured: the "local" lab.');
    const blocks = mermaidBlocks(markdown);
    expect(blocks).toHaveLength(1);
    await expect(parse(blocks[0]!)).resolves.toBeTruthy();
  });

  it('the CLI table lines its columns up', () => {
    const lines = renderMeasurementText(measurements);
    expect(lines[0]).toBe('data plane:');
    const throughputColumn = lines
      .slice(1, 5)
      .map((line) =>
        line.indexOf('Mbit/s') >= 0 ? line.search(/\d+(\.\d)? Mbit\/s/) : line.indexOf('throughput'),
      );
    expect(new Set(throughputColumn).size).toBe(1);
    expect(lines.at(-1)).toBe('measured: the "local" lab');
    // The terminal's chart: bars scaled to the fastest direction.
    expect(lines).toContain(`subnet-router client→cluster  ${'█'.repeat(40)} 812`);
    expect(lines).toContain(`subnet-router cluster→client  ${'█'.repeat(5)} 95.3`);
  });

  it('shows a scenario whose runs both failed as not measured, and no chart when no direction has a figure', async () => {
    const failed: ScenarioMeasurement = { ...measurements[1]!, directions: [] };
    const markdown = renderMeasurementMarkdown([failed]).join('\n');
    expect(markdown).toContain('| egress | — | not measured | n/a | no answer | derp (DERP fra) | n/a |');
    expect(mermaidBlocks(markdown)).toEqual([]);
    // With one scenario measured, the chart has its bars and parses.
    const mixed = renderMeasurementMarkdown([measurements[0]!, failed]).join('\n');
    expect(mixed).toContain('| egress | — | not measured |');
    await expect(parse(mermaidBlocks(mixed)[0]!)).resolves.toBeTruthy();
  });

  it('says nothing when nothing was measured', () => {
    expect(renderMeasurementMarkdown([])).toEqual([]);
    expect(renderMeasurementText([])).toEqual([]);
  });
});
