// The Tailscale credentials a lab operation needs, which operation needs which, and how terraform receives them. The
// adapters only read them (action inputs, or the environment for the CLI) and say where a missing one comes from.
import type { ConfigIssue } from '../lab/errors.ts';
import { OPERATOR_CREDENTIAL_ENV, TAILSCALE_CREDENTIAL_ENV } from '../lab/stack-contract.ts';
import { IDENTITY_TOKEN_ENV } from '../clients/tailscale/identity-token.ts';

export interface OauthClient {
  id: string;
  secret: string;
  audience?: undefined;
}

/**
 * A federated identity (docs/design/workload-identity.md §1): its client ID and the audience its OIDC token must
 * carry. Neither is secret; the token itself is fetched when needed (GitHub Actions, or TAILSCALE_IDENTITY_TOKEN).
 */
export interface FederatedIdentity {
  id: string;
  audience: string;
  secret?: undefined;
}

/** What CI authenticates to Tailscale with: an OAuth client, or a federated identity (no long-lived secret). */
export type TailscaleCredential = OauthClient | FederatedIdentity;

export function isFederated(credential: TailscaleCredential): credential is FederatedIdentity {
  return credential.audience !== undefined;
}

/** Where the CLI reads a federated identity's audience: the name the tailscale provider reads (§3). */
export const TAILSCALE_AUDIENCE_ENV = 'TAILSCALE_AUDIENCE';

export interface LabCredentials {
  /** The CI credential: the tailscale provider, the Tailscale API, the runner's own tailnet join. */
  tailscale?: TailscaleCredential;
  /** The operator's own client, handed to its Helm release. */
  operator?: OauthClient;
}

export type CredentialKind = keyof LabCredentials;
/** What a credential is asked for: a lab operation, or the sweep of expired labs. */
export type CredentialUse = 'provision' | 'validate' | 'teardown' | 'sweep';

/**
 * What each use needs on the target as given: only aws needs any (the local lab none; an unknown target is named by
 * openLab before anything is asked for), and a sweep that only lists (dry run) removes no tailnet device. The
 * operator's own OAuth client only with operator-auth oauth: by default each lab makes its operator a federated
 * identity (operatorCredentialIssue).
 */
export function requiredCredentials(target: unknown, use: CredentialUse, dryRun = false): CredentialKind[] {
  if (target !== 'aws' || (use === 'sweep' && dryRun)) return [];
  return ['tailscale'];
}

/** With operator-auth oauth, provision on aws needs the shared operator client; named before any cloud call. */
export function operatorCredentialIssue(
  target: unknown,
  operatorAuth: string,
  credentials: LabCredentials,
): { field: string; value: string; rule: string } | undefined {
  if (target !== 'aws' || operatorAuth !== 'oauth' || credentials.operator) return undefined;
  return {
    field: 'operatorAuth',
    value: operatorAuth,
    rule:
      'needs the shared operator OAuth client (inputs operator-oauth-client-id/-secret; for the CLI ' +
      `${OPERATOR_CREDENTIAL_ENV.join(' and ')}); ` +
      "the default 'federated' needs none",
  };
}

/** The names one adapter reads the CI credential's three parts under (action inputs, or environment variables). */
export interface TailscaleCredentialNames {
  id: string;
  secret: string;
  audience: string;
}

/**
 * The CI credential from its three parts: id and secret an OAuth client, id and audience a federated identity. Both a
 * secret and an audience is ambiguous and always refused; a part missing matters only when `required`, whose `rule`
 * says where it is missing from (e.g. "is required for the aws target").
 */
export function tailscaleCredentialFrom(
  parts: { id?: string | undefined; secret?: string | undefined; audience?: string | undefined },
  names: TailscaleCredentialNames,
  required: { rule: string } | undefined,
): { credential?: TailscaleCredential; issues: ConfigIssue[] } {
  const { id, secret, audience } = parts;
  if (secret && audience) {
    const rule = (other: string) =>
      `cannot be set with ${other}: an OAuth client has a secret, a federated identity an audience; set one`;
    return {
      issues: [
        { field: names.secret, value: '', rule: rule(names.audience) },
        { field: names.audience, value: '', rule: rule(names.secret) },
      ],
    };
  }
  if (id && secret) return { credential: { id, secret }, issues: [] };
  if (id && audience) return { credential: { id, audience }, issues: [] };
  if (!required) return { issues: [] };
  const issues: ConfigIssue[] = [];
  if (!id) issues.push({ field: names.id, value: '', rule: required.rule });
  if (!secret && !audience) {
    issues.push({
      field: names.secret,
      value: '',
      rule: `${required.rule} (or ${names.audience}, for a federated identity)`,
    });
  }
  return { issues };
}

/**
 * The engine's environment: the provider reads TAILSCALE_OAUTH_CLIENT_ID with _SECRET (OAuth) or with
 * TAILSCALE_AUDIENCE (federated: it fetches the job's GitHub token itself), or with TAILSCALE_IDENTITY_TOKEN when one
 * is given; it refuses an audience beside a secret or a token (docs/design/workload-identity.md §3), so the others
 * are removed. The workloads stack reads TF_VAR_operator_oauth_*.
 */
export function terraformEnvironment(
  credentials: LabCredentials,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const [idName, secretName] = TAILSCALE_CREDENTIAL_ENV;
  const [operatorIdName, operatorSecretName] = OPERATOR_CREDENTIAL_ENV as [string, string];
  const env: NodeJS.ProcessEnv = { ...base };
  const ci = credentials.tailscale;
  if (ci) {
    for (const name of [secretName, TAILSCALE_AUDIENCE_ENV]) delete env[name];
    env[idName] = ci.id;
    if (!isFederated(ci)) {
      env[secretName] = ci.secret;
      delete env[IDENTITY_TOKEN_ENV];
    } else if (!env[IDENTITY_TOKEN_ENV]?.trim()) {
      delete env[IDENTITY_TOKEN_ENV];
      env[TAILSCALE_AUDIENCE_ENV] = ci.audience;
    }
  }
  return {
    ...env,
    ...(credentials.operator
      ? {
          [operatorIdName]: credentials.operator.id,
          [operatorSecretName]: credentials.operator.secret,
        }
      : {}),
  };
}
