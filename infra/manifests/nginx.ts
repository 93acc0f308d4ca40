// nginx behind a ClusterIP Service: the page tailnet clients fetch to prove the path works end to end.
import { createHash } from 'node:crypto';
import type { V1ConfigMap, V1Deployment, V1Service } from '@kubernetes/client-node';
import type { LabConfig } from '../../src/lab/config.ts';
import { labLabels, selectorLabels } from './labels.ts';

// ECR Public mirror of the official image: nodes pull through NAT without Docker Hub's anonymous rate limit.
export const NGINX_IMAGE = 'public.ecr.aws/nginx/nginx:1.27-alpine';
const COMPONENT = 'nginx';
const CONFIG_KEY = 'default.conf';

export interface NginxManifests {
  configMap: V1ConfigMap;
  deployment: V1Deployment;
  service: V1Service;
}

/** The Service name is the first label of lab.workloads.nginxFqdn, so the FQDN validation uses always matches. */
export function nginxServiceName(lab: LabConfig): string {
  const name = lab.workloads.nginxFqdn.split('.')[0];
  if (!name) throw new Error(`nginx FQDN '${lab.workloads.nginxFqdn}' has no service label`);
  return name;
}

/** The nonce proves the page comes from this lab; remote_addr shows which address the request arrived from. */
export function nginxConfig(lab: LabConfig): string {
  return [
    'server {',
    '    listen 80;',
    '    location / {',
    '        default_type text/plain;',
    `        return 200 "tslab-lab=${lab.id}\\ntslab-nonce=${lab.workloads.nonce}\\nremote_addr=$remote_addr\\n";`,
    '    }',
    '}',
    '',
  ].join('\n');
}

export function nginxManifests(lab: LabConfig): NginxManifests {
  const name = nginxServiceName(lab);
  const namespace = lab.workloads.namespace;
  const labels = labLabels(lab, COMPONENT);
  const selector = selectorLabels(lab, COMPONENT);
  const config = nginxConfig(lab);
  // Pods restart when the page changes (a new nonce), since nginx reads its config only at start.
  const configHash = createHash('sha256').update(config).digest('hex').slice(0, 16);

  return {
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, labels },
      data: { [CONFIG_KEY]: config },
    },
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { 'tslab/config-hash': configHash } },
          spec: {
            containers: [
              {
                name: COMPONENT,
                image: NGINX_IMAGE,
                ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 5 },
                resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
                volumeMounts: [{ name: 'config', mountPath: '/etc/nginx/conf.d', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        // Pinned (inside the service CIDR's static band) so the DNS check knows the answer to expect.
        clusterIP: lab.workloads.nginxClusterIp,
        selector,
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
      },
    },
  };
}
