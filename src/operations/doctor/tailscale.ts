// The doctor's Tailscale checks: the CI OAuth client's token and scopes, an optional auth-key probe, and the
// operator's own client in the environment.
import type { LabConfig } from '../../lab/config.ts';
import { errorMessage } from '../../lab/errors.ts';
import { OPERATOR_CREDENTIAL_ENV, TAILSCALE_CREDENTIAL_ENV } from '../../lab/stack-contract.ts';
import { TailscaleApiError, type TailscaleApi } from '../../tailscale/api-client.ts';
import type { DoctorDeps } from '../doctor.ts';
import { fail, pass, SETUP, type DoctorResult, type Outcome } from './result.ts';

export async function tailscale(deps: DoctorDeps): Promise<DoctorResult[]> {
  const api = deps.tailscale;
  if (!api) {
    return [
      {
        check: 'tailscale-oauth',
        ok: false,
        detail: `${TAILSCALE_CREDENTIAL_ENV.join(' and ')} are not set`,
        fix:
          'Export the CI OAuth client (tag:tslab-ci; scopes devices:core, auth_keys, dns, devices:routes:read): ' +
          '`terraform output -raw ci_oauth_client_id` / `ci_oauth_client_secret` in the tailnet-policy stack ' +
          `(${SETUP}, "Tailscale").`,
      },
    ];
  }
  const results: DoctorResult[] = [];
  try {
    const devices = await api.listDevices();
    results.push({
      check: 'tailscale-oauth',
      ...pass(`token issued; ${devices.length} device(s) visible in tailnet ${api.tailnet} (devices:core)`),
    });
  } catch (error) {
    // Without a token nothing else can be told apart: stop here.
    if (isTokenFailure(error)) {
      return [
        {
          check: 'tailscale-oauth',
          ...fail(
            `the OAuth client could not get a token: ${errorMessage(error)}`,
            'Check TAILSCALE_OAUTH_CLIENT_ID / _SECRET: the client may be deleted or the secret mistyped; ' +
              're-create it with the tailnet-policy stack.',
          ),
        },
      ];
    }
    results.push({
      check: 'tailscale-oauth',
      ...scopeFailure(error, 'devices:core', 'list and remove lab devices'),
    });
  }
  try {
    const domains = Object.keys(await api.getSplitDns());
    results.push({
      check: 'tailscale-dns',
      ...pass(`split DNS readable (${domains.length} domain(s)) (dns)`),
    });
  } catch (error) {
    results.push({ check: 'tailscale-dns', ...scopeFailure(error, 'dns', "write each lab's split DNS") });
  }
  if (deps.probeAuthKey)
    results.push({ check: 'tailscale-auth-key', ...(await authKeyProbe(api, deps.lab)) });
  return results;
}

async function authKeyProbe(api: TailscaleApi, lab: LabConfig): Promise<Outcome> {
  const tag = lab.tailnet.clientTag;
  try {
    const key = await api.createAuthKey({
      reusable: false,
      ephemeral: true,
      preauthorized: false,
      tags: [tag],
      expirySeconds: 300,
      description: 'tslab doctor probe',
    });
    // The key itself is never shown: only that it exists.
    return pass(`minted a single-use key tagged ${tag} (id ${key.id}, unused, expires in 5 minutes)`);
  } catch (error) {
    if (error instanceof TailscaleApiError && error.status === 400) {
      return fail(
        `the OAuth client may not tag keys ${tag}: ${error.apiMessage}`,
        `Apply the tailnet-policy stack (its tagOwners let tag:tslab-ci own ${tag}), and make sure the OAuth ` +
          `client itself carries tag:tslab-ci (${SETUP}, "Tailnet policy").`,
      );
    }
    return scopeFailure(error, 'auth_keys', "mint the lab client's auth key");
  }
}

function isTokenFailure(error: unknown): boolean {
  return error instanceof TailscaleApiError && error.path === '/api/v2/oauth/token';
}

function scopeFailure(error: unknown, scope: string, purpose: string): Outcome {
  if (error instanceof TailscaleApiError && (error.status === 403 || error.status === 401)) {
    return fail(
      `the OAuth client lacks scope ${scope} (HTTP ${error.status}: ${error.apiMessage})`,
      `Give the CI OAuth client scope ${scope} (it needs it to ${purpose}); OAuth client scopes cannot be edited: ` +
        `create a new client with the tailnet-policy stack (${SETUP}, "Tailscale").`,
    );
  }
  return fail(
    `Tailscale API call failed: ${errorMessage(error)}`,
    'Retry; check https://status.tailscale.com.',
  );
}

export function operatorCredentials(env: NodeJS.ProcessEnv): Outcome {
  const missing = OPERATOR_CREDENTIAL_ENV.filter((name) => !env[name]);
  if (!missing.length) return pass(`${OPERATOR_CREDENTIAL_ENV.join(', ')} set`);
  return fail(
    `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: \`tslab up\` hands the Tailscale operator its own OAuth client through them`,
    'Export them from the tailnet-policy stack: `terraform output -raw operator_oauth_client_id` and ' +
      `\`operator_oauth_client_secret\` (${SETUP}, "Tailscale"). In GitHub Actions they are the provision action's ` +
      'operator-oauth-client-id / -secret inputs instead.',
  );
}
