import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { buildTailnetPolicy, CI_RUNNER_TAG } from '../../../infra/manifests/tailnet-policy.ts';
import {
  githubClaimRules,
  TailnetPolicyStack,
  type TailnetPolicyStackOptions,
} from '../../../infra/stacks/tailnet-policy-stack.ts';
import { main } from '../../../src/cli/main.ts';
import { LabConfigError } from '../../../src/lab/errors.ts';
import { testApp, testOutdir } from '../../support/cdktf-app.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function synthPolicyStack(options: TailnetPolicyStackOptions = {}): Json {
  return JSON.parse(Testing.synth(new TailnetPolicyStack(testApp(), 'tailnet-policy', options))) as Json;
}

describe('tailnet-policy stack', () => {
  const json = synthPolicyStack();
  const clients = json.resource.tailscale_oauth_client as Json;

  it('owns the whole policy file: the policy as JSON, overwriting what the tailnet had', () => {
    const acl = json.resource.tailscale_acl.policy as Json;
    expect(acl.overwrite_existing_content).toBe(true);
    expect(JSON.parse(acl.acl as string)).toEqual(buildTailnetPolicy());
  });

  it('builds the policy from the stack options', () => {
    const acl = synthPolicyStack({ slotCount: 3 }).resource.tailscale_acl.policy as Json;
    expect(JSON.parse(acl.acl as string)).toEqual(buildTailnetPolicy({ slotCount: 3 }));
  });

  it('makes no operator OAuth client by default: each lab makes its operator a federated identity', () => {
    expect(clients['operator-oauth']).toBeUndefined();
    expect(buildTailnetPolicy().tagOwners['tag:k8s-operator']).toBeUndefined();
  });

  it('with sharedOperatorClient, creates the shared operator OAuth client with the scopes and tag it needs', () => {
    const shared = synthPolicyStack({ sharedOperatorClient: true });
    expect(shared.resource.tailscale_oauth_client['operator-oauth']).toMatchObject({
      scopes: ['devices:core', 'auth_keys', 'services'],
      tags: ['tag:k8s-operator'],
      depends_on: ['tailscale_acl.policy'],
    });
    expect(JSON.parse(shared.resource.tailscale_acl.policy.acl).tagOwners['tag:k8s-operator']).toEqual([]);
    expect(shared.output.operator_oauth_client_secret).toEqual({
      value: '${tailscale_oauth_client.operator-oauth.key}',
      sensitive: true,
    });
  });

  it('creates the CI OAuth client tagged for CI runners, after the policy that declares its tag', () => {
    expect(clients['ci-oauth']).toMatchObject({
      scopes: ['devices:core', 'auth_keys', 'dns', 'devices:routes:read', 'federated_keys'],
      tags: [CI_RUNNER_TAG],
      depends_on: ['tailscale_acl.policy'],
    });
    const policy = buildTailnetPolicy();
    for (const client of Object.values(clients)) {
      for (const tag of client.tags as string[]) expect(Object.keys(policy.tagOwners)).toContain(tag);
    }
  });

  it("outputs the CI client's id and secret as sensitive values", () => {
    expect(json.output).toEqual({
      ci_oauth_client_id: { value: '${tailscale_oauth_client.ci-oauth.id}', sensitive: true },
      ci_oauth_client_secret: { value: '${tailscale_oauth_client.ci-oauth.key}', sensitive: true },
    });
  });

  it('authenticates with admin OAuth credentials from sensitive variables', () => {
    expect(json.provider.tailscale).toEqual([
      {
        oauth_client_id: '${var.tailscale_admin_oauth_client_id}',
        oauth_client_secret: '${var.tailscale_admin_oauth_client_secret}',
      },
    ]);
    expect(json.variable.tailscale_admin_oauth_client_id.sensitive).toBe(true);
    expect(json.variable.tailscale_admin_oauth_client_secret.sensitive).toBe(true);
    expect(json.terraform.required_providers).toEqual({
      tailscale: { source: 'tailscale/tailscale', version: '~> 0.29.2' },
    });
    expect(synthPolicyStack({ tailnet: 'T1234' }).provider.tailscale[0].tailnet).toBe('T1234');
  });

  it('turns MagicDNS on unless told otherwise', () => {
    expect(json.resource.tailscale_dns_preferences['dns-preferences']).toEqual({ magic_dns: true });
    const off = synthPolicyStack({ magicDns: false });
    expect(off.resource.tailscale_dns_preferences['dns-preferences']).toEqual({ magic_dns: false });
  });

  it('keeps its state apart from every lab: local by default, or the S3 key it is given', () => {
    expect(json.terraform.backend).toEqual({ local: { path: '.tslab/state/tailnet-policy.tfstate' } });
    const s3 = synthPolicyStack({
      backend: {
        kind: 's3',
        bucket: 'tslab-state',
        region: 'eu-west-1',
        key: 'tslab/tailnet-policy.tfstate',
      },
    });
    expect(s3.terraform.backend.s3).toEqual({
      bucket: 'tslab-state',
      key: 'tslab/tailnet-policy.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      use_lockfile: true,
    });
  });
});

/** Tailscale's pattern match: `*` matches any characters, everything else itself (workload-identity.md §1). */
function matches(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(value);
}

/** Whether a federated identity as synthesized accepts a token with these claims (iss, sub, custom rules). */
function accepts(identity: Json, claims: Record<string, string>): boolean {
  if (claims['iss'] !== identity.issuer) return false;
  if (!matches(identity.subject as string, claims['sub'] ?? '')) return false;
  return Object.entries(identity.custom_claim_rules as Record<string, string>).every(
    ([claim, pattern]) => claims[claim] !== undefined && matches(pattern, claims[claim]!),
  );
}

describe('the CI federated identity (GitHub Actions, no secret)', () => {
  const ISSUER = 'https://token.actions.githubusercontent.com';
  const unfederated = synthPolicyStack();
  const federated = synthPolicyStack({ githubRepository: 'octo/tslab', githubRepositoryId: '4242' });
  const identity = federated.resource.tailscale_federated_identity['ci-federated'] as Json;
  /** A GitHub Actions token of octo/tslab (id 4242, owner id 77), in the given subject form (§7). */
  const token = (sub: string, overrides: Record<string, string> = {}) => ({
    iss: ISSUER,
    sub,
    repository: 'octo/tslab',
    repository_id: '4242',
    ...overrides,
  });

  it('is made only when the stack is given the repository', () => {
    expect(unfederated.resource.tailscale_federated_identity).toBeUndefined();
    expect(Object.keys(unfederated.output)).not.toContain('ci_federated_client_id');
    expect(identity).toBeDefined();
  });

  it("trusts GitHub's issuer with the CI client's scopes and tag, after the policy that declares the tag", () => {
    expect(identity).toMatchObject({
      issuer: ISSUER,
      scopes: federated.resource.tailscale_oauth_client['ci-oauth'].scopes,
      tags: federated.resource.tailscale_oauth_client['ci-oauth'].tags,
      depends_on: ['tailscale_acl.policy'],
    });
    expect(identity.tags).toEqual([CI_RUNNER_TAG]);
    // Tailscale generates the audience (the provider docs recommend it); the workflows read it from the output.
    expect(identity.audience).toBeUndefined();
    expect((identity.description as string).length).toBeLessThanOrEqual(50);
  });

  it('outputs its client ID and audience, not marked sensitive: neither is a secret', () => {
    expect(federated.output.ci_federated_client_id).toEqual({
      value: '${tailscale_federated_identity.ci-federated.id}',
    });
    expect(federated.output.ci_federated_audience).toEqual({
      value: '${tailscale_federated_identity.ci-federated.audience}',
    });
  });

  it('accepts the repository’s runs in both subject forms (before and after the 2026-07-15 change)', () => {
    for (const sub of [
      'repo:octo/tslab:environment:tslab',
      'repo:octo/tslab:pull_request',
      'repo:octo/tslab:ref:refs/heads/main',
      'repo:octo@77/tslab@4242:environment:tslab',
      'repo:octo@77/tslab@4242:pull_request',
      'repo:octo@77/tslab@4242:ref:refs/heads/main',
    ])
      expect(accepts(identity, token(sub)), sub).toBe(true);
  });

  it('refuses every other repository, a repository re-created under the same name, and other issuers', () => {
    const other = token('repo:octo/tslab-fork:pull_request', {
      repository: 'octo/tslab-fork',
      repository_id: '5',
    });
    expect(accepts(identity, other)).toBe(false);
    const prefix = token('repo:octo/tslab2:pull_request', {
      repository: 'octo/tslab2',
      repository_id: '42420',
    });
    expect(accepts(identity, prefix)).toBe(false);
    const recreated = token('repo:octo/tslab:pull_request', { repository_id: '9999' });
    expect(accepts(identity, recreated)).toBe(false);
    expect(accepts(identity, token('repo:octo/tslab:pull_request', { iss: 'https://example.com' }))).toBe(
      false,
    );
    const noClaims = { iss: ISSUER, sub: 'repo:octo/tslab:pull_request' };
    expect(accepts(identity, noClaims)).toBe(false);
  });

  it('without the repository ID, pins the repository by name', () => {
    const byName = synthPolicyStack({ githubRepository: 'octo/tslab' }).resource.tailscale_federated_identity[
      'ci-federated'
    ] as Json;
    expect(byName.custom_claim_rules).toEqual({ repository: 'octo/tslab' });
    expect(accepts(byName, token('repo:octo@77/tslab@4242:pull_request'))).toBe(true);
    expect(accepts(byName, token('repo:octa/tslab:pull_request', { repository: 'octa/tslab' }))).toBe(false);
  });

  it('refuses a repository or an ID that would widen the patterns, or an ID alone', () => {
    for (const [repository, id] of [
      ['octo/*', undefined],
      ['*', undefined],
      ['octo/tslab/x', undefined],
      ['octo', undefined],
      ['octo/tslab', '4*'],
      ['octo/tslab', ''],
    ] as const)
      expect(() => githubClaimRules(repository, id), `${repository} ${id}`).toThrow(LabConfigError);
    expect(() => synthPolicyStack({ githubRepositoryId: '4242' })).toThrow(LabConfigError);
    expect(githubClaimRules('my-org/my.repo_1', '1').customClaimRules).toEqual({
      repository: 'my-org/my.repo_1',
      repository_id: '1',
    });
  });

  it('is wired through tslab synth-policy: --github-repository and --github-repository-id', async () => {
    const out = testOutdir();
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const args = ['synth-policy', '--out', out, '--github-repository', 'octo/tslab'];
    expect(await main([...args, '--github-repository-id', '4242'], io)).toBe(0);
    const file = join(out, 'tailnet-policy', 'stacks', 'tailnet-policy', 'cdk.tf.json');
    const written = JSON.parse(readFileSync(file, 'utf8')) as Json;
    expect(written.resource.tailscale_federated_identity['ci-federated'].custom_claim_rules).toEqual({
      repository: 'octo/tslab',
      repository_id: '4242',
    });
    expect(await main(['synth-policy', '--out', out, '--github-repository', 'octo/*'], io)).toBe(2);
    expect(lines.join('\n')).toContain('--github-repository: "octo/*" — must be owner/repo');
  });
});
