import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { buildTailnetPolicy, CI_RUNNER_TAG } from '../../../infra/manifests/tailnet-policy.ts';
import {
  TailnetPolicyStack,
  type TailnetPolicyStackOptions,
} from '../../../infra/stacks/tailnet-policy-stack.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function synthPolicyStack(options: TailnetPolicyStackOptions = {}): Json {
  return JSON.parse(Testing.synth(new TailnetPolicyStack(Testing.app(), 'tailnet-policy', options))) as Json;
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
