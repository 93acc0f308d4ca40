// A LabProbe whose every observation is a healthy lab unless a test overrides it.
import type { LabConfig } from '../../src/lab/config.ts';
import type { CommandResult, LabProbe } from '../../src/checks/probe.ts';
import { readFileSync } from 'node:fs';
import { CURL_STATUS_MARKER } from '../../src/checks/http-response.ts';

/** Real iperf3 3.12 reports (test/fixtures/iperf3/README.md). */
const IPERF3 = {
  forward: readFileSync(new URL('../fixtures/iperf3/tcp-forward.json', import.meta.url), 'utf8'),
  reverse: readFileSync(new URL('../fixtures/iperf3/tcp-reverse.json', import.meta.url), 'utf8'),
};

/** What the measuring end's script prints on a healthy lab: five timed handshakes (one lost), both iperf3 runs. */
export function healthyMeasurementOutput(): string {
  return [
    '--- tslab:latency',
    '0.000512 0.001712',
    '0.000498 0.001498',
    '0.000000 0.000000',
    '0.000530 0.002030',
    '0.000501 0.001301',
    '--- tslab:forward',
    IPERF3.forward,
    '--- tslab:reverse',
    IPERF3.reverse,
  ].join('\n');
}

export type ProbeOverrides = Partial<Omit<LabProbe, 'platform'>>;

export function healthyProbe(lab: LabConfig, overrides: ProbeOverrides = {}): LabProbe & { calls: string[] } {
  const calls: string[] = [];
  const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
  const probe: LabProbe & { calls: string[] } = {
    platform: 'aws',
    calls,
    async connectorStatus() {
      return {
        ready: true,
        reason: 'ConnectorCreated',
        devices: [{ hostname: 'r.ts.net', tailnetIPs: ['100.100.1.1'] }],
      };
    },
    async routerRoutes() {
      return {
        device: 'router',
        advertised: [...lab.tailnet.connectorRoutes],
        enabled: [...lab.tailnet.connectorRoutes],
      };
    },
    async splitDns() {
      return { [lab.cluster.dnsDomain]: [lab.network.kubeDnsIp] };
    },
    async runOnClient(script) {
      calls.push(`client: ${script}`);
      if (script.includes('tslab:latency')) return ok(healthyMeasurementOutput());
      if (script.includes('getent')) return ok(`${lab.workloads.nginxClusterIp}\n`);
      const podIp = lab.network.clusterSubnets[0].replace(/0\/\d+$/, '17');
      return ok(`tslab-nonce=${lab.workloads.nonce} remote_addr=${podIp}\n${CURL_STATUS_MARKER}200\n`);
    },
    async runInCluster(script) {
      calls.push(`cluster: ${script}`);
      if (script.includes('tslab:latency')) return ok(healthyMeasurementOutput());
      return ok(
        `tslab-nonce=${lab.workloads.clientNonce} remote_addr=100.100.7.9\n${CURL_STATUS_MARKER}200\n`,
      );
    },
    async pathToRouter() {
      return { mode: 'direct', latencyMs: 2, detail: 'via 10.0.0.5:41641' };
    },
    async startThroughputServer(scenario, { port }) {
      calls.push(`server: start ${scenario}`);
      const host = scenario === 'subnet-router' ? '10.0.17.5' : lab.workloads.egressFqdn;
      return {
        host,
        port,
        where: `${scenario} server at ${host}`,
        async stop() {
          calls.push(`server: stop ${scenario}`);
        },
      };
    },
    async pathToEgressProxy() {
      return {
        mode: 'derp',
        derpRegion: 'fra',
        latencyMs: 21,
        detail: 'pong from egress via DERP(fra) in 21ms',
      };
    },
    async tunnelMtu() {
      return 1280;
    },
    measurementLabel: 'fake lab',
    async egressStatus() {
      return {
        ready: true,
        externalName: 'ts-egress-abcde.tailscale.svc.cluster.local',
        conditions: [{ type: 'TailscaleProxyReady', status: 'True', reason: 'ProxyCreated' }],
      };
    },
    async exposure() {
      return { loadBalancerServices: [], publicApiEndpoint: false, publicIps: [] };
    },
    ...overrides,
  };
  return probe;
}
