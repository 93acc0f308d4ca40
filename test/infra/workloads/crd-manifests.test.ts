import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { connectorManifest } from '../../../infra/manifests/connector.ts';
import { EGRESS_ANNOTATIONS, egressServiceManifest } from '../../../infra/manifests/egress-service.ts';
import { proxyGroupManifest } from '../../../infra/manifests/proxy-group.ts';
import { THROUGHPUT_PORT } from '../../../src/lab/measurement.ts';
import { loadCrdValidator } from './crd-validator.ts';
import { demoLab } from './lab-fixture.ts';

const connectorCrd = loadCrdValidator('tailscale.com_connectors.json');
const proxyGroupCrd = loadCrdValidator('tailscale.com_proxygroups.json');
const CLIENT_IP = '100.101.102.103';

describe('Connector manifest', () => {
  it.each([1, 3])('validates against the Connector CRD with %i replica(s)', (replicas) => {
    const manifest = connectorManifest(demoLab({ connectorReplicas: replicas }));
    expect(manifest.kind).toBe(connectorCrd.kind);
    expect(connectorCrd.validate(manifest)).toEqual([]);
  });

  it('names a single router by hostname and several by hostnamePrefix', () => {
    const lab = demoLab();
    expect(connectorManifest(lab).spec).toMatchObject({ hostname: lab.tailnet.routerHostname, replicas: 1 });
    const ha = connectorManifest(demoLab({ connectorReplicas: 3 })).spec;
    expect(ha).toMatchObject({ hostnamePrefix: lab.tailnet.routerHostname, replicas: 3 });
    expect(ha).not.toHaveProperty('hostname');
  });

  it("advertises exactly the lab's routes, tagged with the proxy and slot tags", () => {
    const lab = demoLab();
    const manifest = connectorManifest(lab);
    expect(manifest.metadata.name).toBe(lab.tailnet.connectorName);
    expect(manifest.spec.subnetRouter.advertiseRoutes).toEqual(lab.tailnet.connectorRoutes);
    expect(manifest.spec.tags).toEqual([lab.tailnet.proxyTag, lab.tailnet.slotTag]);
  });

  it('is rejected by the CRD rules when hostname is combined with several replicas', () => {
    const manifest = connectorManifest(demoLab({ connectorReplicas: 3 }));
    const broken = { ...manifest, spec: { ...manifest.spec, hostname: 'tslab-demo-router' } };
    expect(connectorCrd.validate(broken)).toEqual([
      '/spec The hostname field cannot be specified when replicas is greater than 1.',
      '/spec The hostname and hostnamePrefix fields are mutually exclusive.',
    ]);
  });

  it('is rejected by the CRD schema for a malformed tag, a bad route and an unknown field', () => {
    const manifest = connectorManifest(demoLab());
    const broken = {
      ...manifest,
      spec: {
        ...manifest.spec,
        tags: ['tslab-s1'],
        subnetRouter: { advertiseRoutes: ['10.0.0.0/33'] },
        hostnamePrefx: 'typo',
      },
    };
    const errors = connectorCrd.validate(broken).join('\n');
    expect(errors).toContain('/spec/tags/0 must match pattern');
    expect(errors).toContain('/spec/subnetRouter/advertiseRoutes/0 must match format "cidr"');
    expect(errors).toContain('/spec must NOT have additional properties');
  });
});

describe('ProxyGroup manifest', () => {
  it.each([1, 3])('validates against the ProxyGroup CRD with %i replica(s)', (replicas) => {
    const manifest = proxyGroupManifest(demoLab({ egressProxyGroup: true, egressReplicas: replicas }));
    expect(manifest.kind).toBe(proxyGroupCrd.kind);
    expect(proxyGroupCrd.validate(manifest)).toEqual([]);
  });

  it('is an egress group carrying the proxy and slot tags', () => {
    const lab = demoLab({ egressProxyGroup: true });
    expect(proxyGroupManifest(lab)).toMatchObject({
      metadata: { name: lab.workloads.proxyGroupName },
      spec: {
        type: 'egress',
        replicas: lab.workloads.egressReplicas,
        tags: [lab.tailnet.proxyTag, lab.tailnet.slotTag],
      },
    });
  });

  it('is rejected by the CRD schema for an unknown type and a malformed tag', () => {
    const manifest = proxyGroupManifest(demoLab({ egressProxyGroup: true }));
    const broken = { ...manifest, spec: { ...manifest.spec, type: 'sideways', tags: ['tag:1st'] } };
    const errors = proxyGroupCrd.validate(broken).join('\n');
    expect(errors).toContain('/spec/type must be equal to one of the allowed values');
    expect(errors).toContain('/spec/tags/0 must match pattern');
  });
});

// The operator's own rules for egress Services (svc.go, egress-services.go), since core kinds have no CRD.
function egressServiceViolations(service: ReturnType<typeof egressServiceManifest>): string[] {
  const violations: string[] = [];
  const annotations = service.metadata?.annotations ?? {};
  if (service.spec?.type !== 'ExternalName') violations.push('type must be ExternalName');
  if (!service.spec?.ports?.length) violations.push('must declare at least one port');
  // The API server's own rule for a Service of several ports: each named, no name twice.
  const names = (service.spec?.ports ?? []).map((p) => p.name);
  if (names.some((n) => !n)) violations.push('every port must be named');
  if (new Set(names).size !== names.length) violations.push('port names must be unique');
  const targets = [EGRESS_ANNOTATIONS.tailnetIp, 'tailscale.com/tailnet-fqdn'].filter(
    (a) => a in annotations,
  );
  if (targets.length !== 1) violations.push('needs exactly one of tailnet-ip / tailnet-fqdn');
  const ip = annotations[EGRESS_ANNOTATIONS.tailnetIp];
  if (ip !== undefined && !ipaddr.isValid(ip)) violations.push(`tailnet-ip '${ip}' is not an IP address`);
  for (const tag of (annotations[EGRESS_ANNOTATIONS.tags] ?? '').split(',')) {
    if (!/^tag:[a-zA-Z][a-zA-Z0-9-]*$/.test(tag)) violations.push(`tag '${tag}' is malformed`);
  }
  return violations;
}

describe('egress Service manifest', () => {
  it.each([false, true])('meets the operator egress rules (ProxyGroup: %s)', (egressProxyGroup) => {
    const service = egressServiceManifest(demoLab({ egressProxyGroup }), CLIENT_IP);
    expect(egressServiceViolations(service)).toEqual([]);
  });

  it('targets the client by tailnet IP with the proxy and slot tags', () => {
    const lab = demoLab();
    const service = egressServiceManifest(lab, CLIENT_IP);
    expect(service.metadata).toMatchObject({
      name: lab.workloads.egressServiceName,
      namespace: lab.workloads.namespace,
    });
    expect(service.spec).toMatchObject({ type: 'ExternalName', externalName: 'placeholder' });
    expect(service.spec?.ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'iperf3', port: THROUGHPUT_PORT, protocol: 'TCP', targetPort: THROUGHPUT_PORT },
    ]);
    expect(service.metadata?.annotations).toEqual({
      [EGRESS_ANNOTATIONS.tailnetIp]: CLIENT_IP,
      [EGRESS_ANNOTATIONS.tags]: `${lab.tailnet.proxyTag},${lab.tailnet.slotTag}`,
      [EGRESS_ANNOTATIONS.hostname]: lab.tailnet.egressHostname,
    });
  });

  it("declares iperf3's port beside HTTP: a ProxyGroup's proxies forward the declared ports only", () => {
    for (const egressProxyGroup of [false, true]) {
      const ports = egressServiceManifest(demoLab({ egressProxyGroup }), CLIENT_IP).spec?.ports ?? [];
      expect(ports.map((p) => [p.port, p.protocol])).toEqual([
        [80, 'TCP'],
        [5201, 'TCP'],
      ]);
    }
  });

  it('points at the ProxyGroup instead of naming its own proxy when the lab uses one', () => {
    const lab = demoLab({ egressProxyGroup: true });
    const annotations = egressServiceManifest(lab, CLIENT_IP).metadata?.annotations ?? {};
    expect(annotations[EGRESS_ANNOTATIONS.proxyGroup]).toBe(lab.workloads.proxyGroupName);
    expect(annotations).not.toHaveProperty(EGRESS_ANNOTATIONS.hostname);
  });

  it('fails the operator rules when the tailnet IP is not an address', () => {
    const service = egressServiceManifest(demoLab(), 'tslab-demo-client');
    expect(egressServiceViolations(service)).toEqual(["tailnet-ip 'tslab-demo-client' is not an IP address"]);
  });
});
