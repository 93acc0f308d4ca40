// The size budget of the released actions (issue 13, README "Benchmarks"): what a job downloads is the whole dist/
// of an action, the chunks it loads on demand included. Reads the bundles under test; builds them only when stale.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION_NAMES, bundlePath, useBundlesUnderTest, type ActionName } from './bundles.ts';

const MB = 1_000_000;
const ACTION_BUDGET = 5 * MB;
const TOTAL_BUDGET = 12 * MB;

function distBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((total, entry) => {
    const path = join(dir, entry.name);
    return total + (entry.isDirectory() ? distBytes(path) : statSync(path).size);
  }, 0);
}

const sizes = {} as Record<ActionName, number>;

beforeAll(() => {
  useBundlesUnderTest();
  for (const name of ACTION_NAMES) sizes[name] = distBytes(dirname(bundlePath(name)));
}, 900_000);

describe('released action bundles', () => {
  it.each(ACTION_NAMES)('%s: its dist/ is within 5 MB', (name) => {
    expect(sizes[name], `${name} dist/ bytes`).toBeLessThanOrEqual(ACTION_BUDGET);
  });

  // Validate and teardown carry no synth (cdktf, the providers): only provision imports the up path
  // (src/targets/provisioners.ts).
  it('all three together are within 12 MB', () => {
    const total = ACTION_NAMES.reduce((sum, name) => sum + sizes[name], 0);
    expect(total, JSON.stringify(sizes)).toBeLessThanOrEqual(TOTAL_BUDGET);
  });
});

it('validate and teardown bundle no synth: no cdktf, no provider bindings', () => {
  for (const name of ['validate', 'teardown'] as const) {
    const dir = dirname(bundlePath(name));
    const text = readdirSync(dir)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');
    expect(text, name).not.toMatch(/hashicorp\/aws|tfResourceType="aws_eks_cluster"|TerraformStack/);
  }
});
