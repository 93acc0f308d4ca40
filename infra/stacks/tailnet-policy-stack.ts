// Stack "tailnet-policy": one per tailnet, not per lab. An admin applies it rarely, with an admin OAuth client
// (scopes policy_file, oauth_keys, dns; federated_keys too when it makes the CI federated identity); labs never
// touch it.
//
// THIS STACK OWNS THE TAILNET'S WHOLE POLICY FILE: tailscale_acl replaces it entirely (overwrite_existing_content),
// so anything added by hand in the admin console is lost on the next apply. Put changes in
// infra/manifests/tailnet-policy.ts instead.
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { buildTailnetPolicy, type TailnetPolicyOptions } from '../manifests/tailnet-policy.ts';
import { TailscaleAcl } from '../tailscale/acl.ts';
import { TailscaleDnsPreferences } from '../tailscale/dns.ts';
import { TailscaleFederatedIdentity } from '../tailscale/federated-identity.ts';
import { TailscaleOauthClient } from '../tailscale/oauth-client.ts';
import { TailscaleProvider } from '../tailscale/provider.ts';
import { OPERATOR_SCOPES } from '../manifests/operator-values.ts';
import { SHARED_OPERATOR_TAG } from '../../src/lab/config.ts';
import { LabConfigError, type ConfigIssue } from '../../src/lab/errors.ts';
import { CI_OAUTH_SCOPES, CI_RUNNER_TAG, GITHUB_ACTIONS_ISSUER } from '../../src/lab/stack-contract.ts';

// What the CI credential carries lives in the stack contract, which `tslab doctor` reads without loading cdktf.
export { CI_OAUTH_SCOPES, GITHUB_ACTIONS_ISSUER } from '../../src/lab/stack-contract.ts';

export type TailnetPolicyBackend =
  { kind: 's3'; bucket: string; region: string; key: string } | { kind: 'local'; path: string };

export interface TailnetPolicyStackOptions extends TailnetPolicyOptions {
  /** Tailnet ID; default: the tailnet owning the admin credentials. */
  tailnet?: string;
  /** Default: local state under .tslab/state, like a lab without a state bucket. */
  backend?: TailnetPolicyBackend;
  /** Turn MagicDNS on (default true): clients then send DNS to 100.100.100.100, which applies each lab's split DNS. */
  magicDns?: boolean;
  /**
   * `owner/repo` whose GitHub Actions runs may act as CI with no secret: also make the CI federated identity, which
   * trusts GitHub's OIDC tokens of that repository only. Unset: the CI OAuth client alone.
   */
  githubRepository?: string;
  /** The repository's numeric ID (`gh api repos/OWNER/REPO --jq .id`), pinned too when given. */
  githubRepositoryId?: string;
}

export const TAILNET_POLICY_VARIABLES = {
  oauthClientId: 'tailscale_admin_oauth_client_id',
  oauthClientSecret: 'tailscale_admin_oauth_client_secret',
} as const;

/** Scopes of the shared operator OAuth client (operator-auth oauth), as Tailscale's operator install guide requires. */
export const OPERATOR_OAUTH_SCOPES = [...OPERATOR_SCOPES];

export interface GithubClaimRules {
  subject: string;
  customClaimRules: Record<string, string>;
}

/**
 * What a GitHub OIDC token must say to act as CI. The repository is pinned by claim rules, not by the subject: since
 * 2026-07-15 new, renamed and transferred repositories get `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` subjects
 * (docs/design/workload-identity.md §7), while the `repository` and `repository_id` claims keep one form. The
 * subject stays `repo:*`: one pattern (`*` only) cannot list the three per-trigger subjects docs/setup.md §2.2
 * names, so this identity admits the same runs as repository secrets do (any workflow of the repository).
 */
export function githubClaimRules(repository: string, repositoryId?: string): GithubClaimRules {
  // Strict shapes: a `*` here would be a wildcard in Tailscale's patterns and widen the trust.
  const issues: ConfigIssue[] = [];
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/.test(repository))
    issues.push({ field: 'githubRepository', value: repository, rule: 'must be owner/repo' });
  if (repositoryId !== undefined && !/^[1-9][0-9]*$/.test(repositoryId))
    issues.push({
      field: 'githubRepositoryId',
      value: repositoryId,
      rule: 'must be a numeric repository ID',
    });
  if (issues.length) throw new LabConfigError(issues);
  return {
    subject: 'repo:*',
    customClaimRules: {
      repository,
      // The ID also refuses a repository re-created under a freed name.
      ...(repositoryId !== undefined ? { repository_id: repositoryId } : {}),
    },
  };
}

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
      scopes: [...CI_OAUTH_SCOPES],
      tags: [policyTag(policy, CI_RUNNER_TAG)],
      dependsOn: [acl],
    });

    new TerraformOutput(this, 'ci_oauth_client_id', { value: ci.id, sensitive: true });
    new TerraformOutput(this, 'ci_oauth_client_secret', { value: ci.key, sensitive: true });

    // CI with no secret: the workflows use it when its client ID and audience are set as repository variables
    // (docs/setup.md §3.3). Same scopes and tag as the CI OAuth client, so either path can do the same things.
    if (options.githubRepository !== undefined) {
      const rules = githubClaimRules(options.githubRepository, options.githubRepositoryId);
      const federated = new TailscaleFederatedIdentity(this, 'ci-federated', {
        description: 'tslab-ci (GitHub Actions)',
        issuer: GITHUB_ACTIONS_ISSUER,
        subject: rules.subject,
        customClaimRules: rules.customClaimRules,
        scopes: [...CI_OAUTH_SCOPES],
        tags: [policyTag(policy, CI_RUNNER_TAG)],
        dependsOn: [acl],
      });
      // Neither is a secret: a token is still needed, and only the pinned repository's runs get one.
      new TerraformOutput(this, 'ci_federated_client_id', { value: federated.clientId });
      new TerraformOutput(this, 'ci_federated_audience', { value: federated.audienceValue });
    } else if (options.githubRepositoryId !== undefined) {
      throw new LabConfigError([
        { field: 'githubRepository', value: undefined, rule: 'is required with githubRepositoryId' },
      ]);
    }
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
