// The egress Service: cluster workloads reach the lab client (a tailnet device) through it.
import type { V1Service } from '@kubernetes/client-node';
import type { LabConfig } from '../../src/lab/config.ts';
import { THROUGHPUT_PORT } from '../../src/lab/measurement.ts';
import { labLabels } from './labels.ts';

/** Annotations the operator reads on an egress Service (cmd/k8s-operator/sts.go). */
export const EGRESS_ANNOTATIONS = {
  tailnetIp: 'tailscale.com/tailnet-ip',
  tags: 'tailscale.com/tags',
  hostname: 'tailscale.com/hostname',
  proxyGroup: 'tailscale.com/proxy-group',
} as const;

/** The operator rewrites spec.externalName to its proxy's Service; this is only the initial value it expects. */
export const EGRESS_PLACEHOLDER_EXTERNAL_NAME = 'placeholder';

/**
 * @param clientTailnetIp the lab client's IPv4 tailnet address (a Terraform or Helm expression when rendered before
 *   apply).
 */
export function egressServiceManifest(lab: LabConfig, clientTailnetIp: string): V1Service {
  const annotations: Record<string, string> = {
    [EGRESS_ANNOTATIONS.tailnetIp]: clientTailnetIp,
    [EGRESS_ANNOTATIONS.tags]: [lab.tailnet.proxyTag, lab.tailnet.slotTag].join(','),
  };
  if (lab.workloads.egressProxyGroup) {
    annotations[EGRESS_ANNOTATIONS.proxyGroup] = lab.workloads.proxyGroupName;
  } else {
    // A single proxy takes its device name from this annotation; a ProxyGroup names devices from its own spec.
    annotations[EGRESS_ANNOTATIONS.hostname] = lab.tailnet.egressHostname;
  }
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: lab.workloads.egressServiceName,
      namespace: lab.workloads.namespace,
      labels: labLabels(lab, 'client-egress'),
      annotations,
    },
    spec: {
      type: 'ExternalName',
      externalName: EGRESS_PLACEHOLDER_EXTERNAL_NAME,
      // A ProxyGroup egress Service must declare at least one port, and its proxies forward only the declared ones
      // (cmd/k8s-operator/egress-services.go maps each to a port of their own); a single proxy forwards every port.
      // The client serves HTTP on 80, and iperf3 on THROUGHPUT_PORT while the data plane is measured.
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'iperf3', port: THROUGHPUT_PORT, protocol: 'TCP', targetPort: THROUGHPUT_PORT },
      ],
    },
  };
}
