// `tslab doctor` checks a set-up before anything is created: it must not load the lab-as-code library (cdktf, its
// providers, constructs) to do so. What it checks the CI credential against (tag, scopes, issuer) comes from
// src/lab/stack-contract.ts, which the tailnet-policy stack reads too; the modules the doctor loads are observed in a
// child process, and the stack is synthesized to show it makes what the doctor expects.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Testing } from 'cdktf';
import { testApp } from '../support/cdktf-app.ts';
import { describe, expect, it } from 'vitest';
import { TailnetPolicyStack } from '../../infra/stacks/tailnet-policy-stack.ts';
import { CI_OAUTH_SCOPES, CI_RUNNER_TAG, GITHUB_ACTIONS_ISSUER } from '../../src/lab/stack-contract.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROBE = join(ROOT, 'test', 'doctor', 'loaded-modules.ts');
const LAB_AS_CODE = /\/node_modules\/(cdktf|@cdktf\/[^/]+|constructs)\//;

function loadedBy(entry: string): string[] {
  const child = spawnSync(process.execPath, [PROBE, entry], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as string[];
}

const url = (path: string) => pathToFileURL(join(ROOT, path)).href;

describe('tslab doctor loads no cdktf', () => {
  it.each(['src/doctor/doctor.ts', 'src/cli/commands/doctor.ts'])('%s', (entry) => {
    const loaded = loadedBy(entry);
    // The probe saw the doctor's own graph, down to the contract it reads the CI credential's facts from.
    expect(loaded).toEqual(
      expect.arrayContaining([url('src/doctor/ci-credential.ts'), url('src/lab/stack-contract.ts')]),
    );
    expect(loaded.filter((module) => LAB_AS_CODE.test(module))).toEqual([]);
  });

  it('the probe does see cdktf where it is loaded: the tailnet-policy stack', () => {
    const loaded = loadedBy('infra/stacks/tailnet-policy-stack.ts');
    expect(loaded.filter((module) => /\/node_modules\/cdktf\//.test(module))).not.toEqual([]);
  });
});

describe('the tailnet-policy stack makes the CI credential the doctor checks for', () => {
  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const stack = new TailnetPolicyStack(testApp(), 'tailnet-policy', { githubRepository: 'octo/tslab' });
  const resources = (JSON.parse(Testing.synth(stack)) as Json).resource as Json;

  it.each([
    ['the CI OAuth client', resources.tailscale_oauth_client['ci-oauth'] as Json],
    ['the CI federated identity', resources.tailscale_federated_identity['ci-federated'] as Json],
  ])('%s: the contract’s scopes and tag', (_, credential) => {
    expect(credential.scopes).toEqual([...CI_OAUTH_SCOPES]);
    expect(credential.tags).toEqual([CI_RUNNER_TAG]);
  });

  it('the federated identity trusts the issuer the doctor expects', () => {
    expect(resources.tailscale_federated_identity['ci-federated'].issuer).toBe(GITHUB_ACTIONS_ISSUER);
  });
});
