// netshoot: an in-cluster shell for validation (curl the egress Service, resolve names) through kubectl exec.
import type { V1Deployment } from '@kubernetes/client-node';
import type { LabConfig } from '../../src/lab/config.ts';
import { labLabels, selectorLabels } from './labels.ts';

export const NETSHOOT_IMAGE = 'nicolaka/netshoot:v0.13';
export const NETSHOOT_NAME = 'netshoot';

export function netshootManifest(lab: LabConfig): V1Deployment {
  const labels = labLabels(lab, NETSHOOT_NAME);
  const selector = selectorLabels(lab, NETSHOOT_NAME);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NETSHOOT_NAME, namespace: lab.workloads.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          // Nothing to serve: it only has to stay up for `kubectl exec`, and stop at once on deletion.
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: NETSHOOT_NAME,
              image: NETSHOOT_IMAGE,
              command: ['sleep', 'infinity'],
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '128Mi' } },
            },
          ],
        },
      },
    },
  };
}
