// The CLI takes Tailscale credentials from the environment, where terraform reads them too: the CI credential is
// TAILSCALE_OAUTH_CLIENT_ID with TAILSCALE_OAUTH_CLIENT_SECRET (an OAuth client) or with TAILSCALE_AUDIENCE (a
// federated identity, whose OIDC token comes from GitHub Actions or TAILSCALE_IDENTITY_TOKEN), the names the
// tailscale provider reads (docs/design/workload-identity.md §3).
import { LabConfigError, type ConfigIssue } from '../../lab/errors.ts';
import { OPERATOR_CREDENTIAL_ENV, TAILSCALE_CREDENTIAL_ENV } from '../../lab/stack-contract.ts';
import {
  requiredCredentials,
  TAILSCALE_AUDIENCE_ENV,
  tailscaleCredentialFrom,
  type LabCredentials,
  type CredentialUse,
  type TailscaleCredentialNames,
} from '../../targets/credentials.ts';

export const TAILSCALE_ENV: TailscaleCredentialNames = {
  id: TAILSCALE_CREDENTIAL_ENV[0],
  secret: TAILSCALE_CREDENTIAL_ENV[1],
  audience: TAILSCALE_AUDIENCE_ENV,
};

/** Those `use` needs on `target`, each variable named when missing; the others when they are set. */
export function credentialsFromEnv(
  target: unknown,
  use: CredentialUse,
  options: { dryRun?: boolean; env?: NodeJS.ProcessEnv } = {},
): LabCredentials {
  const env = options.env ?? process.env;
  const required = requiredCredentials(target, use, options.dryRun);
  const credentials: LabCredentials = {};
  const ci = tailscaleCredentialFrom(
    { id: env[TAILSCALE_ENV.id], secret: env[TAILSCALE_ENV.secret], audience: env[TAILSCALE_ENV.audience] },
    TAILSCALE_ENV,
    required.includes('tailscale') ? { rule: 'must be set in the environment' } : undefined,
  );
  const issues: ConfigIssue[] = [...ci.issues];
  if (ci.credential) credentials.tailscale = ci.credential;

  const [operatorId, operatorSecret] = OPERATOR_CREDENTIAL_ENV.map((name) => env[name]);
  if (operatorId && operatorSecret) credentials.operator = { id: operatorId, secret: operatorSecret };
  else if (required.includes('operator')) {
    for (const name of OPERATOR_CREDENTIAL_ENV) {
      if (!env[name]) issues.push({ field: name, value: '', rule: 'must be set in the environment' });
    }
  }
  if (issues.length) throw new LabConfigError(issues);
  return credentials;
}
