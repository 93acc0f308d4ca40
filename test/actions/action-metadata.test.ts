// action.yml is the contract with workflows: every input it declares is read by the code, every input the code reads
// for its own purpose is declared, and each action runs on node24 from its bundle.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kebabCase } from '../../src/lab/string-inputs.ts';
import { STRING_FIELDS } from '../../src/lab/string-inputs.ts';
import { ACTION_NAMES } from './bundles.ts';

interface ActionYaml {
  inputs: Record<string, { required?: boolean; description: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const LAB_INPUTS = new Set(Object.keys(STRING_FIELDS).map(kebabCase));
const SHARED_SOURCES = ['src/actions/inputs.ts'];

function literalInputsRead(sources: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:getInput|readBooleanInput)\('([a-z-]+)'/g)) names.add(match[1]!);
    for (const match of text.matchAll(/'((?:tailscale|operator)-oauth-client-(?:id|secret))'/g))
      names.add(match[1]!);
  }
  return names;
}

describe.each(ACTION_NAMES)('actions/%s/action.yml', (name) => {
  const action = parse(readFileSync(`actions/${name}/action.yml`, 'utf8')) as ActionYaml;
  const read = literalInputsRead([`src/actions/${name}.ts`, ...SHARED_SOURCES]);

  it('runs its bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('declares only inputs the code reads', () => {
    for (const input of Object.keys(action.inputs)) {
      expect(read.has(input) || LAB_INPUTS.has(input), `${input} is declared but never read`).toBe(true);
    }
  });

  it('declares every non-lab input its own code reads', () => {
    const own = literalInputsRead([`src/actions/${name}.ts`]);
    for (const input of own)
      expect(Object.keys(action.inputs), `${input} is read but not declared`).toContain(input);
  });

  it('describes every input and output', () => {
    for (const spec of [...Object.values(action.inputs), ...Object.values(action.outputs)]) {
      expect(spec.description.length).toBeGreaterThan(5);
    }
  });
});
