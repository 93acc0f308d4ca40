// The shapes LabCluster hands out: the operator's custom objects and Services, reduced to what tslab reads, and the
// conversions from the API's JSON (custom objects arrive untyped; Services as client-node models).
import type { V1Service } from '@kubernetes/client-node';
import { z } from 'zod';

export const TAILSCALE_GROUP = 'tailscale.com';
export const TAILSCALE_VERSION = 'v1alpha1';
/** Both kinds are cluster-scoped (their CRDs say `scope: Cluster`). */
export const TAILSCALE_PLURALS = { Connector: 'connectors', ProxyGroup: 'proxygroups' } as const;
export type TailscaleKind = keyof typeof TAILSCALE_PLURALS;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface TailscaleObject {
  kind: TailscaleKind;
  name: string;
  generation: number | undefined;
  spec: Record<string, unknown>;
  conditions: Condition[];
  /** One per replica, once the operator has seen the device join. */
  devices: { hostname: string; tailnetIPs: string[] }[];
  /** Connector only: the advertised routes, comma-joined by the operator. */
  subnetRoutes: string | undefined;
}

export interface LabService {
  namespace: string;
  name: string;
  type: string;
  /** For an egress Service: "placeholder" until the operator rewrites it to its proxy. */
  externalName: string | undefined;
  clusterIP: string | undefined;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  ports: { name: string | undefined; port: number; protocol: string | undefined }[];
  /** The operator reports egress readiness here (TailscaleProxyReady, TailscaleEgressSvcReady…). */
  conditions: Condition[];
  /** Load balancer addresses (IP or hostname) the cloud assigned. */
  loadBalancerIngress: string[];
}

const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  observedGeneration: z.number().optional(),
});

const tailscaleObjectSchema = z.object({
  metadata: z.object({ name: z.string(), generation: z.number().optional() }),
  spec: z.record(z.string(), z.unknown()).default({}),
  status: z
    .object({
      conditions: z.array(conditionSchema).nullish(),
      devices: z
        .array(z.object({ hostname: z.string().default(''), tailnetIPs: z.array(z.string()).nullish() }))
        .nullish(),
      subnetRoutes: z.string().optional(),
    })
    .default({}),
});

export function toTailscaleObject(kind: TailscaleKind, raw: unknown): TailscaleObject {
  const parsed = tailscaleObjectSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`Unexpected ${kind} object from the API: ${parsed.error.issues[0]?.message}`);
  const { metadata, spec, status } = parsed.data;
  return {
    kind,
    name: metadata.name,
    generation: metadata.generation,
    spec,
    conditions: (status.conditions ?? []).map(toCondition),
    devices: (status.devices ?? []).map((d) => ({ hostname: d.hostname, tailnetIPs: d.tailnetIPs ?? [] })),
    subnetRoutes: status.subnetRoutes,
  };
}

export function toLabService(service: V1Service): LabService {
  return {
    namespace: service.metadata?.namespace ?? '',
    name: service.metadata?.name ?? '',
    type: service.spec?.type ?? 'ClusterIP',
    externalName: service.spec?.externalName,
    clusterIP: service.spec?.clusterIP,
    annotations: { ...service.metadata?.annotations },
    labels: { ...service.metadata?.labels },
    ports: (service.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
    conditions: (service.status?.conditions ?? []).map(toCondition),
    loadBalancerIngress: (service.status?.loadBalancer?.ingress ?? []).flatMap(
      (i) => i.hostname ?? i.ip ?? [],
    ),
  };
}

/** Keeps only the fields present: exactOptionalPropertyTypes wants absent, not undefined. */
function toCondition(raw: {
  type: string;
  status: string;
  reason?: string | undefined;
  message?: string | undefined;
  observedGeneration?: number | undefined;
}): Condition {
  return {
    type: raw.type,
    status: raw.status,
    ...(raw.reason === undefined ? {} : { reason: raw.reason }),
    ...(raw.message === undefined ? {} : { message: raw.message }),
    ...(raw.observedGeneration === undefined ? {} : { observedGeneration: raw.observedGeneration }),
  };
}
