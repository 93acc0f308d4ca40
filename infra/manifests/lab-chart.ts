// The lab's own small Helm chart: every in-cluster object of the lab, rendered from the pure manifest builders.
//
// Why a chart (docs/design/eks.md §3): the Connector and ProxyGroup kinds only exist once the operator
// release has installed their CRDs, and kubernetes_manifest needs them at plan time, so one apply could not both
// install the operator and create them. helm_release only talks to the cluster at apply time, after the operator
// release it depends on. The plain objects (nginx, netshoot, the egress Service) ride along in the same chart: one
// rendering path from the builders validate and teardown reuse, and Helm's three-way merge leaves the fields the
// operator rewrites (the egress Service's externalName) alone, where a kubernetes_* resource would report drift.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { LabConfig } from '../../src/lab/config.ts';
import { connectorManifest } from './connector.ts';
import { egressServiceManifest } from './egress-service.ts';
import { netshootManifest } from './netshoot.ts';
import { nginxManifests } from './nginx.ts';
import { proxyGroupManifest } from './proxy-group.ts';

export const LAB_CHART = { name: 'tslab-lab', version: '0.1.0', releaseName: 'tslab-lab' } as const;

/** The chart value the stack sets (helm_release `set`) to the client's IPv4 tailnet address. */
export const CLIENT_TAILNET_IP_VALUE = 'clientTailnetIp';
const CLIENT_TAILNET_IP_TEMPLATE = `{{ .Values.${CLIENT_TAILNET_IP_VALUE} }}`;

export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
}

/** The lab's in-cluster objects, in the order a reader expects; Helm orders the install by kind itself. */
export function labChartObjects(lab: LabConfig, clientTailnetIp: string): KubernetesObject[] {
  const nginx = nginxManifests(lab);
  return [
    nginx.configMap,
    nginx.deployment,
    nginx.service,
    netshootManifest(lab),
    connectorManifest(lab),
    ...(lab.workloads.egressProxyGroup ? [proxyGroupManifest(lab)] : []),
    egressServiceManifest(lab, clientTailnetIp),
  ];
}

/** Chart.yaml and one template per object, keyed by path inside the chart directory. */
export function labChartFiles(lab: LabConfig): Record<string, string> {
  const files: Record<string, string> = {
    'Chart.yaml': stringify({
      apiVersion: 'v2',
      name: LAB_CHART.name,
      description: `tslab lab ${lab.id}: workloads, Connector and egress`,
      type: 'application',
      version: LAB_CHART.version,
      appVersion: lab.workloads.nonce,
    }),
  };
  for (const object of labChartObjects(lab, CLIENT_TAILNET_IP_TEMPLATE)) {
    const kind = requireField(object.kind, 'kind');
    const name = requireField(object.metadata?.name, 'metadata.name');
    files[`templates/${kind.toLowerCase()}-${name}.yaml`] = renderChartTemplate(object);
  }
  return files;
}

/** Short content hash of a chart's files, for naming the directory they are written to. */
export function chartDigest(files: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const path of Object.keys(files).sort()) hash.update(`${path}\0${files[path]}\0`);
  return hash.digest('hex').slice(0, 16);
}

// Objects are data, not templates: the only template action allowed is the client IP placeholder, so a `{{` that
// slipped into a page or a label can never be executed by Helm.
export function renderChartTemplate(object: KubernetesObject): string {
  const yaml = stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
  const withoutPlaceholder = yaml.split(CLIENT_TAILNET_IP_TEMPLATE).join('');
  if (withoutPlaceholder.includes('{{') || withoutPlaceholder.includes('}}')) {
    throw new Error(
      `${object.kind}/${object.metadata?.name} contains '{{' or '}}', which Helm would execute`,
    );
  }
  if (yaml === withoutPlaceholder) return yaml;
  const guard = `{{- if not .Values.${CLIENT_TAILNET_IP_VALUE} }}{{ fail "${CLIENT_TAILNET_IP_VALUE} must be set" }}{{- end }}\n`;
  return guard + yaml;
}

function requireField(value: string | undefined, field: string): string {
  if (!value) throw new Error(`a lab chart object has no ${field}`);
  return value;
}
