// The action inputs' descriptions cannot drift from the lab schema: a default an input's description states is the
// schema's default, and a range it states (1-168, 0-63, /16-/20) is the one the lab's rules enforce. The schema's own
// descriptions (the CLI's --help) are held to the same ranges.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kebabCase } from '../../src/lab/string-inputs.ts';
import { serviceCidrRule, vpcCidrRule } from '../../src/lab/address-plan.ts';
import { labFieldDocs, type LabFieldDoc } from '../../src/lab/schema.ts';
import { ACTION_NAMES } from './bundles.ts';

interface ActionYaml {
  inputs: Record<string, { description: string }>;
}

const FIELDS = new Map(labFieldDocs().map((doc) => [kebabCase(doc.field), doc]));

/** The prefix lengths a CIDR rule accepts, probed inside 10.0.0.0/8 (where only the prefix length can break it). */
function acceptedPrefixes(rule: (cidr: string) => string | undefined): [number, number] {
  const ok = Array.from({ length: 25 }, (_, i) => i + 8).filter((p) => rule(`10.0.0.0/${p}`) === undefined);
  return [Math.min(...ok), Math.max(...ok)];
}
const PREFIX_BOUNDS: Record<string, [number, number]> = {
  'vpc-cidr': acceptedPrefixes(vpcCidrRule),
  'service-cidr': acceptedPrefixes(serviceCidrRule),
};

/** The default a description states: "(default 1.34)", "default \"-\"", "aws (default) or local". */
export function statedDefault(description: string): string | undefined {
  const marked = /(?:^|\s)([\w.-]+) \(default\)/.exec(description);
  if (marked) return marked[1];
  const said = /\bdefault:? ("[^"]*"|[^\s,;)]+)/.exec(description);
  return said?.[1]?.replace(/^"(.*)"$/, '$1');
}

/** Whole-number ranges ("1-168") and prefix-length ranges ("/16-/20", "/16 to /20") a description states. */
export function statedRanges(description: string): {
  numbers: [number, number][];
  prefixes: [number, number][];
} {
  const pairs = (re: RegExp) =>
    [...description.matchAll(re)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
  return {
    numbers: pairs(/(?<![\w./-])(\d+)\s*(?:-|–|to)\s*(\d+)(?![\w./])/g),
    prefixes: pairs(/\/(\d+)\s*(?:-|–|to)\s*\/(\d+)/g),
  };
}

function expectRangesMatch(where: string, name: string, doc: LabFieldDoc, description: string): void {
  const { numbers, prefixes } = statedRanges(description);
  for (const range of numbers) {
    expect(doc.min, `${where}: ${name} states ${range.join('-')}, the schema has no bounds`).toBeDefined();
    expect(range, `${where}: ${name} states ${range.join('-')}`).toEqual([doc.min, doc.max]);
  }
  for (const range of prefixes) {
    expect(PREFIX_BOUNDS[name], `${where}: ${name} states /${range.join('-/')}`).toEqual(range);
  }
}

describe.each(ACTION_NAMES)('actions/%s/action.yml inputs against the lab schema', (action) => {
  const { inputs } = parse(readFileSync(`actions/${action}/action.yml`, 'utf8')) as ActionYaml;
  const labInputs = Object.entries(inputs).filter(([name]) => FIELDS.has(name));

  it('maps some inputs to lab settings', () => {
    expect(labInputs.length).toBeGreaterThan(2);
  });

  it('states the schema default of every lab input that has one, and only that', () => {
    for (const [name, { description }] of labInputs) {
      const doc = FIELDS.get(name)!;
      if (doc.default === undefined) continue;
      expect(statedDefault(description), `${action}: ${name}: "${description}"`).toBe(doc.default);
    }
  });

  it('states the ranges the lab rules enforce', () => {
    for (const [name, { description }] of labInputs)
      expectRangesMatch(action, name, FIELDS.get(name)!, description);
  });
});

describe('the lab schema descriptions (tslab --help)', () => {
  it('state the ranges the lab rules enforce', () => {
    for (const [name, doc] of FIELDS)
      expectRangesMatch('schema', name, doc, `${doc.description} ${doc.unset ?? ''}`);
  });
});

describe('reading descriptions', () => {
  it.each([
    ['EKS Kubernetes version (default 1.33).', '1.33'],
    ['Hours until the lab expires (1-168, default 4).', '4'],
    ['aws (default) or local (the namespace lab on this runner; needs root).', 'aws'],
    ['Tailnet name (default "-", the tailnet of the OAuth client).', '-'],
    ['Lab id.', undefined],
  ])('%s → default %s', (text, expected) => {
    expect(statedDefault(text)).toBe(expected);
  });

  it('finds ranges but not CIDRs or lab ids', () => {
    expect(statedRanges('Address slot 0-63 (e.g. pr-42, inside 10.64.0.0/10).')).toEqual({
      numbers: [[0, 63]],
      prefixes: [],
    });
    expect(statedRanges('VPC CIDR (/16-/20; default from the slot)').prefixes).toEqual([[16, 20]]);
    expect(statedRanges('VPC CIDR, /16 to /20').prefixes).toEqual([[16, 20]]);
  });
});
