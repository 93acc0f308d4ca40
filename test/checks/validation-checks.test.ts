import { describe, expect, it } from 'vitest';
import { resolveLab } from '../../src/lab/config.ts';
import { CHECKS } from '../../src/checks/definitions.ts';
import { validateLab } from '../../src/checks/validate-lab.ts';
import { renderMermaid, renderSummaryMarkdown, NO_SNAT_NOTE } from '../../src/checks/report.ts';
import { CURL_STATUS_MARKER } from '../../src/checks/http-response.ts';
import { healthyProbe } from '../fakes/fake-probe.ts';

const lab = resolveLab({ lab: 'demo' }, { now: new Date('2026-01-01T00:00:00Z') });
const instant = { timeoutMs: 50, initialDelayMs: 1, sleep: async () => {} };

/** The client resolves the nginx FQDN right and gets `body` back over HTTP 200. */
function clientServing(body: string) {
  return async (script: string) =>
    script.includes('getent')
      ? { exitCode: 0, stdout: lab.workloads.nginxClusterIp, stderr: '' }
      : { exitCode: 0, stdout: `${body}\n${CURL_STATUS_MARKER}200\n`, stderr: '' };
}

function byId(report: Awaited<ReturnType<typeof validateLab>>, id: string) {
  const check = report.checks.find((c) => c.id === id);
  if (!check) throw new Error(`no ${id}`);
  return check;
}

describe('validation checks', () => {
  it('runs every required check id and passes a healthy lab with evidence', async () => {
    const report = await validateLab(lab, healthyProbe(lab), instant);
    expect(report.checks.map((c) => c.id)).toEqual([
      'subnet-router.connector-ready',
      'subnet-router.routes-approved',
      'subnet-router.split-dns',
      'subnet-router.dns-resolves',
      'subnet-router.http',
      'subnet-router.source-ip',
      'subnet-router.path',
      'egress.proxy-ready',
      'egress.http',
      'egress.source-ip',
      'exposure.no-public-endpoints',
      'subnet-router.throughput',
      'egress.throughput',
    ]);
    expect(report.passed).toBe(true);
    // The figures of both scenarios, both directions, in the JSON report and the summary's table and chart.
    expect(report.measurements?.map((m) => [m.scenario, m.directions.length, m.path.mode])).toEqual([
      ['subnet-router', 2, 'direct'],
      ['egress', 2, 'derp'],
    ]);
    const summary = renderSummaryMarkdown(report, lab);
    expect(summary).toContain('| subnet-router | client→cluster | 40704 Mbit/s | 0 |');
    expect(summary).toContain('| egress | cluster→client |');
    expect(summary).toContain('derp (DERP fra)');
    expect(summary).toMatch(/```mermaid\nxychart-beta\n/);
    expect(byId(report, 'subnet-router.dns-resolves').evidence).toMatchObject({
      resolved: lab.workloads.nginxClusterIp,
    });
    expect(byId(report, 'egress.source-ip').evidence).toMatchObject({ seen: '100.100.7.9' });
    expect(report.notes).toContain(NO_SNAT_NOTE);
  });

  it('fails routes-approved when a route is advertised but not approved, naming it', async () => {
    const probe = healthyProbe(lab, {
      routerRoutes: async () => ({
        device: 'r',
        advertised: lab.tailnet.connectorRoutes,
        enabled: [lab.network.vpcCidr],
      }),
    });
    const report = await validateLab(lab, probe, { ...instant, only: ['subnet-router.routes-approved'] });
    expect(report.passed).toBe(false);
    expect(byId(report, 'subnet-router.routes-approved').error).toContain(lab.network.serviceCidr);
  });

  it('retries a settling check until it passes', async () => {
    let calls = 0;
    const probe = healthyProbe(lab, {
      splitDns: async () => (++calls < 3 ? {} : { [lab.cluster.dnsDomain]: [lab.network.kubeDnsIp] }),
    });
    const report = await validateLab(lab, probe, {
      ...instant,
      timeoutMs: 10_000,
      only: ['subnet-router.split-dns'],
    });
    expect(byId(report, 'subnet-router.split-dns')).toMatchObject({ status: 'pass', attempts: 3 });
  });

  it('fails at the deadline with the last error and evidence', async () => {
    let clock = 0;
    const probe = healthyProbe(lab, { splitDns: async () => ({ [lab.cluster.dnsDomain]: ['10.9.9.9'] }) });
    const report = await validateLab(lab, probe, {
      timeoutMs: 1000,
      initialDelayMs: 100,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
      only: ['subnet-router.split-dns'],
    });
    const check = byId(report, 'subnet-router.split-dns');
    expect(check.status).toBe('fail');
    expect(check.error).toMatch(/points at 10\.9\.9\.9, not kube-dns/);
    expect(check.attempts).toBeGreaterThan(1);
    expect(check.evidence).toMatchObject({ nameservers: ['10.9.9.9'] });
  });

  it('catches an answer without the lab nonce, and skips the source-ip check that depends on it', async () => {
    const probe = healthyProbe(lab, {
      runOnClient: clientServing('welcome to nginx'),
    });
    const report = await validateLab(lab, probe, { ...instant, only: ['subnet-router.source-ip'] });
    expect(byId(report, 'subnet-router.http').error).toMatch(/nonce/);
    expect(byId(report, 'subnet-router.source-ip')).toMatchObject({ status: 'skip' });
  });

  it("does not take the client's own page (its nonce extends the cluster's) for the cluster nginx", async () => {
    const probe = healthyProbe(lab, {
      runOnClient: clientServing(`tslab-nonce=${lab.workloads.clientNonce} remote_addr=10.1.1.1`),
    });
    const report = await validateLab(lab, probe, { ...instant, only: ['subnet-router.http'] });
    expect(byId(report, 'subnet-router.http').error).toMatch(/does not carry this lab's nonce/);
  });

  it('fails source-ip when nginx saw a tailnet address (no SNAT)', async () => {
    const probe = healthyProbe(lab, {
      runOnClient: clientServing(`tslab-nonce=${lab.workloads.nonce} remote_addr=100.101.2.3`),
    });
    const report = await validateLab(lab, probe, { ...instant, only: ['subnet-router.source-ip'] });
    expect(byId(report, 'subnet-router.source-ip').error).toMatch(/not SNATed/);
  });

  it('reports the seed negative test: DNS times out when the service CIDR is not routed', async () => {
    const probe = healthyProbe(lab, {
      runOnClient: async () => ({ exitCode: 2, stdout: '', stderr: 'Resolving timed out' }),
    });
    const report = await validateLab(lab, probe, { ...instant, only: ['subnet-router.dns-resolves'] });
    expect(byId(report, 'subnet-router.dns-resolves').error).toMatch(/did not resolve/);
  });

  it('flags every public exposure', async () => {
    const probe = healthyProbe(lab, {
      exposure: async () => ({
        loadBalancerServices: ['default/web'],
        publicApiEndpoint: true,
        publicIps: ['3.3.3.3'],
      }),
    });
    const report = await validateLab(lab, probe, { ...instant, only: ['exposure.no-public-endpoints'] });
    expect(byId(report, 'exposure.no-public-endpoints').error).toBe(
      'exposed: LoadBalancer Service default/web; public EKS API endpoint; public IP 3.3.3.3',
    );
  });

  it('rejects an unknown check id', async () => {
    await expect(validateLab(lab, healthyProbe(lab), { only: ['nope'] })).rejects.toThrow(/unknown check id/);
  });

  it('colours the mermaid edges by result and lists every check in the summary', async () => {
    const probe = healthyProbe(lab, {
      pathToRouter: async () => ({ mode: 'unknown', detail: 'no handshake' }),
    });
    const report = await validateLab(lab, probe, instant);
    const mermaid = renderMermaid(report, lab);
    expect(mermaid).toContain('linkStyle 1 stroke:#cf222e');
    expect(mermaid).toContain('linkStyle 2 stroke:#2da44e');
    const summary = renderSummaryMarkdown(report, lab);
    for (const check of CHECKS) expect(summary).toContain(`\`${check.id}\``);
  });
});
