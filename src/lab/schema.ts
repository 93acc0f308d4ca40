// The raw, user-facing shape of a lab (CLI flags, action inputs) and its per-field rules.
import { z } from 'zod';

export const LAB_ID_MAX = 20;
export const SLOT_COUNT = 64;
export const ENGINES = ['terraform', 'tofu'] as const;
export const TARGETS = ['aws', 'local'] as const;
export const NAT_MODES = ['gateway', 'instance'] as const;

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

export const labInputSchema = z
  .object({
    lab: labId,
    target: z.enum(TARGETS, "must be 'aws' or 'local'").default('aws'),
    slot: z
      .number()
      .int('must be an integer')
      .min(0, `must be between 0 and ${SLOT_COUNT - 1}`)
      .max(SLOT_COUNT - 1, `must be between 0 and ${SLOT_COUNT - 1}`)
      .optional(),
    region: z.string().regex(AWS_REGION, "must be an AWS region such as 'eu-west-1'").default('us-east-1'),
    azs: z
      .array(
        z.string().regex(/^[a-z]{2}(?:-gov)?-[a-z]+-\d[a-z]$/, "must be an AZ name such as 'eu-west-1a'"),
      )
      .min(3, 'needs 3 availability zones: two for the EKS subnets and a separate one for the client')
      .refine((azs) => new Set(azs).size === azs.length, 'must not repeat an availability zone')
      .optional(),
    vpcCidr: z.string().optional(),
    serviceCidr: z.string().optional(),
    kubernetesVersion: z
      .string()
      .regex(/^1\.(?:2[89]|3\d)$/, "must be an EKS Kubernetes version such as '1.34' (1.28 or later)")
      .default('1.34'),
    nodeInstanceType: instanceType.default('t3.medium'),
    nodeCount: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(10, 'must be at most 10')
      .default(2),
    clientInstanceType: instanceType.default('t3.small'),
    natMode: z.enum(NAT_MODES, "must be 'gateway' or 'instance'").default('gateway'),
    ttlHours: z
      .number()
      .int('must be a whole number of hours')
      .min(1, 'must be at least 1 hour (the sweeper removes the lab after it)')
      .max(168, 'must be at most 168 hours (one week)')
      .default(4),
    owner: tagValue.min(1, 'must not be empty').default('tslab'),
    trigger: tagValue.min(1, 'must not be empty').default('manual'),
    runUrl: z
      .string()
      .url('must be an https URL')
      .refine((v) => v.startsWith('https://'), 'must be an https URL')
      .optional(),
    connectorReplicas: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(5, 'must be at most 5')
      .default(1),
    egressProxyGroup: z.boolean('must be true or false').default(false),
    egressReplicas: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(5, 'must be at most 5')
      .default(2),
    engine: z.enum(ENGINES, "must be 'terraform' or 'tofu'").default('terraform'),
    stateBucket: z
      .string()
      .regex(
        /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens',
      )
      .optional(),
    stateRegion: z.string().optional(),
    tailnet: z.string().min(1, 'must not be empty').default('-'),
    createdAt: z.iso.datetime({ error: 'must be an ISO 8601 UTC timestamp' }).optional(),
  })
  .strict();

export type LabInput = z.input<typeof labInputSchema>;
export type ParsedLabInput = z.output<typeof labInputSchema>;
