// Stack "tailnet-policy": one per tailnet, not per lab. An admin applies it rarely, with an admin OAuth client
// (scopes policy_file, oauth_keys, dns); labs never touch it.
//
// THIS STACK OWNS THE TAILNET'S WHOLE POLICY FILE: tailscale_acl replaces it entirely (overwrite_existing_content),
// so anything added by hand in the admin console is lost on the next apply. Put changes in
// infra/manifests/tailnet-policy.ts instead.
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { buildTailnetPolicy, CI_RUNNER_TAG, type TailnetPolicyOptions } from '../manifests/tailnet-policy.ts';
import { TailscaleAcl } from '../tailscale/acl.ts';
import { TailscaleDnsPreferences } from '../tailscale/dns.ts';
import { TailscaleOauthClient } from '../tailscale/oauth-client.ts';
import { TailscaleProvider } from '../tailscale/provider.ts';
import { OPERATOR_SCOPES } from '../manifests/operator-values.ts';
import { SHARED_OPERATOR_TAG } from '../../src/lab/config.ts';

export type TailnetPolicyBackend =
  { kind: 's3'; bucket: string; region: string; key: string } | { kind: 'local'; path: string };

export interface TailnetPolicyStackOptions extends TailnetPolicyOptions {
  /** Tailnet ID; default: the tailnet owning the admin credentials. */
  tailnet?: string;
  /** Default: local state under .tslab/state, like a lab without a state bucket. */
  backend?: TailnetPolicyBackend;
  /** Turn MagicDNS on (default true): clients then send DNS to 100.100.100.100, which applies each lab's split DNS. */
  magicDns?: boolean;
}

export const TAILNET_POLICY_VARIABLES = {
  oauthClientId: 'tailscale_admin_oauth_client_id',
  oauthClientSecret: 'tailscale_admin_oauth_client_secret',
} as const;

/** Scopes of the shared operator OAuth client (operator-auth oauth), as Tailscale's operator install guide requires. */
export const OPERATOR_OAUTH_SCOPES = [...OPERATOR_SCOPES];

/**
 * Scopes of the CI OAuth client (KB 1623 trust-credential scopes): devices:core to look up and delete lab devices,
 * auth_keys to mint the client's key and join runners, dns for each lab's split DNS, devices:routes:read to check
 * that a lab's routes were advertised and approved, federated_keys to create (and destroy) each lab's operator
 * identity (docs/design/workload-identity.md §3).
 */
export const CI_OAUTH_SCOPES = ['devices:core', 'auth_keys', 'dns', 'devices:routes:read', 'federated_keys'];

const DEFAULT_BACKEND: TailnetPolicyBackend = { kind: 'local', path: '.tslab/state/tailnet-policy.tfstate' };

export class TailnetPolicyStack extends TerraformStack {
  constructor(scope: Construct, id: string, options: TailnetPolicyStackOptions = {}) {
    super(scope, id);
    configurePolicyBackend(this, options.backend ?? DEFAULT_BACKEND);

    const clientId = new TerraformVariable(this, TAILNET_POLICY_VARIABLES.oauthClientId, {
      type: 'string',
      sensitive: true,
      description: 'Admin OAuth client id (scopes policy_file, oauth_keys, dns)',
    });
    const clientSecret = new TerraformVariable(this, TAILNET_POLICY_VARIABLES.oauthClientSecret, {
      type: 'string',
      sensitive: true,
      description: 'Admin OAuth client secret',
    });
    new TailscaleProvider(this, 'tailscale', {
      oauthClientId: clientId.stringValue,
      oauthClientSecret: clientSecret.stringValue,
      ...(options.tailnet ? { tailnet: options.tailnet } : {}),
    });

    const policy = buildTailnetPolicy(options);
    const acl = new TailscaleAcl(this, 'policy', {
      acl: JSON.stringify(policy, null, 2),
      // The whole file is ours (see the header): no import step before the first apply.
      overwriteExistingContent: true,
    });
    new TailscaleDnsPreferences(this, 'dns-preferences', { magicDns: options.magicDns ?? true });

    // Clients are created after the policy so that their tags exist in tagOwners. The shared operator client only
    // for labs with operator-auth oauth: by default each lab makes its operator's federated identity itself.
    if (options.sharedOperatorClient) {
      const operator = new TailscaleOauthClient(this, 'operator-oauth', {
        description: 'tslab-operator',
        scopes: OPERATOR_OAUTH_SCOPES,
        tags: [policyTag(policy, SHARED_OPERATOR_TAG)],
        dependsOn: [acl],
      });
      new TerraformOutput(this, 'operator_oauth_client_id', { value: operator.id, sensitive: true });
      new TerraformOutput(this, 'operator_oauth_client_secret', { value: operator.key, sensitive: true });
    }
    const ci = new TailscaleOauthClient(this, 'ci-oauth', {
      description: 'tslab-ci',
      scopes: CI_OAUTH_SCOPES,
      tags: [policyTag(policy, CI_RUNNER_TAG)],
      dependsOn: [acl],
    });

    new TerraformOutput(this, 'ci_oauth_client_id', { value: ci.id, sensitive: true });
    new TerraformOutput(this, 'ci_oauth_client_secret', { value: ci.key, sensitive: true });
  }
}

/** Fails the synth, not the apply, if a client would be tagged with a tag the policy does not declare. */
function policyTag(policy: { tagOwners: Record<string, string[]> }, tag: string): string {
  if (!(tag in policy.tagOwners)) throw new Error(`tag '${tag}' is not declared in the policy's tagOwners`);
  return tag;
}

function configurePolicyBackend(stack: TerraformStack, backend: TailnetPolicyBackend): void {
  if (backend.kind === 's3') {
    const s3 = new S3Backend(stack, {
      bucket: backend.bucket,
      key: backend.key,
      region: backend.region,
      encrypt: true,
    });
    // S3 native locking (Terraform/OpenTofu 1.10+), as for lab stacks.
    s3.addOverride('use_lockfile', true);
  } else {
    new LocalBackend(stack, { path: backend.path });
  }
}
