// A LabProbe whose every observation is a healthy lab unless a test overrides it.
import type { LabConfig } from '../../src/lab/config.ts';
import type { CommandResult, LabProbe } from '../../src/checks/probe.ts';
import { CURL_STATUS_MARKER } from '../../src/checks/http-response.ts';

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
      if (script.includes('getent')) return ok(`${lab.workloads.nginxClusterIp}\n`);
      const podIp = lab.network.clusterSubnets[0].replace(/0\/\d+$/, '17');
      return ok(`tslab-nonce=${lab.workloads.nonce} remote_addr=${podIp}\n${CURL_STATUS_MARKER}200\n`);
    },
    async runInCluster(script) {
      calls.push(`cluster: ${script}`);
      return ok(
        `tslab-nonce=${lab.workloads.clientNonce} remote_addr=100.100.7.9\n${CURL_STATUS_MARKER}200\n`,
      );
    },
    async pathToRouter() {
      return { mode: 'direct', latencyMs: 2, detail: 'via 10.0.0.5:41641' };
    },
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
