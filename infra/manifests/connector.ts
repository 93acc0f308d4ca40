// The lab's Connector: the operator-managed subnet router advertising the cluster's pod (VPC) and service routes.
import type { LabConfig } from '../../src/lab/config.ts';
import { labLabels } from './labels.ts';

export const TAILSCALE_API_VERSION = 'tailscale.com/v1alpha1';

export interface ConnectorSpec {
  subnetRouter: { advertiseRoutes: string[] };
  tags: string[];
  replicas: number;
  /** Only with one replica: the CRD rejects hostname when replicas > 1. */
  hostname?: string;
  /** With several replicas: devices are named `<prefix>-<ordinal>`. */
  hostnamePrefix?: string;
}

export interface ConnectorManifest {
  apiVersion: typeof TAILSCALE_API_VERSION;
  kind: 'Connector';
  /** Cluster-scoped: no namespace. */
  metadata: { name: string; labels: Record<string, string> };
  spec: ConnectorSpec;
}

export function connectorManifest(lab: LabConfig): ConnectorManifest {
  const replicas = lab.workloads.connectorReplicas;
  const naming =
    replicas === 1
      ? { hostname: lab.tailnet.routerHostname }
      : { hostnamePrefix: lab.tailnet.routerHostname };
  return {
    apiVersion: TAILSCALE_API_VERSION,
    kind: 'Connector',
    metadata: { name: lab.tailnet.connectorName, labels: labLabels(lab, 'connector') },
    spec: {
      subnetRouter: { advertiseRoutes: [...lab.tailnet.connectorRoutes] },
      // The slot tag is what the policy's autoApprovers approve this lab's routes for.
      tags: [lab.tailnet.proxyTag, lab.tailnet.slotTag],
      replicas,
      ...naming,
    },
  };
}
