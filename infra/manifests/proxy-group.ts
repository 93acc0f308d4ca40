// The optional egress ProxyGroup: a highly available set of egress proxies the egress Service can use.
import type { LabConfig } from '../../src/lab/config.ts';
import { TAILSCALE_API_VERSION } from './connector.ts';
import { labLabels } from './labels.ts';

export interface ProxyGroupManifest {
  apiVersion: typeof TAILSCALE_API_VERSION;
  kind: 'ProxyGroup';
  /** Cluster-scoped: no namespace. */
  metadata: { name: string; labels: Record<string, string> };
  spec: { type: 'egress'; replicas: number; tags: string[]; hostnamePrefix: string };
}

export function proxyGroupManifest(lab: LabConfig): ProxyGroupManifest {
  return {
    apiVersion: TAILSCALE_API_VERSION,
    kind: 'ProxyGroup',
    metadata: { name: lab.workloads.proxyGroupName, labels: labLabels(lab, 'egress-proxy-group') },
    spec: {
      type: 'egress',
      replicas: lab.workloads.egressReplicas,
      tags: [lab.tailnet.proxyTag, lab.tailnet.slotTag],
      hostnamePrefix: lab.tailnet.egressHostname,
    },
  };
}
