// Validation of an AWS lab end to end over fakes at every boundary: Kubernetes (in-memory LabCluster), the Tailscale
// API (loopback fake speaking the documented API), SSM, EKS and EC2 (aws-sdk-client-mock).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { resolveLab } from '../../../src/lab/config.ts';
import { AwsLabProbe } from '../../../src/targets/aws/probe.ts';
import { validateLab } from '../../../src/checks/validate-lab.ts';
import { CURL_STATUS_MARKER } from '../../../src/checks/http-response.ts';
import { createTailscaleApiClient } from '../../../src/clients/tailscale/api-client.ts';
import { healthyMeasurementOutput } from '../../fakes/fake-probe.ts';
import { FakeLabCluster } from '../../fakes/lab-cluster.ts';
import { startFakeTailscaleApi, type FakeTailscaleApi } from '../../fakes/tailscale-api.ts';

const lab = resolveLab({ lab: 'demo' }, { now: new Date('2026-01-01T00:00:00Z') });
const podIp = '10.118.64.23';

let api: FakeTailscaleApi;
let cluster: FakeLabCluster;
let ssm: ReturnType<typeof mockClient>;
let eks: ReturnType<typeof mockClient>;
let ec2: ReturnType<typeof mockClient>;
let clientScripts: string[];
let egressProxyIp: string;

function healthyCluster(): void {
  cluster.setCustomObject({
    kind: 'Connector',
    name: lab.tailnet.connectorName,
    generation: 2,
    conditions: [
      { type: 'ConnectorReady', status: 'True', reason: 'ConnectorCreated', observedGeneration: 2 },
    ],
    devices: [{ hostname: `${lab.tailnet.routerHostname}.tail1.ts.net`, tailnetIPs: ['100.101.0.5'] }],
  });
  cluster.setService({
    namespace: lab.workloads.namespace,
    name: lab.workloads.egressServiceName,
    type: 'ExternalName',
    externalName: 'ts-lab-client-egress-x7k2p.tailscale.svc.cluster.local',
    conditions: [{ type: 'TailscaleProxyReady', status: 'True', reason: 'ProxyCreated' }],
  });
  cluster.onJob((spec) => ({
    outcome: 'succeeded',
    exitCode: 0,
    // The egress measurement runs in a probe Job too: a pod measures the client through the egress proxy.
    logs: spec.command.join(' ').includes('tslab:latency')
      ? healthyMeasurementOutput()
      : `tslab-nonce=${lab.workloads.clientNonce} remote_addr=100.101.0.9\n${CURL_STATUS_MARKER}200\n`,
  }));
}

function clientAnswers(script: string): string {
  if (script.includes('getent')) return `${lab.workloads.nginxClusterIp}\n`;
  if (script.startsWith('tailscale ping') && script.includes(egressProxyIp)) {
    return `pong from tslab-demo-egress (${egressProxyIp}) via DERP(fra) in 31ms\n`;
  }
  if (script.startsWith('tailscale ping')) {
    return 'pong from tslab-demo-router (100.101.0.5) via DERP(nyc) in 23ms\npong from tslab-demo-router (100.101.0.5) via 10.118.64.5:41641 in 1ms\n';
  }
  if (script.includes('tslab:latency')) return healthyMeasurementOutput();
  if (script.includes('tailscale0/mtu')) return '1280\n';
  if (script.includes('systemd-run') || script.includes('systemctl stop')) return '';
  return `tslab-nonce=${lab.workloads.nonce} remote_addr=${podIp}\n${CURL_STATUS_MARKER}200\n`;
}

beforeEach(async () => {
  api = await startFakeTailscaleApi();
  cluster = new FakeLabCluster();
  clientScripts = [];
  ssm = mockClient(SSMClient);
  const sent = new Map<string, string>();
  ssm.on(SendCommandCommand).callsFake((input: { Parameters: { commands: string[] } }) => {
    const id = `cmd-${sent.size}`;
    sent.set(id, input.Parameters.commands[0]!);
    clientScripts.push(input.Parameters.commands[0]!);
    return { Command: { CommandId: id } };
  });
  ssm.on(GetCommandInvocationCommand).callsFake((input: { CommandId: string }) => ({
    Status: 'Success',
    ResponseCode: 0,
    StandardOutputContent: clientAnswers(sent.get(input.CommandId)!),
    StandardErrorContent: '',
  }));
  eks = mockClient(EKSClient);
  eks
    .on(DescribeClusterCommand)
    .resolves({ cluster: { resourcesVpcConfig: { endpointPublicAccess: false } } });
  ec2 = mockClient(EC2Client);
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1' }] });
  // As the API returns them: the NAT gateway's ENI is typed 'nat_gateway' and carries none of the gateway's tags.
  ec2.on(DescribeNetworkInterfacesCommand).resolves({
    NetworkInterfaces: [
      {
        NetworkInterfaceId: 'eni-nat',
        InterfaceType: 'nat_gateway' as never,
        Association: { PublicIp: '3.3.3.3' },
      },
      { NetworkInterfaceId: 'eni-node', InterfaceType: 'interface' },
    ],
  });
  ec2
    .on(DescribeNatGatewaysCommand)
    .resolves({ NatGateways: [{ NatGatewayAddresses: [{ NetworkInterfaceId: 'eni-nat' }] }] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  const router = api.addDevice({
    hostname: lab.tailnet.routerHostname,
    tags: ['tag:k8s', lab.tailnet.slotTag],
  });
  egressProxyIp = api.addDevice({
    hostname: lab.tailnet.egressHostname,
    tags: ['tag:k8s', lab.tailnet.slotTag],
  }).addresses[0]!;
  router.advertisedRoutes = [...lab.tailnet.connectorRoutes];
  router.enabledRoutes = [...lab.tailnet.connectorRoutes];
  api.splitDns[lab.cluster.dnsDomain] = [lab.network.kubeDnsIp];
  healthyCluster();
});

afterEach(async () => {
  await api.close();
});

function probe(forLab = lab): AwsLabProbe {
  return new AwsLabProbe(forLab, {
    cluster,
    tailscale: createTailscaleApiClient({
      clientId: api.clientId,
      clientSecret: api.clientSecret,
      baseUrl: api.url,
    }),
    ssm: ssm as unknown as SSMClient,
    eks: eks as unknown as EKSClient,
    ec2: ec2 as unknown as EC2Client,
    clientInstanceId: 'i-0abc',
    pollMs: 1,
  });
}

describe('validation on AWS (fakes at the boundary)', () => {
  it('passes a healthy lab with evidence from each system', async () => {
    const report = await validateLab(lab, probe(), { timeoutMs: 5000, initialDelayMs: 1 });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    const evidence = Object.fromEntries(report.checks.map((c) => [c.id, c.evidence]));
    expect(evidence['subnet-router.routes-approved']).toMatchObject({ enabled: lab.tailnet.connectorRoutes });
    expect(evidence['subnet-router.source-ip']).toMatchObject({ seen: podIp });
    expect(evidence['subnet-router.path']).toMatchObject({ mode: 'direct', latencyMs: 1 });
    expect(String(evidence['subnet-router.path']!['detail'])).toContain('after 1 pong(s) via DERP');
    expect(evidence['egress.source-ip']).toMatchObject({ seen: '100.101.0.9' });
    // The data plane measured both ways: a pod at the far end of subnet-router, the client's unit for egress.
    expect(evidence['subnet-router.throughput']).toMatchObject({
      server: expect.stringMatching(/^pod tslab-iperf3-\S+ at 10\.0\.17\.5$/),
      path: { mode: 'direct', derpRegion: null },
      mtu: 1280,
    });
    expect(evidence['egress.throughput']).toMatchObject({
      server: expect.stringMatching(/^systemd unit tslab-iperf3-[0-9a-f]{8} on the client /),
      path: { mode: 'derp', derpRegion: 'fra' },
      mtu: 1280,
    });
    expect(cluster.livePods.size).toBe(0);
    const started = clientScripts.filter((s) => s.includes('systemd-run')).length;
    expect(clientScripts.filter((s) => s.includes('systemctl stop')).length).toBe(started);
    expect(clientScripts.some((s) => s.includes(lab.workloads.nginxFqdn))).toBe(true);
    expect(cluster.jobs[0]!.namespace).toBe(lab.workloads.namespace);
    expect(api.requests.some((r) => r.path.endsWith('/devices') && r.query['fields'] === 'all')).toBe(true);
  });

  it('pings the first replica when the Connector runs several', async () => {
    const ha = resolveLab({ lab: 'demo', connectorReplicas: 2 }, { now: new Date('2026-01-01T00:00:00Z') });
    const haProbe = probe(ha);
    await haProbe.pathToRouter();
    expect(clientScripts.at(-1)).toContain("'tslab-demo-router-0'");
  });

  it('fails routes-approved when the service route is advertised but not enabled', async () => {
    const [router] = [
      ...(await createTailscaleApiClient({
        clientId: api.clientId,
        clientSecret: api.clientSecret,
        baseUrl: api.url,
      }).listDevices()),
    ];
    api.device(router!.id)!.enabledRoutes = [lab.network.clusterSubnets[0]];
    // Long enough for one loopback round trip (token + devices) on a loaded machine: a deadline that ends before the
    // first answer reports the timeout instead of the missing route.
    const report = await validateLab(lab, probe(), {
      timeoutMs: 1000,
      initialDelayMs: 5,
      only: ['subnet-router.routes-approved'],
    });
    expect(report.checks[0]).toMatchObject({ status: 'fail' });
    expect(report.checks[0]!.error).toContain(lab.network.serviceCidr);
  });

  it('fails connector-ready while the operator has not caught up with the latest generation', async () => {
    cluster.setCustomObject({
      kind: 'Connector',
      name: lab.tailnet.connectorName,
      generation: 3,
      conditions: [{ type: 'ConnectorReady', status: 'True', observedGeneration: 2 }],
      devices: [{ hostname: 'r', tailnetIPs: [] }],
    });
    const report = await validateLab(lab, probe(), {
      timeoutMs: 30,
      initialDelayMs: 5,
      only: ['subnet-router.connector-ready'],
    });
    expect(report.checks[0]!.error).toMatch(/stale generation/);
  });

  it('flags a public IP on a lab interface but not the NAT gateway', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-nat',
          InterfaceType: 'nat_gateway' as never,
          Association: { PublicIp: '3.3.3.3' },
        },
        { NetworkInterfaceId: 'eni-x', InterfaceType: 'interface', Association: { PublicIp: '54.1.2.3' } },
      ],
    });
    const report = await validateLab(lab, probe(), {
      timeoutMs: 1000,
      only: ['exposure.no-public-endpoints'],
    });
    expect(report.checks[0]!.error).toBe('exposed: public IP 54.1.2.3');
  });

  it('does not count the NAT instance of nat-mode instance as an exposure', async () => {
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-nat', NetworkInterfaces: [{ NetworkInterfaceId: 'eni-natinst' }] }] },
      ],
    });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-natinst',
          InterfaceType: 'interface',
          Association: { PublicIp: '3.4.5.6' },
        },
      ],
    });
    const report = await validateLab(lab, probe(), {
      timeoutMs: 1000,
      only: ['exposure.no-public-endpoints'],
    });
    expect(report.checks[0]).toMatchObject({ status: 'pass', evidence: { publicIps: [] } });
    const lookup = ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters;
    expect(lookup).toEqual(expect.arrayContaining([{ Name: 'tag:Name', Values: ['tslab-demo-nat'] }]));
  });
});
