// Where a federated identity's OIDC token (a JWT) comes from: GitHub Actions' token service in a workflow job, or
// TAILSCALE_IDENTITY_TOKEN elsewhere (the name the tailscale provider reads, docs/design/workload-identity.md §3).
// A JWT is a bearer secret for its lifetime: masked in a workflow before anything uses it, never logged or echoed.
import { errorMessage } from '../../lab/errors.ts';

/** A JWT whose `aud` is `audience`; asked again for every exchange, so a short-lived token is always fresh. */
export type IdentityTokenSource = (audience: string) => Promise<string>;

/** A JWT given as is (the CLI outside Actions); it must already carry the federated identity's audience. */
export const IDENTITY_TOKEN_ENV = 'TAILSCALE_IDENTITY_TOKEN';

/** Set by the runner only when the job has `permissions: id-token: write` (docs/design/workload-identity.md §7). */
export const GITHUB_OIDC_ENV = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const;

/**
 * TAILSCALE_IDENTITY_TOKEN when set (as the provider, so tslab and terraform present the same token), else the job's
 * GitHub OIDC token; read when asked, not when made. Without either, the error says what to set.
 */
export function identityTokenFromEnvironment(env: NodeJS.ProcessEnv = process.env): IdentityTokenSource {
  return async (audience) => {
    const given = env[IDENTITY_TOKEN_ENV]?.trim();
    if (given) {
      // Outside a runner ::add-mask:: would print the token itself, so only a runner is told.
      if (env['GITHUB_ACTIONS'] === 'true') await mask(given);
      return given;
    }
    if (GITHUB_OIDC_ENV.every((name) => env[name])) return githubActionsIdentityToken(audience);
    throw new Error(
      'no OIDC token for the federated identity: in GitHub Actions the job needs `permissions: id-token: write` ' +
        `(${GITHUB_OIDC_ENV.join(' and ')} are not set); elsewhere set ${IDENTITY_TOKEN_ENV} to a JWT ` +
        'with its audience',
    );
  };
}

/** The job's GitHub OIDC token for `audience` (core.getIDToken, docs/design/workload-identity.md §2), masked. */
export async function githubActionsIdentityToken(audience: string): Promise<string> {
  const core = await import('@actions/core');
  let jwt: string;
  try {
    jwt = await core.getIDToken(audience);
  } catch (error) {
    throw new Error(`GitHub Actions gave no OIDC token: ${errorMessage(error).replace(/\s+/g, ' ').trim()}`, {
      cause: error,
    });
  }
  core.setSecret(jwt);
  return jwt;
}

async function mask(secret: string): Promise<void> {
  const core = await import('@actions/core');
  core.setSecret(secret);
}
