import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  KubernetesApiError,
  createLabCluster,
  type LabCluster,
} from '../../src/clients/kubernetes/lab-cluster.ts';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-api-server.ts';

let server: FakeKubeApiServer;
let cluster: LabCluster;
let clock: number;
let sleeps: number[];

beforeEach(async () => {
  server = await startFakeKubeApiServer();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    // Plain HTTP on loopback: client-node allows it only with skipTLSVerify.
    { name: 'loopback', server: server.url, skipTLSVerify: true },
    { name: 'tester', token: 'static-test-token' },
  );
  clock = 0;
  sleeps = [];
  cluster = createLabCluster(kubeConfig, {
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
});
afterEach(async () => {
  await server.close();
});

const connector = {
  apiVersion: 'tailscale.com/v1alpha1',
  kind: 'Connector',
  metadata: { name: 'tslab-demo-router', generation: 2 },
  spec: {
    hostname: 'tslab-demo-router',
    subnetRouter: { advertiseRoutes: ['10.64.0.0/16', '172.20.0.0/16'] },
  },
  status: {
    conditions: [
      {
        type: 'ConnectorReady',
        status: 'True',
        reason: 'ConnectorCreated',
        observedGeneration: 2,
        message: 'ok',
      },
    ],
    devices: [
      { hostname: 'tslab-demo-router.tail1234.ts.net', tailnetIPs: ['100.100.1.9', 'fd7a:115c:a1e0::9'] },
    ],
    subnetRoutes: '10.64.0.0/16,172.20.0.0/16',
  },
};

function service(namespace: string, name: string, spec: object, extra: object = {}) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name, ...extra }, spec };
}

describe('LabCluster over the Kubernetes REST API', () => {
  it('gets a cluster-scoped Connector from the tailscale.com/v1alpha1 path and reads its status', async () => {
    server.addCustomObject('connectors', connector);
    const object = await cluster.getCustomObject('Connector', 'tslab-demo-router');
    expect(server.requests[0]).toMatchObject({
      method: 'GET',
      path: '/apis/tailscale.com/v1alpha1/connectors/tslab-demo-router',
      authorization: 'Bearer static-test-token',
    });
    expect(object).toEqual({
      kind: 'Connector',
      name: 'tslab-demo-router',
      generation: 2,
      spec: connector.spec,
      conditions: [
        {
          type: 'ConnectorReady',
          status: 'True',
          reason: 'ConnectorCreated',
          message: 'ok',
          observedGeneration: 2,
        },
      ],
      devices: [
        { hostname: 'tslab-demo-router.tail1234.ts.net', tailnetIPs: ['100.100.1.9', 'fd7a:115c:a1e0::9'] },
      ],
      subnetRoutes: '10.64.0.0/16,172.20.0.0/16',
    });
  });

  it('reads a ProxyGroup that has no status yet as empty conditions and devices', async () => {
    server.addCustomObject('proxygroups', {
      metadata: { name: 'tslab-demo-egress' },
      spec: { type: 'egress' },
    });
    const group = await cluster.getCustomObject('ProxyGroup', 'tslab-demo-egress');
    expect(server.requests[0]!.path).toBe('/apis/tailscale.com/v1alpha1/proxygroups/tslab-demo-egress');
    expect(group).toMatchObject({ kind: 'ProxyGroup', conditions: [], devices: [], subnetRoutes: undefined });
  });

  it('answers undefined for a missing object and "already-gone" when deleting one', async () => {
    server.addCustomObject('connectors', connector);
    expect(await cluster.getCustomObject('Connector', 'nope')).toBeUndefined();
    expect(await cluster.deleteCustomObject('Connector', 'tslab-demo-router')).toBe('deleted');
    expect(server.customObjects.size).toBe(0);
    expect(await cluster.deleteCustomObject('Connector', 'tslab-demo-router')).toBe('already-gone');
    expect(server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      '/apis/tailscale.com/v1alpha1/connectors/tslab-demo-router',
      '/apis/tailscale.com/v1alpha1/connectors/tslab-demo-router',
    ]);
  });

  it('reads an egress Service with its externalName, annotations and operator conditions', async () => {
    server.addService({
      ...service(
        'tslab',
        'lab-client-egress',
        {
          type: 'ExternalName',
          externalName: 'ts-lab-client-egress-abcde.tailscale.svc.cluster.local',
          ports: [{ port: 80, protocol: 'TCP' }],
        },
        { annotations: { 'tailscale.com/tailnet-fqdn': 'tslab-demo-client.tail1234.ts.net' } },
      ),
      status: {
        conditions: [
          {
            type: 'TailscaleProxyReady',
            status: 'True',
            reason: 'ProxyCreated',
            message: '',
            lastTransitionTime: '2026-11-27T10:00:00Z',
          },
        ],
      },
    });
    const egress = await cluster.getService('tslab', 'lab-client-egress');
    expect(server.requests[0]!.path).toBe('/api/v1/namespaces/tslab/services/lab-client-egress');
    expect(egress).toMatchObject({
      type: 'ExternalName',
      externalName: 'ts-lab-client-egress-abcde.tailscale.svc.cluster.local',
      annotations: { 'tailscale.com/tailnet-fqdn': 'tslab-demo-client.tail1234.ts.net' },
      ports: [{ port: 80, protocol: 'TCP' }],
      conditions: [{ type: 'TailscaleProxyReady', status: 'True', reason: 'ProxyCreated' }],
    });
    expect(await cluster.getService('tslab', 'missing')).toBeUndefined();
  });

  it('lists Services of a namespace by label selector', async () => {
    server.addService(
      service('tslab', 'nginx', { type: 'ClusterIP', clusterIP: '172.20.5.5' }, { labels: { app: 'nginx' } }),
    );
    server.addService(service('tslab', 'other', { type: 'ClusterIP' }, { labels: { app: 'other' } }));
    server.addService(service('kube-system', 'nginx', { type: 'ClusterIP' }, { labels: { app: 'nginx' } }));
    const found = await cluster.listServices('tslab', 'app=nginx');
    expect(server.requests[0]).toMatchObject({
      path: '/api/v1/namespaces/tslab/services',
      query: { labelSelector: 'app=nginx' },
    });
    expect(found.map((s) => `${s.namespace}/${s.name} ${s.clusterIP}`)).toEqual(['tslab/nginx 172.20.5.5']);
  });

  it('finds LoadBalancer Services in every namespace, with their cloud addresses', async () => {
    server.addService(service('tslab', 'nginx', { type: 'ClusterIP' }));
    server.addService({
      ...service('default', 'leaky', { type: 'LoadBalancer' }),
      status: { loadBalancer: { ingress: [{ hostname: 'abc.elb.amazonaws.com' }, { ip: '3.3.3.3' }] } },
    });
    const exposed = await cluster.listLoadBalancerServices();
    expect(server.requests[0]!.path).toBe('/api/v1/services');
    expect(exposed.map((s) => [`${s.namespace}/${s.name}`, s.loadBalancerIngress])).toEqual([
      ['default/leaky', ['abc.elb.amazonaws.com', '3.3.3.3']],
    ]);
  });

  it('deletes a Service, and treats a second delete as already gone', async () => {
    server.addService(
      service('tslab', 'lab-client-egress', { type: 'ExternalName', externalName: 'placeholder' }),
    );
    expect(await cluster.deleteService('tslab', 'lab-client-egress')).toBe('deleted');
    expect(await cluster.deleteService('tslab', 'lab-client-egress')).toBe('already-gone');
  });

  it('surfaces other API failures with what was attempted, the status and the API message', async () => {
    server.failNext(
      403,
      'Forbidden',
      'connectors.tailscale.com "x" is forbidden: User "ci" cannot get resource',
    );
    const error = await cluster.getCustomObject('Connector', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error).toMatchObject({ status: 403 });
    expect((error as Error).message).toBe(
      'Could not get Connector x: HTTP 403: connectors.tailscale.com "x" is forbidden: User "ci" cannot get resource',
    );
  });
});

describe('LabCluster probe Jobs', () => {
  it('runs a one-shot netshoot Job, waits for it, returns its logs and deletes it in the background', async () => {
    server.onJob(() => ({ exitCode: 0, logs: 'HTTP/1.1 200 OK\n', pollsBeforeDone: 2 }));
    const run = await cluster.runJob({
      namespace: 'tslab',
      namePrefix: 'tslab-probe',
      command: ['sh', '-c', 'curl -sI http://nginx'],
      timeoutMs: 60_000,
      pollMs: 1000,
    });
    expect(run).toMatchObject({
      namespace: 'tslab',
      outcome: 'succeeded',
      exitCode: 0,
      logs: 'HTTP/1.1 200 OK\n',
    });
    expect(run.name).toMatch(/^tslab-probe-/);
    expect(sleeps).toEqual([1000, 1000]);

    const create = server.requests.find((r) => r.method === 'POST')!;
    expect(create.path).toBe('/apis/batch/v1/namespaces/tslab/jobs');
    expect(create.body).toMatchObject({
      metadata: { generateName: 'tslab-probe-' },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 60,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              { name: 'probe', image: 'nicolaka/netshoot', command: ['sh', '-c', 'curl -sI http://nginx'] },
            ],
          },
        },
      },
    });
    const podList = server.requests.find((r) => r.path === '/api/v1/namespaces/tslab/pods')!;
    expect(podList.query.labelSelector).toBe(`batch.kubernetes.io/job-name=${run.name}`);
    const deletion = server.requests.find((r) => r.method === 'DELETE')!;
    expect(deletion).toMatchObject({
      path: `/apis/batch/v1/namespaces/tslab/jobs/${run.name}`,
      query: { propagationPolicy: 'Background' },
    });
    expect(server.jobs.size).toBe(0);
  });

  it('reports a failing probe with its exit code and output', async () => {
    server.onJob(() => ({ exitCode: 7, logs: 'curl: (7) Failed to connect\n' }));
    const run = await cluster.runJob({
      namespace: 'tslab',
      namePrefix: 'p',
      command: ['false'],
      timeoutMs: 5000,
    });
    expect(run).toMatchObject({ outcome: 'failed', exitCode: 7, logs: 'curl: (7) Failed to connect\n' });
    expect(run.detail).toContain('Error (exit 7)');
    expect(server.jobs.size).toBe(0);
  });

  it('gives up at the timeout, says why the pod never ran, and still deletes the Job', async () => {
    server.onJob(() => ({ exitCode: 0, logs: '', stuckWaiting: 'ErrImagePull' }));
    const run = await cluster.runJob({
      namespace: 'tslab',
      namePrefix: 'p',
      command: ['true'],
      timeoutMs: 10_000,
      pollMs: 2000,
    });
    expect(run).toMatchObject({ outcome: 'timed-out', exitCode: undefined, logs: '' });
    expect(run.detail).toMatch(/Pending \(ErrImagePull\)/);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(server.jobs.size).toBe(0);
  });

  it('deletes the Job even when waiting for it fails', async () => {
    server.onJob(() => {
      // The first read of the Job after its creation is refused.
      server.failNext(500, 'InternalError', 'etcdserver: request timed out');
      return { exitCode: 0, logs: '', pollsBeforeDone: 5 };
    });
    const error = await cluster
      .runJob({ namespace: 'tslab', namePrefix: 'p', command: ['true'], timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Could not read Job tslab\/p-.*: HTTP 500: etcdserver/);
    expect(server.jobs.size).toBe(0);
  });
});
