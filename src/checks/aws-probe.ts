// LabProbe on AWS: the Kubernetes API (through the tailnet), the Tailscale API, and SSM Run Command on the client.
import { labResourceName } from '../lab/names.ts';
import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import {
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { runOnInstance } from '../aws/ssm-runner.ts';
import type { LabCluster } from '../kubernetes/lab-cluster.ts';
import type { LabConfig } from '../lab/config.ts';
import { TAG_KEYS } from '../lab/config.ts';
import type { TailscaleApi } from '../tailscale/api-client.ts';
import type {
  CommandResult,
  ConnectorStatus,
  EgressStatus,
  ExposureFacts,
  LabProbe,
  PathInfo,
  RouterRoutes,
} from './probe.ts';
import { labVpcIds } from '../aws/lab-resources.ts';
import { parseTailscalePing } from './tailscale-ping.ts';

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

export class AwsLabProbe implements LabProbe {
  readonly platform = 'aws' as const;

  constructor(
    private readonly lab: LabConfig,
    private readonly clients: AwsProbeClients,
  ) {}

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

  async runOnClient(script: string): Promise<CommandResult> {
    const result = await runOnInstance(this.clients.ssm, this.clients.clientInstanceId, script, {
      timeoutMs: this.clients.commandTimeoutMs ?? 60_000,
      ...(this.clients.pollMs !== undefined ? { pollMs: this.clients.pollMs } : {}),
      comment: `tslab validate ${this.lab.id}`,
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  async runInCluster(script: string): Promise<CommandResult> {
    const run = await this.clients.cluster.runJob({
      namespace: this.lab.workloads.namespace,
      namePrefix: 'tslab-probe',
      command: ['sh', '-c', script],
      timeoutMs: this.clients.commandTimeoutMs ?? 120_000,
      ...(this.clients.pollMs !== undefined ? { pollMs: this.clients.pollMs } : {}),
      labels: { [TAG_KEYS.lab.replace(':', '-')]: this.lab.id },
    });
    const exitCode = run.exitCode ?? (run.outcome === 'succeeded' ? 0 : 1);
    return { exitCode, stdout: run.logs, stderr: run.outcome === 'succeeded' ? '' : run.detail };
  }

  async pathToRouter(): Promise<PathInfo> {
    // With replicas the Connector's devices are <prefix>-0, -1, …: ping the first.
    const router =
      this.lab.workloads.connectorReplicas > 1
        ? `${this.lab.tailnet.routerHostname}-0`
        : this.lab.tailnet.routerHostname;
    const result = await this.runOnClient(`tailscale ping -c 5 --until-direct=false '${router}'`);
    return parseTailscalePing(`${result.stdout}\n${result.stderr}`);
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
