// The client's single-use key is renewed exactly when the client would be replaced. Proven with the real terraform on
// built-in terraform_data stand-ins: the JSON form of replace_triggered_by the bindings write is accepted, triggers a
// replacement when the client's identity changes, and changes nothing on a re-run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, DataResource, LocalBackend, TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { renewAlongWith } from '../../../infra/stacks/client-auth-key.ts';
import { resolveLab } from '../../../src/lab/config.ts';
import { synthLab } from '../../../src/targets/synth-lab.ts';
import { testOutdir } from '../../support/cdktf-app.ts';

function terraform(dir: string, ...args: string[]): { status: number | null; out: string } {
  const run = spawnSync('terraform', [...args, '-no-color'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

function standIn(outdir: string, identity: string): string {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'client');
  new LocalBackend(stack, { path: join(outdir, 'client.tfstate') });
  const trigger = new DataResource(stack, 'client-identity', { input: { identity } });
  const key = new DataResource(stack, 'client-auth-key', { input: { key: 'spent once used' } });
  renewAlongWith(key, trigger);
  app.synth();
  return join(outdir, 'stacks', 'client');
}

describe('client auth key renewal', () => {
  it('ties the key to the client identity with a bare address, in the synthesized client stack', () => {
    const { stacks } = synthLab(resolveLab({ lab: 'demo' }), testOutdir());
    const client = stacks.find((s) => s.id === 'client')!;
    const json = JSON.parse(readFileSync(join(client.workingDirectory, 'cdk.tf.json'), 'utf8'));
    expect(json.resource.tailscale_tailnet_key['client-auth-key'].lifecycle).toEqual({
      replace_triggered_by: ['terraform_data.client-identity'],
    });
    expect(json.resource.terraform_data['client-identity'].input.userData).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is accepted by terraform, renews with a new identity and keeps still otherwise', () => {
    const outdir = testOutdir();
    const dir = standIn(outdir, 'user-data-v1');
    expect(terraform(dir, 'init', '-input=false').status).toBe(0);
    expect(terraform(dir, 'apply', '-auto-approve', '-input=false').status).toBe(0);
    expect(terraform(dir, 'plan', '-detailed-exitcode', '-input=false').status).toBe(0); // no changes

    standIn(outdir, 'user-data-v2');
    const plan = terraform(dir, 'plan', '-input=false');
    expect(plan.out).toMatch(
      /terraform_data\.client-auth-key will be replaced due to changes in replace_triggered_by/,
    );
  }, 60_000);
});
