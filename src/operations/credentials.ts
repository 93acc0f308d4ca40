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
 * openLab before anything is asked for). On AWS up also installs the operator, and a sweep that only lists (dry run)
 * removes no tailnet device.
 */
export function requiredCredentials(target: unknown, verb: LabVerb, dryRun = false): CredentialKind[] {
  if (target !== 'aws' || (verb === 'sweep' && dryRun)) return [];
  return verb === 'up' ? ['tailscale', 'operator'] : ['tailscale'];
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
