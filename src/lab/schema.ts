// The raw, user-facing shape of a lab (CLI flags, action inputs) and its per-field rules.
import { z } from 'zod';
import { KNOWN_VERSIONS } from './eks-versions.ts';

export const LAB_ID_MAX = 20;
export const SLOT_COUNT = 64;
export const ENGINES = ['terraform', 'tofu'] as const;
export const TARGETS = ['aws', 'local'] as const;
export const NAT_MODES = ['gateway', 'instance'] as const;
/** federated: a per-lab federated identity (no secret); oauth: the shared operator OAuth client (docs/setup.md). */
export const OPERATOR_AUTH_MODES = ['federated', 'oauth'] as const;

export const AWS_REGION = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/;

const labId = z
  .string({ error: 'is required' })
  .regex(
    new RegExp(`^[a-z](?:[a-z0-9-]{0,${LAB_ID_MAX - 2}}[a-z0-9])?$`),
    `must be a DNS label of at most ${LAB_ID_MAX} characters: lowercase letters, digits and '-', starting with a letter and not ending with '-'`,
  )
  .refine((v) => !v.includes('--'), "must not contain '--'");

const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type such as 't3.medium'");

// Tag values in AWS allow letters, digits, spaces and _.:/=+-@ (max 256).
const tagValue = z
  .string()
  .max(256, 'must be at most 256 characters')
  .regex(
    /^[\p{L}\p{N}\p{Z}_.:/=+\-@]*$/u,
    'may contain only letters, digits, spaces and _.:/=+-@ (AWS tag value)',
  );

/**
 * What a lab setting means, for the CLI's --help and the action inputs' docs: the one place it is written. `unset`
 * says what a setting without a static default takes when it is not given (e.g. derived from the slot).
 */
export interface LabFieldMeta {
  description: string;
  unset?: string;
}

function doc<T extends z.ZodType>(schema: T, meta: LabFieldMeta): T {
  return schema.meta({ ...meta });
}

export const labInputSchema = z
  .object({
    lab: doc(labId, { description: 'lab id, a DNS label of at most 20 characters (e.g. pr-42)' }),
    target: doc(z.enum(TARGETS, "must be 'aws' or 'local'").default('aws'), {
      description: 'aws, or local (the namespace lab on this machine; needs root)',
    }),
    slot: z
      .number()
      .int('must be an integer')
      .min(0, `must be between 0 and ${SLOT_COUNT - 1}`)
      .max(SLOT_COUNT - 1, `must be between 0 and ${SLOT_COUNT - 1}`)
      .optional()
      .meta({
        description: 'address slot: picks the VPC and service CIDRs, unique per tailnet',
        unset: 'the PR number for pr-N labs, else a hash of the lab id',
      }),
    region: doc(
      z.string().regex(AWS_REGION, "must be an AWS region such as 'eu-west-1'").default('us-east-1'),
      { description: 'AWS region of the lab' },
    ),
    azs: z
      .array(
        z.string().regex(/^[a-z]{2}(?:-gov)?-[a-z]+-\d[a-z]$/, "must be an AZ name such as 'eu-west-1a'"),
      )
      .min(3, 'needs 3 availability zones: two for the EKS subnets and a separate one for the client')
      .refine((azs) => new Set(azs).size === azs.length, 'must not repeat an availability zone')
      .optional()
      .meta({
        description: 'three availability zones, comma-separated; the client gets the third',
        unset:
          'on AWS, the first three EKS accepts by zone ID (then kept for the lab); offline, <region>a,b,c',
      }),
    vpcCidr: doc(z.string().optional(), {
      description: 'VPC CIDR, /16 to /20',
      unset: 'derived from the slot, inside 10.64.0.0/10',
    }),
    serviceCidr: doc(z.string().optional(), {
      description: 'cluster service CIDR, /12 to /24',
      unset: 'derived from the slot, inside 10.128.0.0/12',
    }),
    kubernetesVersion: z
      .string()
      .refine(
        (v) => KNOWN_VERSIONS.includes(v),
        `must be an EKS Kubernetes version tslab's calendar knows: ${KNOWN_VERSIONS.join(', ')}`,
      )
      .optional()
      .meta({
        description: 'EKS Kubernetes version, in EKS standard support until the lab expires',
        unset: "the newest such version (at provision EKS says which; offline, tslab's calendar)",
      }),
    nodeInstanceType: doc(instanceType.default('t3.medium'), {
      description: 'EC2 instance type of the cluster nodes',
    }),
    nodeCount: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(10, 'must be at most 10')
      .default(2)
      .meta({ description: 'number of cluster nodes' }),
    clientInstanceType: doc(instanceType.default('t3.small'), {
      description: 'EC2 instance type of the lab client (the tailnet client and subnet router)',
    }),
    operatorAuth: doc(z.enum(OPERATOR_AUTH_MODES, "must be 'federated' or 'oauth'").default('federated'), {
      description:
        "how the lab's operator authenticates to Tailscale: federated (its own federated identity, no secret) or oauth (the shared operator OAuth client)",
    }),
    natMode: doc(z.enum(NAT_MODES, "must be 'gateway' or 'instance'").default('gateway'), {
      description: 'how private subnets reach the internet: gateway (NAT gateway) or instance (NAT instance)',
    }),
    ttlHours: z
      .number()
      .int('must be a whole number of hours')
      .min(1, 'must be at least 1 hour (the sweeper removes the lab after it)')
      .max(168, 'must be at most 168 hours (one week)')
      .default(4)
      .meta({ description: 'hours until the lab expires and the sweeper removes it' }),
    owner: doc(tagValue.min(1, 'must not be empty').default('tslab'), {
      description: 'owner of the lab, as its tslab:owner tag (actions: the workflow actor)',
    }),
    trigger: doc(tagValue.min(1, 'must not be empty').default('manual'), {
      description: 'what started the lab, as a tag (actions: the workflow event)',
    }),
    runUrl: z
      .string()
      .url('must be an https URL')
      .refine((v) => v.startsWith('https://'), 'must be an https URL')
      .optional()
      .meta({
        description: 'https URL of the run that made the lab, recorded in its manifest',
        unset: "none; an action records its workflow run's URL",
      }),
    connectorReplicas: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(5, 'must be at most 5')
      .default(1)
      .meta({ description: 'Connector (subnet router) replicas' }),
    egressProxyGroup: doc(z.boolean('must be true or false').default(false), {
      description: 'use an egress ProxyGroup instead of a single egress proxy (true or false)',
    }),
    egressReplicas: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(5, 'must be at most 5')
      .default(2)
      .meta({ description: 'ProxyGroup replicas when egress-proxy-group is true' }),
    engine: doc(z.enum(ENGINES, "must be 'terraform' or 'tofu'").default('terraform'), {
      description: 'infrastructure engine: terraform or tofu',
    }),
    stateBucket: z
      .string()
      .regex(
        /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens',
      )
      .optional()
      .meta({
        description:
          'S3 bucket for Terraform state (native S3 locking), run locks and the lab manifest; required on the aws target',
      }),
    stateRegion: doc(z.string().optional(), {
      description: 'region of the state bucket',
      unset: 'the lab region',
    }),
    tailnet: doc(z.string().min(1, 'must not be empty').default('-'), {
      description: "tailnet name ('-': the tailnet of the OAuth client)",
    }),
    createdAt: z.iso.datetime({ error: 'must be an ISO 8601 UTC timestamp' }).optional().meta({
      description: 'creation time, ISO 8601 UTC: seeds the nonces and the expiry',
      unset: 'now, or for an existing lab the time in its manifest',
    }),
  })
  .strict();

export type LabInput = z.input<typeof labInputSchema>;
export type ParsedLabInput = z.output<typeof labInputSchema>;

/** One lab setting as its users read about it: what it means, its default, its bounds — all read off the schema. */
export interface LabFieldDoc {
  field: keyof LabInput;
  description: string;
  /** The schema's default as a user would type it (2, t3.medium, false); absent when there is none. */
  default?: string;
  /** What the setting takes when not given and it has no static default (e.g. derived from the slot). */
  unset?: string;
  /** Inclusive bounds of a whole-number setting. */
  min?: number;
  max?: number;
}

export function labFieldDocs(): LabFieldDoc[] {
  return Object.entries(labInputSchema.shape).map(([field, schema]) => {
    const meta = (schema.meta() ?? {}) as Partial<LabFieldMeta>;
    let inner: z.ZodType = schema;
    let value: unknown;
    while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) {
      if (inner instanceof z.ZodDefault) value = inner.def.defaultValue;
      inner = inner.unwrap() as z.ZodType;
    }
    const doc: LabFieldDoc = { field: field as keyof LabInput, description: meta.description ?? '' };
    if (value !== undefined) doc.default = Array.isArray(value) ? value.join(',') : String(value);
    if (meta.unset !== undefined) doc.unset = meta.unset;
    if (inner instanceof z.ZodNumber) {
      if (Number.isFinite(inner.minValue)) doc.min = inner.minValue!;
      if (Number.isFinite(inner.maxValue)) doc.max = inner.maxValue!;
    }
    return doc;
  });
}
