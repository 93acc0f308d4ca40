// The one validated LabConfig every stack, action and CLI command derives its names and settings from.
import { labResourceName } from './names.ts';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import {
  defaultSlot,
  planAddresses,
  serviceCidrRule,
  slotServiceCidr,
  slotVpcCidr,
  vpcCidrRule,
} from './address-plan.ts';
import type { AddressPlan } from './address-plan.ts';
import { hostAddress, overlaps, parseCidr } from './cidr.ts';
import { LabConfigError, type ConfigIssue } from './errors.ts';
import { byNewest, defaultKubernetesVersion, KNOWN_VERSIONS, kubernetesVersionRule } from './eks-versions.ts';
import { labInputSchema, type ParsedLabInput } from './schema.ts';

export const TAG_KEYS = { lab: 'tslab:lab', expiresAt: 'tslab:expires-at', owner: 'tslab:owner' } as const;

export type StateLocation =
  { kind: 's3'; bucket: string; region: string; keyPrefix: string } | { kind: 'local'; dir: string };

export interface LabConfig {
  id: string;
  target: ParsedLabInput['target'];
  slot: number;
  region: string;
  /** azs[0], azs[1] hold the EKS subnets; azs[2] the client's. */
  azs: [string, string, string];
  network: AddressPlan & { natMode: ParsedLabInput['natMode'] };
  cluster: {
    name: string;
    kubernetesVersion: string;
    nodeInstanceType: string;
    nodeCount: number;
    /** The lab's own cluster DNS zone, served by kube-dns beside cluster.local and claimed in split DNS. */
    dnsDomain: string;
  };
  client: { instanceType: string; hostname: string };
  tailnet: {
    name: string;
    /** Tag that scopes route auto-approval and grants to this lab's slot. */
    slotTag: string;
    clientTag: string;
    /** federated: the lab's own identity, tagged with the slot's operator tag; oauth: the shared client. */
    operatorAuth: ParsedLabInput['operatorAuth'];
    /** The operator's device and credential: the slot's own tag, or the shared client's with oauth. */
    operatorTag: string;
    proxyTag: string;
    operatorHostname: string;
    /** Hostname of the single egress proxy (set by annotation), or the ProxyGroup's hostname prefix. */
    egressHostname: string;
    connectorName: string;
    /** Hostname of a single-replica Connector, or the prefix of replicas (`<prefix>-<i>`). */
    routerHostname: string;
    /** Routes the cluster's Connector advertises: the pod subnets (VPC CNI gives pods VPC addresses) and services. */
    connectorRoutes: string[];
    /**
     * Routes the client advertises: the control-plane subnets, so CI reaches the private endpoint. Its name resolves
     * in public DNS to those addresses (docs/design/eks.md §5), so the VPC resolver is not advertised.
     */
    clientRoutes: string[];
    /** Every address range the lab may advertise (its VPC and service CIDR): what other labs must not overlap. */
    ownedRanges: string[];
  };
  workloads: {
    namespace: string;
    /** Served by the cluster's nginx: proves an answer came from this lab's cluster. */
    nonce: string;
    /** Served by the client's nginx: proves an egress answer came from this lab's client. */
    clientNonce: string;
    nginxFqdn: string;
    /** Pinned inside the service CIDR so checks know the address to expect without asking the cluster. */
    nginxClusterIp: string;
    egressServiceName: string;
    egressFqdn: string;
    connectorReplicas: number;
    egressProxyGroup: boolean;
    egressReplicas: number;
    proxyGroupName: string;
  };
  lifecycle: {
    createdAt: string;
    expiresAt: string;
    ttlHours: number;
    owner: string;
    trigger: string;
    runUrl?: string;
  };
  engine: { binary: ParsedLabInput['engine'] };
  state: StateLocation;
  /** Tags every AWS resource of the lab carries; the sweeper trusts nothing else. */
  tags: Record<string, string>;
  /**
   * Which settings tslab chose offline (calendar, `<region>a,b,c`) and a provision on AWS may still choose by asking
   * AWS; a setting the user gave or the lab's manifest recorded is kept (docs/design/eks.md §6).
   */
  provisional: { kubernetesVersion: boolean; azs: boolean };
}

export interface ResolveOptions {
  now?: Date | undefined;
  /** Other labs already on the tailnet: their routes must not overlap this lab's. */
  otherLabs?: readonly { id: string; routes: readonly string[] }[];
  /** Directory for local state (local target, or aws without a state bucket). */
  localStateDir?: string | undefined;
  /**
   * What an existing lab was created with (its manifest): used where the input gives nothing, and a recorded version
   * is not judged again (EKS may have chosen one the calendar does not know). The input still wins.
   */
  recorded?: { kubernetesVersion?: string; azs?: readonly string[] };
}

/** Validates raw input and derives the whole lab, or throws LabConfigError naming every broken field. */
export function resolveLab(input: unknown, options: ResolveOptions = {}): LabConfig {
  const parsed = labInputSchema.safeParse(input);
  if (!parsed.success) throw new LabConfigError(zodIssues(parsed.error, input));
  const raw = parsed.data;
  const issues: ConfigIssue[] = [];

  const slot = raw.slot ?? defaultSlot(raw.lab);
  const vpcCidr = raw.vpcCidr ?? slotVpcCidr(slot);
  const serviceCidr = raw.serviceCidr ?? slotServiceCidr(slot);
  const vpcRule = vpcCidrRule(vpcCidr);
  if (vpcRule) issues.push({ field: 'vpcCidr', value: vpcCidr, rule: vpcRule });
  const serviceRule = serviceCidrRule(serviceCidr);
  if (serviceRule) issues.push({ field: 'serviceCidr', value: serviceCidr, rule: serviceRule });
  if (!vpcRule && !serviceRule && overlaps(parseCidr(vpcCidr), parseCidr(serviceCidr))) {
    issues.push({ field: 'serviceCidr', value: serviceCidr, rule: `must not overlap vpcCidr ${vpcCidr}` });
  }

  // Offline default; on AWS, provision picks by zone ID instead (src/targets/aws/availability-zones.ts).
  const azs = raw.azs ?? options.recorded?.azs ?? [`${raw.region}a`, `${raw.region}b`, `${raw.region}c`];
  azs.forEach((az, i) => {
    if (!az.startsWith(raw.region) || az.length !== raw.region.length + 1) {
      issues.push({
        field: `azs[${i}]`,
        value: az,
        rule: `must be an availability zone of region ${raw.region}`,
      });
    }
  });

  if (raw.stateRegion !== undefined && !/^[a-z]{2}(?:-gov)?-[a-z]+-\d$/.test(raw.stateRegion)) {
    issues.push({
      field: 'stateRegion',
      value: raw.stateRegion,
      rule: "must be an AWS region such as 'eu-west-1'",
    });
  }
  if (raw.egressProxyGroup && raw.target === 'local') {
    issues.push({ field: 'egressProxyGroup', value: true, rule: 'is not available on the local target' });
  }
  if (issues.length) throw new LabConfigError(issues);

  const network = { ...planAddresses(vpcCidr, serviceCidr), natMode: raw.natMode };
  const id = raw.lab;
  const connectorRoutes = [...network.clusterSubnets, network.serviceCidr];
  const clientRoutes = [...network.controlPlaneSubnets];
  const ownedRanges = [network.vpcCidr, network.serviceCidr];
  for (const conflict of findConflicts(id, ownedRanges, options.otherLabs ?? [])) issues.push(conflict);
  if (issues.length) throw new LabConfigError(issues);

  const createdAt = raw.createdAt ?? (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const expiresAt = new Date(Date.parse(createdAt) + raw.ttlHours * 3_600_000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const kubernetesVersion = chooseKubernetesVersion(
    raw.kubernetesVersion,
    options.recorded,
    createdAt,
    expiresAt,
  );
  const dnsDomain = `${id}.tslab.internal`;
  const namespace = 'tslab';
  const egressServiceName = 'lab-client-egress';
  const nonce = createHash('sha256').update(`${id}|${createdAt}`).digest('hex').slice(0, 16);

  return {
    id,
    target: raw.target,
    slot,
    region: raw.region,
    azs: [azs[0]!, azs[1]!, azs[2]!],
    network,
    cluster: {
      name: labResourceName(id),
      kubernetesVersion,
      nodeInstanceType: raw.nodeInstanceType,
      nodeCount: raw.nodeCount,
      dnsDomain,
    },
    client: { instanceType: raw.clientInstanceType, hostname: labResourceName(id, 'client') },
    tailnet: {
      name: raw.tailnet,
      slotTag: `tag:tslab-s${slot}`,
      clientTag: 'tag:tslab-client',
      operatorAuth: raw.operatorAuth,
      operatorTag: raw.operatorAuth === 'oauth' ? SHARED_OPERATOR_TAG : slotOperatorTag(slot),
      proxyTag: 'tag:k8s',
      operatorHostname: labResourceName(id, 'operator'),
      egressHostname: labResourceName(id, 'egress'),
      connectorName: labResourceName(id, 'router'),
      routerHostname: labResourceName(id, 'router'),
      connectorRoutes,
      clientRoutes,
      ownedRanges,
    },
    workloads: {
      namespace,
      nonce,
      clientNonce: `${nonce}-client`,
      nginxFqdn: `nginx.${namespace}.svc.${dnsDomain}`,
      nginxClusterIp: hostAddress(parseCidr(network.serviceCidr), 80),
      egressServiceName,
      egressFqdn: `${egressServiceName}.${namespace}.svc.cluster.local`,
      connectorReplicas: raw.connectorReplicas,
      egressProxyGroup: raw.egressProxyGroup,
      egressReplicas: raw.egressReplicas,
      proxyGroupName: labResourceName(id, 'egress'),
    },
    lifecycle: {
      createdAt,
      expiresAt,
      ttlHours: raw.ttlHours,
      owner: raw.owner,
      trigger: raw.trigger,
      ...(raw.runUrl ? { runUrl: raw.runUrl } : {}),
    },
    engine: { binary: raw.engine },
    state: stateLocation(raw, id, options.localStateDir ?? '.tslab/state'),
    tags: {
      [TAG_KEYS.lab]: id,
      [TAG_KEYS.expiresAt]: expiresAt,
      [TAG_KEYS.owner]: raw.owner,
      'tslab:slot': String(slot),
    },
    provisional: {
      kubernetesVersion:
        raw.kubernetesVersion === undefined && options.recorded?.kubernetesVersion === undefined,
      azs: raw.azs === undefined && options.recorded?.azs === undefined,
    },
  };
}

/**
 * The given version if its standard support outlasts the lab, else the newest that does (docs/design/eks.md §6). A
 * version the lab's manifest recorded was judged when the lab was created and is kept.
 */
function chooseKubernetesVersion(
  given: string | undefined,
  recorded: ResolveOptions['recorded'],
  createdAt: string,
  expiresAt: string,
): string {
  if (given !== undefined && given === recorded?.kubernetesVersion) return given;
  if (given !== undefined) {
    const rule = kubernetesVersionRule(given, createdAt, expiresAt);
    if (rule) throw new LabConfigError([{ field: 'kubernetesVersion', value: given, rule }]);
    return given;
  }
  if (recorded?.kubernetesVersion !== undefined) return recorded.kubernetesVersion;
  // When the calendar has nothing that lasts (an old tslab), a lab must still resolve: teardown, validate and the
  // sweeper need it from its id alone. Provision on AWS asks EKS, which picks or refuses (src/targets/aws/eks-versions.ts).
  return defaultKubernetesVersion(createdAt, expiresAt) ?? [...KNOWN_VERSIONS].sort(byNewest)[0]!;
}

function stateLocation(raw: ParsedLabInput, id: string, localDir: string): StateLocation {
  if (raw.target === 'aws' && raw.stateBucket) {
    return {
      kind: 's3',
      bucket: raw.stateBucket,
      region: raw.stateRegion ?? raw.region,
      keyPrefix: `tslab/${id}`,
    };
  }
  return { kind: 'local', dir: `${localDir}/${id}` };
}

function findConflicts(
  id: string,
  routes: string[],
  others: readonly { id: string; routes: readonly string[] }[],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const other of others) {
    if (other.id === id) continue;
    for (const mine of routes) {
      const clash = other.routes.find((theirs) => overlaps(parseCidr(mine), parseCidr(theirs)));
      if (clash) {
        const field = mine === routes[0] ? 'vpcCidr' : 'serviceCidr';
        issues.push({
          field,
          value: mine,
          rule: `must not overlap ${clash}, advertised by lab '${other.id}' (pick another slot)`,
        });
      }
    }
  }
  return issues;
}

function zodIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    const dotted = issue.path.map((key, i) =>
      typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`,
    );
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : dotted.join('') || '(input)';
    const rule = issue.code === 'unrecognized_keys' ? 'is not a known lab setting' : issue.message;
    return { field, value: issue.code === 'unrecognized_keys' ? undefined : valueAt(input, path), rule };
  });
}

function valueAt(input: unknown, path: string[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Tag of the shared operator OAuth client (operator-auth oauth): one credential for every slot. */
export const SHARED_OPERATOR_TAG = 'tag:k8s-operator';

/** Tag of slot N's operator: only that slot's federated identity may carry it (docs/setup.md §3). */
export function slotOperatorTag(slot: number): string {
  return `tag:tslab-s${slot}-operator`;
}
