// The CLI as a user meets it: exit 0 on success, 1 when an operation or a check fails, 2 on bad input — and the
// message names the field, the value and the rule.
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { AWS_STACKS } from '../../src/lab/stack-contract.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tslab CLI', () => {
  it('synth writes every stack of a default lab and lists them in apply order, with no credentials', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tslab-cli-'));
    const run = await cli(['synth', '--lab', 'demo', '--out', out]);
    expect(run.code).toBe(0);
    const order = [...run.out.matchAll(/^\s+\d+\. (\w+)/gm)].map((m) => m[1]);
    expect([...order].sort()).toEqual([...AWS_STACKS].sort());
    expect(order[0]).toBe('network');
    expect(order.at(-1)).toBe('workloads');
    expect(order.indexOf('nodes')).toBeGreaterThan(order.indexOf('cluster'));
    expect(order.indexOf('nodes')).toBeGreaterThan(order.indexOf('nat'));
    expect(order.indexOf('client')).toBeGreaterThan(order.indexOf('nat'));
  });

  it('exits 2 on a bad lab name, naming the field, the value and the rule', async () => {
    const run = await cli(['synth', '--lab', 'Bad_Name!']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('lab: "Bad_Name!" — must be a DNS label');
  });

  it('exits 2 on an unknown target, naming it rather than asking for credentials', async () => {
    const run = await cli(['up', '--target', 'lcoal', '--lab', 'demo']);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`--target: "lcoal" — must be 'aws' or 'local'`);
    expect(run.err).not.toContain('TAILSCALE_OAUTH');
  });

  it('refuses to validate a lab that was never provisioned, saying where it looked', async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'tslab-cli-'));
    process.chdir(dir);
    try {
      const run = await cli(['validate', '--target', 'local', '--lab', 'never']);
      expect(run.code).toBe(1);
      expect(run.err).toContain(
        `lab 'never' has no manifest in its state directory ${join(realpathSync(dir), '.tslab/state/never')}`,
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('exits 2 on a number that is not one, before anything else', async () => {
    const run = await cli(['synth', '--lab', 'demo', '--node-count', 'many']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--node-count: "many" — must be a whole number');
  });

  it('exits 2 when the aws target has no state bucket or credentials, naming what is missing', async () => {
    const noBucket = await cli(['up', '--lab', 'demo']);
    expect(noBucket.code).toBe(2);
    expect(noBucket.err).toContain('state-bucket: "" — is required for the aws target');
    const saved = { ...process.env };
    delete process.env['TAILSCALE_OAUTH_CLIENT_ID'];
    delete process.env['TAILSCALE_OAUTH_CLIENT_SECRET'];
    try {
      const noCreds = await cli(['validate', '--lab', 'demo', '--state-bucket', 'my-bucket']);
      expect(noCreds.code).toBe(2);
      expect(noCreds.err).toContain('TAILSCALE_OAUTH_CLIENT_ID: "" — must be set in the environment');
    } finally {
      process.env = saved;
    }
  });

  it('synthesizes the tailnet policy stack with local or S3 state', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tslab-cli-'));
    expect((await cli(['synth-policy', '--out', out])).code).toBe(0);
    expect(
      (await cli(['synth-policy', '--out', out, '--state-bucket', 'b1', '--region', 'eu-west-1'])).code,
    ).toBe(0);
  });

  it('exits 2 on an unknown command', async () => {
    expect((await cli(['deploy'])).code).toBe(2);
  });
});
