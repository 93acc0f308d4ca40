// The Tailscale credentials a lab operation needs, which operation needs which, and how terraform receives them. The
// adapters only read them (action inputs, or the environment for the CLI) and say where a missing one comes from.
import { OPERATOR_CREDENTIAL_ENV, TAILSCALE_CREDENTIAL_ENV } from '../lab/stack-contract.ts';

export interface OauthClient {
  id: string;
  secret: string;
}

export interface LabCredentials {
  /** The CI client: the tailscale provider, the Tailscale API, the runner's own tailnet join. */
  tailscale?: OauthClient;
  /** The operator's own client, handed to its Helm release. */
  operator?: OauthClient;
}

export type CredentialKind = keyof LabCredentials;
export type LabVerb = 'up' | 'validate' | 'down' | 'sweep';

/**
 * What each verb needs on the target as given: only aws needs any (the local lab none; an unknown target is named by
 * openLab before anything is asked for), and a sweep that only lists (dry run) removes no tailnet device. The
 * operator's own OAuth client only with operator-auth oauth: by default each lab makes its operator a federated
 * identity (operatorCredentialIssue).
 */
export function requiredCredentials(target: unknown, verb: LabVerb, dryRun = false): CredentialKind[] {
  if (target !== 'aws' || (verb === 'sweep' && dryRun)) return [];
  return ['tailscale'];
}

/** With operator-auth oauth, up needs the shared operator client; named before any cloud call. */
export function operatorCredentialIssue(
  operatorAuth: string,
  credentials: LabCredentials,
): { field: string; value: string; rule: string } | undefined {
  if (operatorAuth !== 'oauth' || credentials.operator) return undefined;
  return {
    field: 'operatorAuth',
    value: operatorAuth,
    rule:
      'needs the shared operator OAuth client (inputs operator-oauth-client-id/-secret; for the CLI ' +
      `${OPERATOR_CREDENTIAL_ENV.join(' and ')}); ` +
      "the default 'federated' needs none",
  };
}

/** The engine's environment: the provider reads TAILSCALE_OAUTH_*, the workloads stack TF_VAR_operator_oauth_*. */
export function terraformEnvironment(
  credentials: LabCredentials,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const [idName, secretName] = TAILSCALE_CREDENTIAL_ENV;
  const [operatorIdName, operatorSecretName] = OPERATOR_CREDENTIAL_ENV as [string, string];
  return {
    ...base,
    ...(credentials.tailscale
      ? { [idName]: credentials.tailscale.id, [secretName]: credentials.tailscale.secret }
      : {}),
    ...(credentials.operator
      ? {
          [operatorIdName]: credentials.operator.id,
          [operatorSecretName]: credentials.operator.secret,
        }
      : {}),
  };
}
