// The real local lab: its pieces' create scripts run in order with bash (no terraform), the LocalLabProbe
// observes it, and the destroy scripts run in reverse, twice. Needs root and the lab packages; skipped
// elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { curlScript, parseCurlOutput } from '../../../src/checks/http-response.ts';
import { renderText } from '../../../src/checks/report.ts';
import { validateLab } from '../../../src/checks/validate-lab.ts';
import { resolveLab } from '../../../src/lab/config.ts';
import { LocalLabProbe } from '../../../src/targets/local/probe.ts';
import { DAEMONS, localPlan, PEERS, statePaths, type DaemonName } from '../../../infra/local/plan.ts';
import { createScript, destroyScript, localTopology } from '../../../infra/local/topology.ts';
import { requires } from '../../support/requires.ts';

const baseDir = mkdtempSync(join(tmpdir(), 'tslab-e2e-'));
const id = `lt${Math.random().toString(36).slice(2, 8)}`;
const lab = resolveLab({ lab: id, target: 'local' }, { localStateDir: join(baseDir, 'state') });
const plan = localPlan(lab);
const pieces = localTopology(lab);
const probe = new LocalLabProbe(lab);

function bash(script: string): { status: number | null; stderr: string } {
  return spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 20_000 });
}

function labNamespaces(): string[] {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return list.split('\n').filter((line) => line.startsWith(`tslab-${id}-`));
}

function destroyAll(): (number | null)[] {
  return [...pieces].reverse().map((piece) => bash(destroyScript(piece)).status);
}

/** A pid still running (zombies, which hold nothing, count as gone). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Processes whose command line names this lab's state dir or WireGuard interfaces. */
function labProcesses(): string[] {
  const markers = [plan.stateDir, ...PEERS.map((peer) => plan.tailnet.peers[peer].iface)];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && running(Number(entry)))
    .flatMap((pid) => {
      const cmdline = (() => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        } catch {
          return '';
        }
      })();
      return markers.some((marker) => cmdline.includes(marker)) ? [`${pid}: ${cmdline}`] : [];
    });
}

requires('local-lab').describe(`the local lab, end to end (lab ${id})`, () => {
  const startedPids: number[] = [];

  beforeAll(() => {
    const started = Date.now();
    for (const piece of pieces) {
      const result = bash(createScript(piece));
      if (result.status !== 0) throw new Error(`creating ${piece.id} failed:\n${result.stderr}`);
    }
    console.log(`local lab ${id} up in ${Date.now() - started} ms`);
    for (const name of Object.keys(DAEMONS) as DaemonName[]) {
      startedPids.push(Number(readFileSync(statePaths.pidFile(plan, name), 'utf8')));
    }
  }, 20_000);

  afterAll(() => {
    destroyAll();
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('serves the client the cluster nginx by its FQDN, seen from the router SNAT address', async () => {
    const result = await probe.runOnClient(curlScript(`http://${lab.workloads.nginxFqdn}/`));
    expect(result.exitCode, result.stderr).toBe(0);
    const response = parseCurlOutput(result.stdout);
    expect(response.status).toBe(200);
    expect(response.body).toContain(`tslab-nonce=${lab.workloads.nonce}\n`);
    expect(response.remoteAddr).toBe(plan.podIps.router);
  });

  it("reaches the client's nginx from netshoot through the egress proxy, from the proxy's tailnet address", async () => {
    const result = await probe.runInCluster(curlScript(`http://${lab.workloads.egressFqdn}/`));
    expect(result.exitCode, result.stderr).toBe(0);
    const response = parseCurlOutput(result.stdout);
    expect(response.status).toBe(200);
    expect(response.body).toContain(`tslab-nonce=${lab.workloads.clientNonce}\n`);
    expect(response.remoteAddr).toBe(plan.tailnet.peers.egress.tailnetIp);
  });

  it('reports the connector ready with its tailnet address, and its routes advertised and accepted', async () => {
    const status = await probe.connectorStatus();
    expect(status.ready, status.reason).toBe(true);
    expect(status.devices).toEqual([
      { hostname: lab.tailnet.routerHostname, tailnetIPs: [plan.tailnet.peers.router.tailnetIp] },
    ]);
    expect(await probe.routerRoutes()).toEqual({
      device: lab.tailnet.routerHostname,
      advertised: lab.tailnet.connectorRoutes,
      enabled: lab.tailnet.connectorRoutes,
    });
    expect(await probe.splitDns()).toEqual({ [lab.cluster.dnsDomain]: [lab.network.kubeDnsIp] });
  });

  it('finds a direct path to the router with a measured round trip, and the egress proxy ready', async () => {
    const path = await probe.pathToRouter();
    expect(path.mode, path.detail).toBe('direct');
    expect(path.latencyMs).toBeGreaterThan(0);
    expect(path.detail).toContain(`${plan.podIps.router}:${plan.tailnet.peers.router.listenPort}`);
    const egress = await probe.egressStatus();
    expect(egress).toMatchObject({ ready: true, externalName: lab.workloads.egressFqdn });
  });

  it('shows the router SNAT and the kube-proxy DNAT hop by hop on the subnet-router path', async () => {
    const hops = await probe.capturePath('subnet-router', async () => {
      await probe.runOnClient(curlScript(`http://${lab.workloads.nginxFqdn}/`));
    });
    const flows = Object.fromEntries(hops.map((hop) => [hop.hop, hop.flows]));
    const { client, router } = plan.tailnet.peers;
    expect(flows[`client/${client.iface}`]).toContain(
      `${client.tailnetIp} → ${lab.workloads.nginxClusterIp}`,
    );
    expect(flows['client/eth0']).toContain(`${plan.clientIp} → ${plan.podIps.router}`);
    expect(flows[`router/${router.iface}`]).toContain(
      `${client.tailnetIp} → ${lab.workloads.nginxClusterIp}`,
    );
    expect(flows['router/eth0']).toContain(`${plan.podIps.router} → ${lab.workloads.nginxClusterIp}`);
    expect(flows['router/eth0']).not.toContain(`${client.tailnetIp} → ${lab.workloads.nginxClusterIp}`);
    expect(flows['nginx/eth0']).toEqual([
      `${plan.podIps.router} → ${plan.podIps.nginx}`,
      `${plan.podIps.nginx} → ${plan.podIps.router}`,
    ]);
  });

  it('shows the node DNAT to the egress pod and the proxy DNAT+SNAT onto the tailnet on the egress path', async () => {
    const hops = await probe.capturePath('egress', async () => {
      await probe.runInCluster(curlScript(`http://${lab.workloads.egressFqdn}/`));
    });
    const flows = Object.fromEntries(hops.map((hop) => [hop.hop, hop.flows]));
    const { client, egress } = plan.tailnet.peers;
    expect(flows['netshoot/eth0']).toContain(`${plan.podIps.netshoot} → ${plan.services.egress}`);
    expect(flows['egress/eth0']).toContain(`${plan.podIps.netshoot} → ${plan.podIps.egress}`);
    expect(flows[`egress/${egress.iface}`]).toContain(`${egress.tailnetIp} → ${client.tailnetIp}`);
    expect(flows[`client/${client.iface}`]).toContain(`${egress.tailnetIp} → ${client.tailnetIp}`);
  });

  it('reports no exposure, and reports an address the plan does not account for', async () => {
    expect(await probe.exposure()).toEqual({
      loadBalancerServices: [],
      publicApiEndpoint: false,
      publicIps: [],
    });
    // 192.0.2.0/24 is documentation space: an address, never a traffic target.
    const stray = `ip -n ${plan.namespaces.vpc} addr add 192.0.2.7/32 dev lo`;
    expect(bash(stray).status).toBe(0);
    try {
      expect((await probe.exposure()).publicIps).toEqual([`${plan.namespaces.vpc}/lo: 192.0.2.7`]);
    } finally {
      bash(stray.replace(' add ', ' del '));
    }
  });

  it('measures both scenarios through the checks: figures both ways, a direct path, the tunnel MTU', async () => {
    const report = await validateLab(lab, probe, {
      only: ['subnet-router.throughput', 'egress.throughput'],
      capturePackets: false,
    });
    const measured = report.checks.filter((c) => c.id.endsWith('.throughput'));
    expect(
      measured.map((c) => [c.id, c.status, c.error]),
      renderText(report),
    ).toEqual([
      ['subnet-router.throughput', 'pass', undefined],
      ['egress.throughput', 'pass', undefined],
    ]);
    expect(report.measurements?.map((m) => m.scenario)).toEqual(['subnet-router', 'egress']);
    for (const m of report.measurements ?? []) {
      expect(m.directions.map((d) => d.direction).sort()).toEqual(['client→cluster', 'cluster→client']);
      for (const d of m.directions) expect(d.mbps, `${m.scenario} ${d.direction}`).toBeGreaterThan(0);
      expect(m.path.mode).toBe('direct');
      expect(m.latency?.answered).toBeGreaterThan(0);
      expect(m.mtu).toBeGreaterThan(0);
      expect(m.label).toContain('wireguard-go');
    }
    console.log(renderText(report));
  }, 60_000);

  it('fails a throughput check at a threshold this machine cannot reach, with the figure in the message', async () => {
    const report = await validateLab(lab, probe, {
      only: ['subnet-router.throughput'],
      capturePackets: false,
      thresholds: { minThroughputMbps: 10_000_000 },
    });
    const check = report.checks.find((c) => c.id === 'subnet-router.throughput');
    expect(check?.status).toBe('fail');
    expect(check?.error).toMatch(/client→cluster carried [\d.]+ Mbit\/s, below min-throughput-mbps 10000000/);
    expect(report.passed).toBe(false);
  }, 60_000);

  it('reports the connector not ready once its WireGuard process is gone', async () => {
    const pid = Number(readFileSync(statePaths.pidFile(plan, 'wireguard-router'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && running(pid); i++) await new Promise((r) => setTimeout(r, 20));
    const status = await probe.connectorStatus();
    expect(status.ready).toBe(false);
  });

  it('tears down to nothing: no namespace, process, state dir or resolver file, and a second destroy is a no-op', () => {
    expect(labNamespaces()).toHaveLength(Object.keys(plan.namespaces).length);
    expect(destroyAll().every((status) => status === 0)).toBe(true);
    expect(labNamespaces()).toEqual([]);
    expect(startedPids.filter(running)).toEqual([]);
    expect(labProcesses()).toEqual([]);
    expect(existsSync(plan.stateDir)).toBe(false);
    for (const ns of Object.values(plan.namespaces)) expect(existsSync(`/etc/netns/${ns}`), ns).toBe(false);
    for (const peer of PEERS) expect(existsSync(statePaths.wgSocket(plan.tailnet.peers[peer]))).toBe(false);

    expect(destroyAll().every((status) => status === 0)).toBe(true);
    expect(labNamespaces()).toEqual([]);
  });
});
