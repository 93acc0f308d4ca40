// The validation report (JSON) and its human forms: a Markdown job summary with a Mermaid diagram of both paths.
import type { LabConfig } from '../lab/config.ts';
import { measurementsOf, renderMeasurementMarkdown, renderMeasurementText } from './measurement-report.ts';
import type { HopCapture } from './probe.ts';
import type { CheckResult, ValidationReport } from './types.ts';

export const NO_SNAT_NOTE =
  'SNAT: the Tailscale operator has no setting to turn off SNAT on a Connector (no DisableSNAT in its tailscaled ' +
  'config, no ProxyClass field), so nginx sees the router pod address, never the client; see ' +
  'docs/design/tailscale-operator.md §2.';

export function buildReport(
  lab: LabConfig,
  platform: 'aws' | 'local',
  checks: CheckResult[],
  startedAt: Date,
  finishedAt: Date,
  packetPaths?: ValidationReport['packetPaths'],
): ValidationReport {
  const notes = [NO_SNAT_NOTE];
  if (platform === 'local') {
    notes.push(
      'Local lab: the tailnet is emulated with plain WireGuard (wireguard-go) between network namespaces. It teaches ' +
        "and tests the packet paths and tslab's own pipeline; it is not Tailscale (no coordination server, DERP or MagicDNS).",
    );
  }
  const measurements = measurementsOf(checks);
  return {
    lab: lab.id,
    platform,
    passed: checks.every((c) => c.status === 'pass'),
    startedAt: startedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    checks,
    notes,
    ...(packetPaths ? { packetPaths } : {}),
    ...(measurements.length ? { measurements } : {}),
  };
}

const ICON = { pass: '✅', fail: '❌', skip: '⏭️' } as const;

export function renderSummaryMarkdown(report: ValidationReport, lab: LabConfig): string {
  const lines = [
    `## tslab validation: ${report.lab} (${report.platform}) — ${report.passed ? 'passed' : 'FAILED'}`,
    '',
    '| | check | time | evidence / error |',
    '|---|---|---|---|',
    ...report.checks.map(
      (c) =>
        `| ${ICON[c.status]} | \`${c.id}\` | ${(c.durationMs / 1000).toFixed(1)} s | ${escapeCell(c.error ?? summarizeEvidence(c))} |`,
    ),
    '',
    '```mermaid',
    renderMermaid(report, lab),
    '```',
    '',
    ...report.notes.map((n) => `> ${n}`),
  ];
  const measured = renderMeasurementMarkdown(report.measurements ?? []);
  if (measured.length) lines.push('', ...measured);
  for (const path of report.packetPaths ?? []) {
    lines.push('', `### Packet path: ${path.scenario}`, '', ...renderHops(path.hops));
  }
  return lines.join('\n');
}

export function renderText(report: ValidationReport): string {
  const lines = report.checks.map(
    (c) =>
      `${c.status.toUpperCase().padEnd(4)} ${c.id.padEnd(32)} ${(c.durationMs / 1000).toFixed(1).padStart(6)} s  ${
        c.error ?? summarizeEvidence(c)
      }`,
  );
  lines.push(...renderMeasurementText(report.measurements ?? []));
  lines.push(`${report.passed ? 'PASSED' : 'FAILED'}: ${countBy(report.checks)}`);
  for (const path of report.packetPaths ?? [])
    lines.push(`packet path (${path.scenario}):`, ...renderHops(path.hops));
  return lines.join('\n');
}

function countBy(checks: CheckResult[]): string {
  const passed = checks.filter((c) => c.status === 'pass').length;
  const failed = checks.filter((c) => c.status === 'fail').length;
  const skipped = checks.filter((c) => c.status === 'skip').length;
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

function renderHops(hops: HopCapture[]): string[] {
  return hops.map((h) => `- ${h.hop}: ${h.flows.length ? h.flows.join('; ') : '(nothing captured)'}`);
}

function summarizeEvidence(check: CheckResult): string {
  return Object.entries(check.evidence)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .slice(0, 4)
    .map(([k, v]) => `${k}=${String(v).replace(/\s+/g, ' ')}`)
    .join(', ');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Both packet paths of the lab (docs/design/lab.md §2), each edge styled by the check that proves it. */
export function renderMermaid(report: ValidationReport, lab: LabConfig): string {
  const status = (id: string) => report.checks.find((c) => c.id === id)?.status ?? 'skip';
  const colour = { pass: '#2da44e', fail: '#cf222e', skip: '#8c959f' } as const;
  const edges: [string, string, string, string][] = [
    ['client', 'kubedns', 'DNS via split DNS', 'subnet-router.dns-resolves'],
    ['client', 'router', 'WireGuard (tailnet)', 'subnet-router.path'],
    ['router', 'nginx', 'SNAT → ClusterIP', 'subnet-router.http'],
    ['netshoot', 'egress', 'ExternalName', 'egress.proxy-ready'],
    ['egress', 'clientnginx', 'tailnet :80', 'egress.http'],
  ];
  const lines = [
    'flowchart LR',
    `  client["EC2 client ${lab.client.hostname}"]`,
    `  router["Connector ${lab.tailnet.connectorName}"]`,
    `  kubedns["kube-dns ${lab.network.kubeDnsIp}"]`,
    `  nginx["nginx ${lab.workloads.nginxClusterIp}"]`,
    '  netshoot["netshoot pod"]',
    '  egress["egress proxy"]',
    '  clientnginx["client nginx :80 (host network)"]',
    // Labels are quoted: Mermaid 11 rejects '(' in an unquoted edge label ("got 'PS'").
    ...edges.map(([from, to, label]) => `  ${from} -->|${quoted(label)}| ${to}`),
    ...edges.map(([, , , id], i) => `  linkStyle ${i} stroke:${colour[status(id)]},stroke-width:3px`),
  ];
  return lines.join('\n');
}

/** A Mermaid string in double quotes; a '"' inside becomes Mermaid's entity code. */
function quoted(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}
