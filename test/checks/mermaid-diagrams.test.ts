// Every Mermaid diagram tslab emits, and the README's, parses with the real Mermaid parser (the one GitHub renders
// job summaries, PR comments and READMEs with): a diagram Mermaid rejects shows as an error box instead of a picture.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, renderMermaid, renderSummaryMarkdown } from '../../src/checks/report.ts';
import { CHECKS } from '../../src/checks/definitions.ts';
import type { CheckResult } from '../../src/checks/types.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { renderGantt } from '../../src/engine/gantt.ts';
import { mermaidBlocks, mermaidParser, type MermaidParse } from './support/mermaid.ts';

let parse: MermaidParse;
beforeAll(async () => {
  parse = await mermaidParser();
}, 120_000);

const STATUSES = ['pass', 'fail', 'skip'] as const;

function reportFor(target: 'aws' | 'local', pick: (i: number) => CheckResult['status']) {
  const lab = resolveLab({ lab: 'pr-42', target, stateBucket: 'tslab-state' });
  const checks: CheckResult[] = CHECKS.map((c, i) => ({
    id: c.id,
    scenario: c.id.startsWith('egress') ? 'egress' : 'subnet-router',
    title: c.id,
    status: pick(i),
    durationMs: 1200,
    attempts: 1,
    evidence: {},
    ...(pick(i) === 'fail' ? { error: 'no answer (timeout)' } : {}),
  }));
  const now = new Date('2026-11-27T10:00:00Z');
  return { lab, report: buildReport(lab, target, checks, now, now) };
}

describe('Mermaid diagrams', () => {
  it('the parser is the real one: it rejects an unquoted edge label with parentheses', async () => {
    await expect(parse('flowchart LR\n  a -->|WireGuard (tailnet)| b')).rejects.toThrow(/got 'PS'/);
    await expect(parse('flowchart LR\n  a -->|"WireGuard (tailnet)"| b')).resolves.toBeTruthy();
  });

  for (const target of ['aws', 'local'] as const) {
    it.each(STATUSES)(`the ${target} job summary's topology parses, every check %s`, async (status) => {
      const { lab, report } = reportFor(target, () => status);
      const blocks = mermaidBlocks(renderSummaryMarkdown(report, lab));
      expect(blocks).toHaveLength(1);
      for (const block of blocks) await expect(parse(block)).resolves.toBeTruthy();
    });
  }

  it('the topology parses with mixed results', async () => {
    const { lab, report } = reportFor('aws', (i) => STATUSES[i % 3]!);
    await expect(parse(renderMermaid(report, lab))).resolves.toBeTruthy();
  });

  it("the README's diagrams parse", async () => {
    const blocks = mermaidBlocks(readFileSync('README.md', 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const [i, block] of blocks.entries()) {
      await expect(parse(block), `README mermaid block ${i + 1}`).resolves.toBeTruthy();
    }
  });
});

describe('the run timeline', () => {
  it('parses as a Mermaid gantt chart: stacks and waits, overlapping, a failed one marked, odd characters cleaned', async () => {
    const start = Date.parse('2026-12-02T10:00:00Z');
    const chart = renderGantt('provision of pr-42: #1', start, [
      { label: 'network', startedAtMs: start, durationMs: 95_000 },
      { label: 'cluster', startedAtMs: start + 95_000, durationMs: 540_000 },
      { label: 'client', startedAtMs: start + 95_000, durationMs: 40_000 },
      { label: 'client router', startedAtMs: start + 135_000, durationMs: 200_000, section: 'waits' },
      { label: 'workloads', startedAtMs: start + 635_000, durationMs: 0, failed: true },
    ]);
    await expect(parse(chart)).resolves.not.toThrow();
    expect(chart).toContain('  cluster (9m00s) :95000, 635000');
    expect(chart).toContain('  section waits\n  client router (3m20s) :135000, 335000');
    expect(chart).toContain('  workloads (0s) :crit, 635000, 635001');
    expect(chart).toMatch(/title provision of pr-42 +1\n/);
  });
});
