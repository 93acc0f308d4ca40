// LabProbe on AWS: the Kubernetes API (through the tailnet), the Tailscale API, and SSM Run Command on the client.
import { randomBytes } from 'node:crypto';
import { labResourceName } from '../../lab/names.ts';
import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import {
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { runOnInstance } from '../../clients/aws/ssm-runner.ts';
import type { LabCluster } from '../../clients/kubernetes/lab-cluster.ts';
import type { LabConfig } from '../../lab/config.ts';
import { TAG_KEYS } from '../../lab/config.ts';
import { checkServerBounds, POD_START_SECONDS, PROBE_CALL_MAX_SECONDS } from '../../lab/measurement.ts';
import { findDevicesByHostname, ipv4Of, type TailscaleApi } from '../../clients/tailscale/api-client.ts';
import type {
  CommandResult,
  ConnectorStatus,
  DataPlaneScenario,
  EgressStatus,
  ExposureFacts,
  LabProbe,
  PathInfo,
  RouterRoutes,
  ThroughputServer,
  ThroughputServerOptions,
  RunOptions,
} from '../../checks/probe.ts';
import { labVpcIds } from '../../clients/aws/lab-resources.ts';
import { parseTailscalePing } from '../../checks/tailscale-ping.ts';
import { parseTailscaleStatusPath } from '../../checks/tailscale-status.ts';

export interface AwsProbeClients {
  cluster: LabCluster;
  tailscale: Pick<TailscaleApi, 'listDevices' | 'getDeviceRoutes' | 'getSplitDns'>;
  ssm: SSMClient;
  eks: EKSClient;
  ec2: EC2Client;
  clientInstanceId: string;
  /** Per command; SSM and Jobs need a few seconds even for a one-liner. */
  commandTimeoutMs?: number;
  /** How often SSM and Job status is polled. */
  pollMs?: number;
}

const READY_EGRESS_CONDITIONS = ['TailscaleProxyReady', 'TailscaleEgressSvcReady'];
/** Name prefix of the measurement's iperf3 server: a pod in the cluster, a transient systemd unit on the client. */
export const THROUGHPUT_SERVER_PREFIX = 'tslab-iperf3';

export class AwsLabProbe implements LabProbe {
  readonly platform = 'aws' as const;
  readonly measurementLabel: string;

  constructor(
    private readonly lab: LabConfig,
    private readonly clients: AwsProbeClients,
  ) {
    // The instance types bound what the tunnel can carry: the figures mean little without them.
    this.measurementLabel =
      `the lab's EC2 client (${lab.client.instanceType}) ↔ EKS pods (${lab.cluster.nodeInstanceType} nodes) ` +
      `over Tailscale, on AWS`;
  }

  async connectorStatus(): Promise<ConnectorStatus> {
    const connector = await this.clients.cluster.getCustomObject('Connector', this.lab.tailnet.connectorName);
    if (!connector) return { ready: false, reason: 'Connector not found', devices: [] };
    const condition = connector.conditions.find((c) => c.type === 'ConnectorReady');
    // Like upstream's e2e: the condition must speak for the current spec, not an older generation.
    const current =
      condition?.observedGeneration === undefined || condition.observedGeneration === connector.generation;
    return {
      ready: condition?.status === 'True' && current,
      reason: condition
        ? `${condition.reason ?? condition.status}${current ? '' : ' (stale generation)'}`
        : 'no ConnectorReady condition',
      devices: connector.devices.filter((d) => d.hostname),
    };
  }

  async routerRoutes(): Promise<RouterRoutes> {
    const devices = await this.clients.tailscale.listDevices();
    const name = this.lab.tailnet.routerHostname;
    const router = devices.find((d) => d.hostname === name || d.hostname.startsWith(`${name}-`));
    if (!router) return { device: `${name} (not on the tailnet)`, advertised: [], enabled: [] };
    const routes = await this.clients.tailscale.getDeviceRoutes(router.nodeId || router.id);
    return {
      device: router.name || router.hostname,
      advertised: routes.advertisedRoutes,
      enabled: routes.enabledRoutes,
    };
  }

  async splitDns(): Promise<Record<string, string[]>> {
    return this.clients.tailscale.getSplitDns();
  }

  async runOnClient(script: string, options: RunOptions = {}): Promise<CommandResult> {
    const result = await runOnInstance(this.clients.ssm, this.clients.clientInstanceId, script, {
      timeoutMs: options.timeoutMs ?? this.clients.commandTimeoutMs ?? PROBE_CALL_MAX_SECONDS * 1000,
      ...(this.clients.pollMs !== undefined ? { pollMs: this.clients.pollMs } : {}),
      comment: `tslab validate ${this.lab.id}`,
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  async runInCluster(script: string, options: RunOptions = {}): Promise<CommandResult> {
    const run = await this.clients.cluster.runJob({
      namespace: this.lab.workloads.namespace,
      namePrefix: 'tslab-probe',
      command: ['sh', '-c', script],
      // The Job's deadline counts from its creation: the pod's start comes on top of the script's own time.
      timeoutMs:
        options.timeoutMs !== undefined
          ? options.timeoutMs + POD_START_SECONDS * 1000
          : (this.clients.commandTimeoutMs ?? 120_000),
      ...(this.clients.pollMs !== undefined ? { pollMs: this.clients.pollMs } : {}),
      labels: this.podLabels(),
    });
    const exitCode = run.exitCode ?? (run.outcome === 'succeeded' ? 0 : 1);
    return { exitCode, stdout: run.logs, stderr: run.outcome === 'succeeded' ? '' : run.detail };
  }

  /**
   * Ties the lab's short-lived pods (probe Jobs, server pods) to the lab: `-l tslab-lab=<id>` selects them, whoever
   * looks. Teardown needs no selector: they go with the cluster.
   */
  private podLabels(): Record<string, string> {
    return { [TAG_KEYS.lab.replace(':', '-')]: this.lab.id };
  }

  async pathToRouter(): Promise<PathInfo> {
    // With replicas the Connector's devices are <prefix>-0, -1, …: ping the first.
    const router =
      this.lab.workloads.connectorReplicas > 1
        ? `${this.lab.tailnet.routerHostname}-0`
        : this.lab.tailnet.routerHostname;
    return this.pathTo(router);
  }

  /**
   * `tailscale ping` decides (its last pong is the path the tunnel settled on); when no pong came back, the peer's
   * entry in `tailscale status --json` says what path, if any, the tunnel has at the moment.
   */
  private async pathTo(peer: string): Promise<PathInfo> {
    const marker = '--- tslab:status';
    const result = await this.runOnClient(
      [
        `tailscale ping -c 5 --until-direct=false '${peer}' 2>&1`,
        `echo '${marker}'`,
        'tailscale status --json',
      ].join('\n'),
    );
    const [pings = '', status = ''] = result.stdout.split(`${marker}\n`);
    const pinged = parseTailscalePing(`${pings}\n${result.stderr}`);
    if (pinged.mode !== 'unknown') return pinged;
    try {
      const seen = parseTailscaleStatusPath(status, peer);
      return {
        mode: seen.mode,
        ...(seen.derpRegion ? { derpRegion: seen.derpRegion } : {}),
        detail: `no pong (${pinged.detail}); tailscale status: ${seen.detail}`,
      };
    } catch {
      return pinged;
    }
  }

  async pathToEgressProxy(): Promise<PathInfo> {
    // A ProxyGroup names its devices <hostnamePrefix>-<ordinal> (cmd/k8s-operator/proxygroup_specs.go): ping the
    // first. The Service spreads connections over every replica, so with several this is one path of many.
    const hostname = this.lab.workloads.egressProxyGroup
      ? `${this.lab.tailnet.egressHostname}-0`
      : this.lab.tailnet.egressHostname;
    const [device] = findDevicesByHostname(await this.clients.tailscale.listDevices(), hostname);
    const ip = device && ipv4Of(device);
    if (!ip) return { mode: 'unknown', detail: `${hostname}: not on the tailnet` };
    // By address: the proxy's MagicDNS name may carry a suffix when an earlier lab's device kept the plain one.
    const path = await this.pathTo(ip);
    return path.mode === 'unknown' ? { ...path, detail: `${hostname} (${ip}): ${path.detail}` } : path;
  }

  async tunnelMtu(): Promise<number> {
    const result = await this.runOnClient('cat /sys/class/net/tailscale0/mtu');
    const mtu = Number(result.stdout.trim());
    if (result.exitCode !== 0 || !Number.isInteger(mtu) || mtu <= 0) {
      throw new Error(
        `could not read tailscale0's MTU on the client: ${(result.stderr || result.stdout).trim() || `exit ${result.exitCode}`}`,
      );
    }
    return mtu;
  }

  async startThroughputServer(
    scenario: DataPlaneScenario,
    options: ThroughputServerOptions,
  ): Promise<ThroughputServer> {
    const maxSeconds = checkServerBounds(options);
    return scenario === 'subnet-router'
      ? this.startServerPod(options.port, maxSeconds)
      : this.startServerOnClient(options.port, maxSeconds);
  }

  /** iperf3 in a pod: the client reaches its pod address through the Connector (the pod subnets are advertised). */
  private async startServerPod(port: number, maxSeconds: number): Promise<ThroughputServer> {
    const { cluster } = this.clients;
    const pod = await cluster.startServerPod({
      namespace: this.lab.workloads.namespace,
      namePrefix: THROUGHPUT_SERVER_PREFIX,
      command: ['iperf3', '-s', '-p', String(port)],
      port,
      maxSeconds,
      labels: { ...this.podLabels(), 'app.kubernetes.io/name': THROUGHPUT_SERVER_PREFIX },
      // The pod's deadline counts from its creation: what the wait for it takes is not left for the measurement
      // (THROUGHPUT_SERVER_MAX_SECONDS leaves the script its whole time after a start of up to POD_START_SECONDS).
      timeoutMs: Math.min(this.clients.commandTimeoutMs ?? POD_START_SECONDS * 1000, maxSeconds * 1000),
      ...(this.clients.pollMs !== undefined ? { pollMs: this.clients.pollMs } : {}),
    });
    return {
      host: pod.podIp,
      port,
      where: `pod ${pod.name} at ${pod.podIp}`,
      stop: idempotent(async () => {
        await cluster.deletePod(pod.namespace, pod.name);
      }),
    };
  }

  /** iperf3 on the client, in a transient systemd unit: a pod reaches it through the egress Service and proxy. */
  private async startServerOnClient(port: number, maxSeconds: number): Promise<ThroughputServer> {
    const unit = `${THROUGHPUT_SERVER_PREFIX}-${randomBytes(4).toString('hex')}`;
    const stop = idempotent(async () => {
      const result = await this.runOnClient(stopClientUnitScript(unit));
      if (result.exitCode !== 0) {
        throw new Error(`could not stop ${unit} on the client: ${lastLines(result)}`);
      }
    });
    let started: CommandResult;
    try {
      started = await this.runOnClient(clientServerScript(unit, port, maxSeconds));
    } catch (error) {
      // The unit may have started before SSM lost track of the command.
      await stop().catch(() => undefined);
      throw error;
    }
    if (started.exitCode !== 0) {
      await stop().catch(() => undefined);
      throw new Error(`iperf3's server did not start on the client (${unit}): ${lastLines(started)}`);
    }
    return {
      host: this.lab.workloads.egressFqdn,
      port,
      where: `systemd unit ${unit} on the client ${this.lab.client.hostname}`,
      stop,
    };
  }

  async egressStatus(): Promise<EgressStatus> {
    const service = await this.clients.cluster.getService(
      this.lab.workloads.namespace,
      this.lab.workloads.egressServiceName,
    );
    if (!service) return { ready: false, externalName: '', conditions: [] };
    const conditions = service.conditions.map((c) => ({
      type: c.type,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
    }));
    return {
      ready: conditions.some((c) => READY_EGRESS_CONDITIONS.includes(c.type) && c.status === 'True'),
      externalName: service.externalName ?? '',
      conditions,
    };
  }

  async exposure(): Promise<ExposureFacts> {
    const vpcIds = await labVpcIds(this.clients.ec2, this.lab.id);
    const [loadBalancers, cluster, interfaces, natInterfaces] = await Promise.all([
      this.clients.cluster.listLoadBalancerServices(),
      this.clients.eks.send(new DescribeClusterCommand({ name: this.lab.cluster.name })),
      // Every ENI in the lab's VPC, tagged or not: EKS and the VPC CNI create untagged ones.
      vpcIds.length
        ? this.clients.ec2.send(
            new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: vpcIds }] }),
          )
        : Promise.resolve({ NetworkInterfaces: [] }),
      natInterfaceIds(this.clients.ec2, vpcIds, labResourceName(this.lab.id, 'nat')),
    ]);
    // NAT is the lab's only way out to the internet and has a public address by design; nothing else may.
    const publicIps = (interfaces.NetworkInterfaces ?? [])
      .filter((eni) => eni.Association?.PublicIp && !natInterfaces.has(eni.NetworkInterfaceId ?? ''))
      .map((eni) => eni.Association!.PublicIp!);
    return {
      loadBalancerServices: loadBalancers.map((s) => `${s.namespace}/${s.name}`),
      publicApiEndpoint: cluster.cluster?.resourcesVpcConfig?.endpointPublicAccess ?? false,
      publicIps,
    };
  }
}

/**
 * Starts iperf3's server on the client in a transient unit that systemd stops after maxSeconds (RuntimeMaxSec=,
 * systemd.service(5)), and exits 0 once that unit's own process listens on the port.
 */
export function clientServerScript(unit: string, port: number, maxSeconds: number): string {
  const service = `${unit}.service`;
  return [
    'set -u',
    // Only on the tailnet address, where the egress proxy sends the measurement: not on the VPC side.
    'addr=$(tailscale ip -4 | head -n 1)',
    '[ -n "$addr" ] || { echo "the client has no tailnet IPv4 address" >&2; exit 1; }',
    // Type=exec: systemd-run fails when iperf3 cannot be executed at all; --collect unloads the unit even after it
    // failed (a stop past RuntimeMaxSec is a failure), so nothing is left in systemd's memory. TimeoutStopSec: the
    // stop at RuntimeMaxSec kills within seconds, not systemd's default 90.
    `systemd-run --unit=${unit} --collect --service-type=exec --property=RuntimeMaxSec=${maxSeconds} ` +
      `--property=TimeoutStopSec=5 iperf3 -s -p ${port} -B "$addr" || exit 1`,
    'for _ in $(seq 1 50); do',
    `  systemctl is-active --quiet ${service} || break`,
    `  pid=$(systemctl show --property=MainPID --value ${service})`,
    // This unit's process, not a server some earlier run left on the port.
    `  if ss -Hltnp 'sport = :${port}' | grep -q "pid=$pid,"; then echo "${unit} listening, pid $pid"; exit 0; fi`,
    '  sleep 0.2',
    'done',
    `echo "iperf3 in ${unit} is not listening on port ${port}" >&2`,
    `journalctl --unit=${service} --no-pager --lines=20 >&2 || true`,
    'exit 1',
  ].join('\n');
}

/** Stops the unit; succeeds when it is not running afterwards, whether it was stopped now or had ended already. */
export function stopClientUnitScript(unit: string): string {
  const service = `${unit}.service`;
  return [
    `systemctl stop ${service} 2>/dev/null || true`,
    `if systemctl is-active --quiet ${service}; then echo "${service} is still running" >&2; exit 1; fi`,
  ].join('\n');
}

/** Runs the action once it succeeds; a failed attempt may be retried. */
function idempotent(action: () => Promise<void>): () => Promise<void> {
  let outcome: Promise<void> | undefined;
  return () =>
    (outcome ??= action().catch((error: unknown) => {
      outcome = undefined;
      throw error;
    }));
}

function lastLines(result: CommandResult): string {
  const text = `${result.stderr}\n${result.stdout}`.trim();
  return text ? text.split('\n').slice(-5).join(' | ') : `exit ${result.exitCode}`;
}

/**
 * The interfaces of the lab's NAT: its NAT gateways' (whose ENIs carry none of the gateway's tags) or, in NAT-instance
 * mode, the instance's own. Found from the NAT resources themselves, not from ENI tags or type spellings.
 */
async function natInterfaceIds(
  ec2: EC2Client,
  vpcIds: string[],
  natInstanceName: string,
): Promise<Set<string>> {
  if (!vpcIds.length) return new Set();
  const [gateways, instances] = await Promise.all([
    ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: vpcIds }] })),
    ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'vpc-id', Values: vpcIds },
          { Name: 'tag:Name', Values: [natInstanceName] },
        ],
      }),
    ),
  ]);
  const ids = [
    ...(gateways.NatGateways ?? []).flatMap((g) =>
      (g.NatGatewayAddresses ?? []).map((a) => a.NetworkInterfaceId),
    ),
    ...(instances.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .flatMap((i) => (i.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId)),
  ];
  return new Set(ids.filter((id): id is string => Boolean(id)));
}
