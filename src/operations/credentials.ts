// The Tailscale credentials a lab operation needs, which operation needs which, and how terraform receives them. The
// adapters only read them (action inputs, or the environment for the CLI) and say where a missing one comes from.
import type { LabTargetName } from '../lab/config.ts';
import { TAILSCALE_CREDENTIAL_ENV, WORKLOADS_VARIABLES } from '../lab/stack-contract.ts';

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
 * What each verb needs on each target: the local lab needs none; on AWS up also installs the operator, and a sweep
 * that only lists (dry run) removes no tailnet device.
 */
export function requiredCredentials(target: LabTargetName, verb: LabVerb, dryRun = false): CredentialKind[] {
  if (target === 'local' || (verb === 'sweep' && dryRun)) return [];
  return verb === 'up' ? ['tailscale', 'operator'] : ['tailscale'];
}

/** The engine's environment: the provider reads TAILSCALE_OAUTH_*, the workloads stack TF_VAR_operator_oauth_*. */
export function terraformEnvironment(
  credentials: LabCredentials,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const [idName, secretName] = TAILSCALE_CREDENTIAL_ENV;
  return {
    ...base,
    ...(credentials.tailscale
      ? { [idName]: credentials.tailscale.id, [secretName]: credentials.tailscale.secret }
      : {}),
    ...(credentials.operator
      ? {
          [`TF_VAR_${WORKLOADS_VARIABLES.operatorOauthClientId}`]: credentials.operator.id,
          [`TF_VAR_${WORKLOADS_VARIABLES.operatorOauthClientSecret}`]: credentials.operator.secret,
        }
      : {}),
  };
}
