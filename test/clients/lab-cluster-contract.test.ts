// The in-memory FakeLabCluster and the real createLabCluster (over the loopback API server) must answer alike, so
// tests written against the fake say something about the real thing.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createLabCluster, type LabCluster } from '../../src/clients/kubernetes/lab-cluster.ts';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-api-server.ts';
import { FakeLabCluster } from '../fakes/lab-cluster.ts';

interface Seeded {
  cluster: LabCluster;
  close(): Promise<void>;
}

interface Seed {
  connector: { name: string; ready: boolean; hostname: string; ips: string[] };
  services: { namespace: string; name: string; type: string; labels: Record<string, string>; lb?: string }[];
  job: { exitCode: number; logs: string };
}

const seed: Seed = {
  connector: {
    name: 'tslab-demo-router',
    ready: true,
    hostname: 'tslab-demo-router.t.ts.net',
    ips: ['100.100.1.9'],
  },
  services: [
    { namespace: 'tslab', name: 'nginx', type: 'ClusterIP', labels: { app: 'nginx' } },
    { namespace: 'tslab', name: 'other', type: 'ClusterIP', labels: { app: 'other' } },
    { namespace: 'default', name: 'leaky', type: 'LoadBalancer', labels: {}, lb: '3.3.3.3' },
  ],
  job: { exitCode: 0, logs: 'PING ok\n' },
};

const condition = (ready: boolean) => ({
  type: 'ConnectorReady',
  status: ready ? 'True' : 'False',
  reason: ready ? 'ConnectorCreated' : 'ConnectorCreating',
});

async function real(): Promise<Seeded> {
  const server: FakeKubeApiServer = await startFakeKubeApiServer();
  const { connector } = seed;
  server.addCustomObject('connectors', {
    metadata: { name: connector.name, generation: 1 },
    spec: {},
    status: {
      conditions: [condition(connector.ready)],
      devices: [{ hostname: connector.hostname, tailnetIPs: connector.ips }],
    },
  });
  for (const s of seed.services) {
    server.addService({
      metadata: { namespace: s.namespace, name: s.name, labels: s.labels },
      spec: { type: s.type },
      ...(s.lb ? { status: { loadBalancer: { ingress: [{ ip: s.lb }] } } } : {}),
    });
  }
  server.onJob(() => seed.job);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: 'c', server: server.url, skipTLSVerify: true },
    { name: 'u', token: 't' },
  );
  return {
    cluster: createLabCluster(kubeConfig, { sleep: async () => undefined }),
    close: () => server.close(),
  };
}

async function fake(): Promise<Seeded> {
  const cluster = new FakeLabCluster();
  const { connector } = seed;
  cluster.setCustomObject({
    kind: 'Connector',
    name: connector.name,
    conditions: [condition(connector.ready)],
    devices: [{ hostname: connector.hostname, tailnetIPs: connector.ips }],
  });
  for (const s of seed.services) {
    cluster.setService({
      namespace: s.namespace,
      name: s.name,
      type: s.type,
      labels: s.labels,
      loadBalancerIngress: s.lb ? [s.lb] : [],
    });
  }
  cluster.onJob(() => ({ outcome: 'succeeded', ...seed.job }));
  return { cluster, close: async () => undefined };
}

describe.each([
  ['createLabCluster over the REST API', real],
  ['FakeLabCluster', fake],
])('LabCluster contract: %s', (_name, start) => {
  let current: Seeded | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const cluster = async () => (current = await start()).cluster;

  it('reads the Connector status the same way', async () => {
    const object = await (await cluster()).getCustomObject('Connector', 'tslab-demo-router');
    expect(object).toMatchObject({
      kind: 'Connector',
      name: 'tslab-demo-router',
      conditions: [condition(true)],
      devices: [{ hostname: 'tslab-demo-router.t.ts.net', tailnetIPs: ['100.100.1.9'] }],
    });
  });

  it('answers undefined for a missing object and already-gone for a second delete', async () => {
    const c = await cluster();
    expect(await c.getCustomObject('ProxyGroup', 'none')).toBeUndefined();
    expect(await c.deleteCustomObject('Connector', 'tslab-demo-router')).toBe('deleted');
    expect(await c.deleteCustomObject('Connector', 'tslab-demo-router')).toBe('already-gone');
    expect(await c.getCustomObject('Connector', 'tslab-demo-router')).toBeUndefined();
    expect(await c.deleteService('tslab', 'nope')).toBe('already-gone');
  });

  it('selects Services by label and finds LoadBalancers everywhere', async () => {
    const c = await cluster();
    expect((await c.listServices('tslab', 'app=nginx')).map((s) => s.name)).toEqual(['nginx']);
    expect((await c.listServices('tslab')).map((s) => s.name).sort()).toEqual(['nginx', 'other']);
    const exposed = await c.listLoadBalancerServices();
    expect(exposed.map((s) => [s.namespace, s.name, s.loadBalancerIngress])).toEqual([
      ['default', 'leaky', ['3.3.3.3']],
    ]);
  });

  it('runs a probe Job and returns its outcome and logs', async () => {
    const run = await (
      await cluster()
    ).runJob({ namespace: 'tslab', namePrefix: 'tslab-probe', command: ['true'], timeoutMs: 5000 });
    expect(run).toMatchObject({ namespace: 'tslab', outcome: 'succeeded', exitCode: 0, logs: 'PING ok\n' });
    expect(run.name.startsWith('tslab-probe-')).toBe(true);
  });
});
