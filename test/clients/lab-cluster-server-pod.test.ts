// The measurement's server pod through LabCluster: the REST calls and manifest of createLabCluster (over the loopback
// API server), and the in-memory fake held to the same behaviour.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLabCluster, type LabCluster } from '../../src/clients/kubernetes/lab-cluster.ts';
import { serverPodManifest, serverPodPhase } from '../../src/clients/kubernetes/server-pod.ts';
import { startFakeKubeApiServer, type FakeKubeApiServer, type PodScript } from '../fakes/kube-api-server.ts';
import { FakeLabCluster } from '../fakes/lab-cluster.ts';

const spec = {
  namespace: 'tslab',
  namePrefix: 'tslab-iperf3',
  command: ['iperf3', '-s', '-p', '5201'],
  port: 5201,
  maxSeconds: 60,
  labels: { 'tslab-lab': 'demo' },
};

describe('serverPodManifest', () => {
  it('is a bounded, never-restarted netshoot pod with the lab labels and the port declared', () => {
    expect(serverPodManifest(spec)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: 'tslab-iperf3-',
        namespace: 'tslab',
        labels: { 'app.kubernetes.io/managed-by': 'tslab', 'tslab-lab': 'demo' },
      },
      spec: {
        restartPolicy: 'Never',
        activeDeadlineSeconds: 60,
        terminationGracePeriodSeconds: 2,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        containers: [
          {
            name: 'server',
            image: 'nicolaka/netshoot',
            command: ['iperf3', '-s', '-p', '5201'],
            ports: [{ containerPort: 5201, protocol: 'TCP' }],
          },
        ],
      },
    });
  });

  it('refuses a port or a bound that cannot be', () => {
    expect(() => serverPodManifest({ ...spec, port: 0 })).toThrow(RangeError);
    expect(() => serverPodManifest({ ...spec, maxSeconds: 0 })).toThrow(RangeError);
  });

  it('calls a pod running only once it has an address', () => {
    expect(serverPodPhase({ status: { phase: 'Running' } })).toBe('pending');
    expect(serverPodPhase({ status: { phase: 'Running', podIP: '10.0.1.2' } })).toBe('running');
    expect(serverPodPhase({ status: { phase: 'Failed', podIP: '10.0.1.2' } })).toBe('ended');
  });
});

describe('createLabCluster: server pods over the REST API', () => {
  let server: FakeKubeApiServer;
  let cluster: LabCluster;
  let clock: number;

  beforeEach(async () => {
    server = await startFakeKubeApiServer();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser(
      { name: 'loopback', server: server.url, skipTLSVerify: true },
      { name: 'tester', token: 'static-test-token' },
    );
    clock = 0;
    cluster = createLabCluster(kubeConfig, {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
  });
  afterEach(async () => {
    await server.close();
  });

  const start = (script: PodScript, timeoutMs = 10_000) => {
    server.onPod(() => script);
    return cluster.startServerPod({ ...spec, timeoutMs, pollMs: 1000 });
  };

  it('creates the pod, polls it until it runs with an address, and leaves it running', async () => {
    const pod = await start({ readsBeforeRunning: 3, podIp: '10.64.70.9' });
    expect(pod).toMatchObject({ namespace: 'tslab', podIp: '10.64.70.9', nodeName: 'ip-10-0-1-9' });
    expect(pod.name).toMatch(/^tslab-iperf3-/);
    const [create, ...reads] = server.requests;
    expect(create).toMatchObject({
      method: 'POST',
      path: '/api/v1/namespaces/tslab/pods',
      authorization: 'Bearer static-test-token',
      body: serverPodManifest(spec),
    });
    expect(reads.map((r) => `${r.method} ${r.path}`)).toEqual(
      Array(3).fill(`GET /api/v1/namespaces/tslab/pods/${pod.name}`),
    );
    expect(server.pods.has(`tslab/${pod.name}`)).toBe(true);
  });

  it('deletes the pod, and says already-gone the second time', async () => {
    const pod = await start({});
    expect(await cluster.deletePod('tslab', pod.name)).toBe('deleted');
    expect(await cluster.deletePod('tslab', pod.name)).toBe('already-gone');
    expect(server.pods.size).toBe(0);
    expect(server.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/api/v1/namespaces/tslab/pods/${pod.name}`,
    });
  });

  it('deletes a pod that failed before it served, and says why', async () => {
    await expect(start({ readsBeforeRunning: 1, fails: 'DeadlineExceeded' })).rejects.toThrow(
      /server pod tslab-iperf3-\S+: Failed \(Error \(exit 1\)\) ended before it served/,
    );
    expect(server.pods.size).toBe(0);
    expect(server.requests.at(-1)!.method).toBe('DELETE');
  });

  it('deletes a pod still pending at the deadline, naming what it waits for', async () => {
    await expect(start({ stuckWaiting: 'ImagePullBackOff' }, 5000)).rejects.toThrow(
      /Pending \(ImagePullBackOff\) was not running within 5s/,
    );
    expect(server.pods.size).toBe(0);
    // Polls until the deadline, not for ever.
    expect(server.requests.filter((r) => r.method === 'GET').length).toBe(5);
  });

  it('reports a refused create with the API message, leaving nothing to delete', async () => {
    server.failNext(403, 'Forbidden', 'pods is forbidden: User "tslab" cannot create resource "pods"');
    await expect(start({})).rejects.toThrow(
      /create pod tslab-iperf3-\* in tslab: HTTP 403: pods is forbidden/,
    );
    expect(server.requests).toHaveLength(1);
  });
});

describe('FakeLabCluster: server pods as the real one', () => {
  it('starts, deletes once, and removes a pod whose start failed', async () => {
    const cluster = new FakeLabCluster();
    const pod = await cluster.startServerPod({ ...spec, timeoutMs: 1000 });
    expect(pod).toMatchObject({ namespace: 'tslab', podIp: '10.0.17.5' });
    expect(await cluster.deletePod('tslab', pod.name)).toBe('deleted');
    expect(await cluster.deletePod('tslab', pod.name)).toBe('already-gone');
    cluster.onServerPod(() => ({ error: 'ImagePullBackOff' }));
    await expect(cluster.startServerPod({ ...spec, timeoutMs: 1000 })).rejects.toThrow(/ImagePullBackOff/);
    expect(cluster.livePods.size).toBe(0);
    expect(cluster.deleted).toHaveLength(2);
  });
});
