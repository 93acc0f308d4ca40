// Validates an object against a CRD's openAPIV3Schema the way the API server would on create: structural schema
// checks with ajv, unknown fields rejected (the API server would silently prune them, hiding a typo), and the CEL
// x-kubernetes-validations rules evaluated with a small CEL subset. The CRDs are the pinned fixtures in
// test/fixtures/upstream/tailscale/crds/ (the served version's schema, descriptions dropped, CEL rules kept).
import { Ajv } from 'ajv';
import ipaddr from 'ipaddr.js';
import type { ReducedCrd } from '../../../scripts/upstream-fixtures.ts';
import { upstreamFixture } from '../../fixtures/upstream.ts';
import { evaluateCel } from './cel-subset.ts';

type Schema = Record<string, unknown>;

export interface CrdValidator {
  kind: string;
  validate(object: unknown): string[];
}

/** A validator for the CRD fixture `fileName`, e.g. 'tailscale.com_connectors.json'. */
export function loadCrdValidator(fileName: string): CrdValidator {
  const crd = upstreamFixture<ReducedCrd>(`tailscale/crds/${fileName}`);
  const schema: Schema = crd.openAPIV3Schema;

  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('cidr', (value: string) => ipaddr.isValidCIDR(value));
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)));
  const structural = ajv.compile(rejectUnknownFields(schema) as Schema);

  return {
    kind: crd.kind,
    validate(object) {
      const errors = structural(object)
        ? []
        : (structural.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
      return [...errors, ...celViolations(schema, object, '')];
    },
  };
}

function rejectUnknownFields(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rejectUnknownFields);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = rejectUnknownFields(value);
  const closed =
    typeof copy.properties === 'object' &&
    copy.additionalProperties === undefined &&
    copy['x-kubernetes-preserve-unknown-fields'] !== true;
  if (closed) copy.additionalProperties = false;
  return copy;
}

function celViolations(schema: Schema, value: unknown, path: string): string[] {
  if (value === undefined) return [];
  const violations: string[] = [];
  const rules = (schema['x-kubernetes-validations'] ?? []) as { rule: string; message?: string }[];
  for (const { rule, message } of rules) {
    // Transition rules compare with the stored object; a create has none.
    if (rule.includes('oldSelf')) continue;
    if (!evaluateCel(rule, value)) violations.push(`${path || '/'} ${message ?? rule}`);
  }
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (properties && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(properties)) {
      violations.push(...celViolations(child, (value as Record<string, unknown>)[key], `${path}/${key}`));
    }
  }
  const items = schema.items as Schema | undefined;
  if (items && Array.isArray(value)) {
    value.forEach((item, i) => violations.push(...celViolations(items, item, `${path}/${i}`)));
  }
  return violations;
}
