// The AWS probe's part of the data-plane measurement over fakes at the boundary: the iperf3 server pod (Kubernetes
// API), the iperf3 server on the client and the tunnel's MTU (SSM), the egress proxy's path (Tailscale API + SSM).
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { mockClient } from 'aws-sdk-client-mock';
import { EKSClient } from '@aws-sdk/client-eks';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsLabProbe, clientServerScript, stopClientUnitScript } from '../../../src/targets/aws/probe.ts';
import { measureScenario } from '../../../src/checks/data-plane.ts';
import { createLabCluster, type LabCluster } from '../../../src/clients/kubernetes/lab-cluster.ts';
import { resolveLab, type LabConfig } from '../../../src/lab/config.ts';
import { THROUGHPUT_PORT, THROUGHPUT_SERVER_MAX_SECONDS } from '../../../src/lab/measurement.ts';
import { createTailscaleApiClient } from '../../../src/clients/tailscale/api-client.ts';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-api-server.ts';
import { healthyMeasurementOutput } from '../../fakes/fake-probe.ts';
import { FakeLabCluster } from '../../fakes/lab-cluster.ts';
import { startFakeTailscaleApi, type FakeTailscaleApi } from '../../fakes/tailscale-api.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const lab = resolveLab({ lab: 'demo' }, { now: NOW });
const bounds = { port: THROUGHPUT_PORT, maxSeconds: THROUGHPUT_SERVER_MAX_SECONDS };

interface ClientAnswer {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

let api: FakeTailscaleApi;
let ssm: ReturnType<typeof mockClient>;
let clientScripts: string[];
let answer: (script: string) => ClientAnswer;

beforeEach(async () => {
  api = await startFakeTailscaleApi();
  clientScripts = [];
  answer = () => ({});
  ssm = mockClient(SSMClient);
  const sent = new Map<string, string>();
  ssm.on(SendCommandCommand).callsFake((input: { Parameters: { commands: string[] } }) => {
    const id = `cmd-${sent.size}`;
    sent.set(id, input.Parameters.commands[0]!);
    clientScripts.push(input.Parameters.commands[0]!);
    return { Command: { CommandId: id } };
  });
  ssm.on(GetCommandInvocationCommand).callsFake((input: { CommandId: string }) => {
    const result = answer(sent.get(input.CommandId)!);
    return {
      Status: (result.exitCode ?? 0) === 0 ? 'Success' : 'Failed',
      ResponseCode: result.exitCode ?? 0,
      StandardOutputContent: result.stdout ?? '',
      StandardErrorContent: result.stderr ?? '',
    };
  });
});

afterEach(async () => {
  await api.close();
});

function probe(cluster: LabCluster, forLab: LabConfig = lab): AwsLabProbe {
  return new AwsLabProbe(forLab, {
    cluster,
    tailscale: createTailscaleApiClient({
      clientId: api.clientId,
      clientSecret: api.clientSecret,
      baseUrl: api.url,
    }),
    ssm: ssm as unknown as SSMClient,
    eks: mockClient(EKSClient) as unknown as EKSClient,
    ec2: mockClient(EC2Client) as unknown as EC2Client,
    clientInstanceId: 'i-0abc',
    pollMs: 1,
  });
}

describe('subnet-router: iperf3 in a pod the client reaches through the Connector', () => {
  it('starts a bounded netshoot pod in the lab namespace with the lab labels and hands out its address', async () => {
    const cluster = new FakeLabCluster();
    cluster.onServerPod(() => ({ podIp: '10.64.70.9' }));
    const server = await probe(cluster).startThroughputServer('subnet-router', bounds);
    const [spec] = cluster.serverPods;
    expect(spec).toMatchObject({
      namespace: lab.workloads.namespace,
      namePrefix: 'tslab-iperf3',
      command: ['iperf3', '-s', '-p', '5201'],
      port: 5201,
      maxSeconds: THROUGHPUT_SERVER_MAX_SECONDS,
      labels: { 'tslab-lab': lab.id, 'app.kubernetes.io/name': 'tslab-iperf3' },
    });
    // It waits no longer than the pod may live.
    expect(spec!.timeoutMs).toBeLessThanOrEqual(THROUGHPUT_SERVER_MAX_SECONDS * 1000);
    expect(server).toMatchObject({
      host: '10.64.70.9',
      port: 5201,
      where: `pod ${spec!.name} at 10.64.70.9`,
    });
    expect(clientScripts).toEqual([]);
  });

  it('deletes the pod on stop(), once however often it is called', async () => {
    const cluster = new FakeLabCluster();
    const server = await probe(cluster).startThroughputServer('subnet-router', bounds);
    await Promise.all([server.stop(), server.stop()]);
    await server.stop();
    expect(cluster.deleted).toEqual([`Pod ${lab.workloads.namespace}/${cluster.serverPods[0]!.name}`]);
    expect(cluster.livePods.size).toBe(0);
  });

  it('leaves no pod behind when the pod never runs', async () => {
    const cluster = new FakeLabCluster();
    cluster.onServerPod(() => ({ error: 'ImagePullBackOff' }));
    await expect(probe(cluster).startThroughputServer('subnet-router', bounds)).rejects.toThrow(
      /ImagePullBackOff/,
    );
    expect(cluster.livePods.size).toBe(0);
  });

  it('deletes the pod when the measurement itself fails', async () => {
    const cluster = new FakeLabCluster();
    answer = (script) =>
      script.includes('tslab:latency') ? { exitCode: 1, stderr: 'iperf3: error - unable to connect' } : {};
    await expect(measureScenario(lab, probe(cluster), 'subnet-router')).rejects.toThrow(/not measured/);
    expect(cluster.serverPods).toHaveLength(1);
    expect(cluster.livePods.size).toBe(0);
    // The client measured the pod's address on iperf3's port.
    const measuring = clientScripts.find((s) => s.includes('tslab:latency'))!;
    expect(measuring).toContain("iperf3 -c '10.0.17.5' -p 5201 -t 3");
  });

  it('measures end to end and names the pod in the figures', async () => {
    const cluster = new FakeLabCluster();
    answer = (script) => {
      if (script.includes('tslab:latency')) return { stdout: healthyMeasurementOutput() };
      if (script.startsWith('tailscale ping'))
        return { stdout: 'pong from tslab-demo-router (100.101.0.5) via DERP(fra) in 21ms\n' };
      if (script.includes('tailscale0/mtu')) return { stdout: '1280\n' };
      return {};
    };
    const measurement = await measureScenario(lab, probe(cluster), 'subnet-router');
    expect(measurement).toMatchObject({
      server: `pod ${cluster.serverPods[0]!.name} at 10.0.17.5`,
      path: { mode: 'derp', derpRegion: 'fra' },
      mtu: 1280,
      label: expect.stringContaining("the lab's EC2 client"),
    });
    expect(cluster.livePods.size).toBe(0);
  });
});

describe('subnet-router over the Kubernetes REST API', () => {
  let server: FakeKubeApiServer;
  beforeEach(async () => {
    server = await startFakeKubeApiServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('POSTs the pod spec the contract asks for and DELETEs it on stop()', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser(
      { name: 'loopback', server: server.url, skipTLSVerify: true },
      { name: 'tester', token: 't' },
    );
    server.onPod(() => ({ readsBeforeRunning: 2, podIp: '10.64.70.11' }));
    const running = await probe(createLabCluster(kubeConfig)).startThroughputServer('subnet-router', bounds);
    const create = server.requests.find((r) => r.method === 'POST')!;
    expect(create.path).toBe(`/api/v1/namespaces/${lab.workloads.namespace}/pods`);
    expect(create.body).toMatchObject({
      kind: 'Pod',
      metadata: {
        generateName: 'tslab-iperf3-',
        labels: {
          'app.kubernetes.io/managed-by': 'tslab',
          'app.kubernetes.io/name': 'tslab-iperf3',
          'tslab-lab': lab.id,
        },
      },
      spec: {
        restartPolicy: 'Never',
        activeDeadlineSeconds: THROUGHPUT_SERVER_MAX_SECONDS,
        containers: [{ image: 'nicolaka/netshoot', command: ['iperf3', '-s', '-p', '5201'] }],
      },
    });
    expect(running.host).toBe('10.64.70.11');
    expect(server.pods.size).toBe(1);
    await running.stop();
    await running.stop();
    expect(server.pods.size).toBe(0);
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });
});

describe('egress: iperf3 on the client, reached through the egress Service and proxy', () => {
  const unitOf = (script: string) => /--unit=(tslab-iperf3-[0-9a-f]{8}) /.exec(script)?.[1];

  it('starts a transient unit that systemd ends after maxSeconds, and stops that unit', async () => {
    const server = await probe(new FakeLabCluster()).startThroughputServer('egress', bounds);
    expect(clientScripts).toHaveLength(1);
    const unit = unitOf(clientScripts[0]!);
    expect(unit).toBeDefined();
    expect(clientScripts[0]).toContain(
      `systemd-run --unit=${unit} --collect --service-type=exec --property=RuntimeMaxSec=${THROUGHPUT_SERVER_MAX_SECONDS} --property=TimeoutStopSec=5 iperf3 -s -p 5201 -B "$addr"`,
    );
    // Bound to the client's tailnet address only: the egress proxy's destination, not the VPC side.
    expect(clientScripts[0]).toContain('addr=$(tailscale ip -4 | head -n 1)');
    expect(server).toEqual({
      host: lab.workloads.egressFqdn,
      port: 5201,
      where: `systemd unit ${unit} on the client ${lab.client.hostname}`,
      stop: expect.any(Function),
    });
    await server.stop();
    await server.stop();
    expect(clientScripts.slice(1)).toEqual([stopClientUnitScript(unit!)]);
    expect(clientScripts[1]).toContain(`systemctl stop ${unit}.service`);
  });

  it('gives each server a unit of its own', async () => {
    const p = probe(new FakeLabCluster());
    await p.startThroughputServer('egress', bounds);
    await p.startThroughputServer('egress', bounds);
    const [a, b] = clientScripts.map(unitOf);
    expect(a).not.toBe(b);
  });

  it('stops the unit and says why when the server does not come up', async () => {
    answer = (script) =>
      script.includes('systemd-run')
        ? {
            exitCode: 1,
            stderr: 'iperf3 in x is not listening on port 5201\niperf3: error - Address already in use',
          }
        : {};
    await expect(probe(new FakeLabCluster()).startThroughputServer('egress', bounds)).rejects.toThrow(
      /did not start on the client .*Address already in use/,
    );
    expect(clientScripts).toHaveLength(2);
    expect(clientScripts[1]).toBe(stopClientUnitScript(unitOf(clientScripts[0]!)!));
  });

  it('reports a failed stop, and lets a later stop() try again', async () => {
    const server = await probe(new FakeLabCluster()).startThroughputServer('egress', bounds);
    answer = () => ({ exitCode: 1, stderr: 'still running' });
    await expect(server.stop()).rejects.toThrow(
      /could not stop tslab-iperf3-\w+ on the client: still running/,
    );
    answer = () => ({});
    await server.stop();
    expect(clientScripts).toHaveLength(3);
  });

  it('refuses bounds that cannot be', async () => {
    const p = probe(new FakeLabCluster());
    await expect(p.startThroughputServer('egress', { port: 70_000, maxSeconds: 60 })).rejects.toThrow(
      RangeError,
    );
    await expect(p.startThroughputServer('subnet-router', { port: 5201, maxSeconds: 0 })).rejects.toThrow(
      RangeError,
    );
    expect(clientScripts).toEqual([]);
  });

  it('checks that the unit itself listens, and shows its journal when it does not', () => {
    const script = clientServerScript('tslab-iperf3-0badcafe', 5201, 60);
    expect(script).toContain("ss -Hltnp 'sport = :5201'");
    expect(script).toContain('systemctl show --property=MainPID --value tslab-iperf3-0badcafe.service');
    expect(script).toContain('journalctl --unit=tslab-iperf3-0badcafe.service');
    expect(script.split('\n').at(-1)).toBe('exit 1');
  });
});

describe('the egress path and the tunnel MTU', () => {
  const pong = 'pong from tslab-demo-egress (100.64.0.2) via DERP(fra) in 23ms\n';

  it('pings the single egress proxy by its tailnet address and reads the DERP region', async () => {
    const proxy = api.addDevice({
      hostname: lab.tailnet.egressHostname,
      tags: ['tag:k8s', lab.tailnet.slotTag],
    });
    answer = (script) => (script.startsWith('tailscale ping') ? { stdout: pong } : {});
    const path = await probe(new FakeLabCluster()).pathToEgressProxy();
    expect(clientScripts).toHaveLength(1);
    expect(clientScripts[0]).toMatch(
      new RegExp(`^tailscale ping -c 5 --until-direct=false '${proxy.addresses[0]}' 2>&1\n`),
    );
    expect(path).toEqual({
      mode: 'derp',
      derpRegion: 'fra',
      latencyMs: 23,
      detail: pong.trim(),
    });
  });

  it("pings a ProxyGroup's first replica", async () => {
    const pg = resolveLab({ lab: 'demo', egressProxyGroup: true }, { now: NOW });
    api.addDevice({ hostname: `${pg.tailnet.egressHostname}-1` });
    const first = api.addDevice({ hostname: `${pg.tailnet.egressHostname}-0` });
    answer = () => ({
      stdout: `pong from ${pg.tailnet.egressHostname}-0 (${first.addresses[0]}) via 10.64.66.4:41641 in 1ms\n`,
    });
    const path = await probe(new FakeLabCluster(), pg).pathToEgressProxy();
    expect(clientScripts[0]).toMatch(
      new RegExp(`^tailscale ping -c 5 --until-direct=false '${first.addresses[0]}' 2>&1\n`),
    );
    expect(path).toMatchObject({ mode: 'direct', latencyMs: 1 });
  });

  it('reads the path from tailscale status when no pong came back', async () => {
    const proxy = api.addDevice({ hostname: lab.tailnet.egressHostname });
    const status = readFileSync(
      new URL('../../fixtures/tailscale-output/status.json', import.meta.url),
      'utf8',
    );
    const noReply = readFileSync(
      new URL('../../fixtures/tailscale-output/ping-no-reply.txt', import.meta.url),
      'utf8',
    );
    // The sample's egress proxy is relayed through DERP fra; the probe asks for it by the device's address.
    const statusPeer = (
      JSON.parse(status) as { Peer: Record<string, { HostName: string; TailscaleIPs: string[] }> }
    ).Peer;
    const sampleProxy = Object.values(statusPeer).find((p) => p.HostName === 'tslab-demo-egress')!;
    answer = () => ({
      stdout: `${noReply}--- tslab:status\n${status.replaceAll(sampleProxy.TailscaleIPs[0]!, proxy.addresses[0]!)}`,
    });
    const path = await probe(new FakeLabCluster()).pathToEgressProxy();
    expect(path).toMatchObject({ mode: 'derp', derpRegion: 'fra' });
    expect(path.detail).toMatch(/^no pong \(no reply\); tailscale status: /);
  });

  it('says unknown, without running anything, when the proxy is not on the tailnet', async () => {
    const path = await probe(new FakeLabCluster()).pathToEgressProxy();
    expect(path).toEqual({ mode: 'unknown', detail: `${lab.tailnet.egressHostname}: not on the tailnet` });
    expect(clientScripts).toEqual([]);
  });

  it("reads tailscale0's MTU on the client", async () => {
    answer = () => ({ stdout: '1280\n' });
    expect(await probe(new FakeLabCluster()).tunnelMtu()).toBe(1280);
    expect(clientScripts).toEqual(['cat /sys/class/net/tailscale0/mtu']);
    answer = () => ({ exitCode: 1, stderr: 'cat: /sys/class/net/tailscale0/mtu: No such file or directory' });
    await expect(probe(new FakeLabCluster()).tunnelMtu()).rejects.toThrow(/No such file/);
  });

  it('labels its figures as the EC2 client and EKS pods over Tailscale', () => {
    expect(probe(new FakeLabCluster()).measurementLabel).toBe(
      `the lab's EC2 client (${lab.client.instanceType}) ↔ EKS pods (${lab.cluster.nodeInstanceType} nodes) over Tailscale, on AWS`,
    );
  });
});
