// Turns string settings (CLI flags, action inputs) into a LabInput. Type errors name the field like the schema does.
import { LabConfigError, type ConfigIssue } from './errors.ts';
import type { LabInput } from './schema.ts';

/** Every lab setting a user can give as text, keyed by its LabInput field. */
export const STRING_FIELDS = {
  lab: 'string',
  target: 'string',
  slot: 'integer',
  region: 'string',
  azs: 'list',
  vpcCidr: 'string',
  serviceCidr: 'string',
  kubernetesVersion: 'string',
  nodeInstanceType: 'string',
  nodeCount: 'integer',
  clientInstanceType: 'string',
  natMode: 'string',
  operatorAuth: 'string',
  ttlHours: 'integer',
  owner: 'string',
  trigger: 'string',
  runUrl: 'string',
  connectorReplicas: 'integer',
  egressProxyGroup: 'boolean',
  egressReplicas: 'integer',
  engine: 'string',
  stateBucket: 'string',
  stateRegion: 'string',
  tailnet: 'string',
  createdAt: 'string',
} as const satisfies Record<keyof LabInput, 'string' | 'integer' | 'boolean' | 'list'>;

export type StringLabInput = Partial<Record<keyof typeof STRING_FIELDS, string | undefined>>;

const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'off', '0']);

/** true / false from their usual YAML spellings; undefined for anything else. */
export function parseBooleanText(text: string): boolean | undefined {
  return TRUE.has(text) ? true : FALSE.has(text) ? false : undefined;
}

/** Empty strings mean "not given" (an unset action input reads as ''). */
export function fromStrings(values: StringLabInput): Record<string, unknown> {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(STRING_FIELDS)) {
    const text = values[field as keyof StringLabInput]?.trim();
    if (text === undefined || text === '') continue;
    if (kind === 'integer') {
      if (/^-?\d+$/.test(text)) out[field] = Number(text);
      else issues.push({ field, value: text, rule: 'must be a whole number' });
    } else if (kind === 'boolean') {
      const value = parseBooleanText(text);
      if (value === undefined) issues.push({ field, value: text, rule: 'must be true or false' });
      else out[field] = value;
    } else if (kind === 'list') {
      out[field] = text
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean);
    } else {
      out[field] = text;
    }
  }
  if (issues.length) throw new LabConfigError(issues);
  return out;
}

/** A field as an action input or CLI flag spells it: nodeCount → node-count. */
export function kebabCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The input / flag name of a lab field, or undefined when the name is not a lab field. */
export function kebabName(field: string): string | undefined {
  return field in STRING_FIELDS ? kebabCase(field) : undefined;
}
