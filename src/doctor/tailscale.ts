// The doctor's Tailscale checks: the CI credential's token, its scopes by use and as its own key says, an optional
// auth-key probe, and the operator's own client in the environment (operator-auth oauth only).
import { errorMessage } from '../lab/errors.ts';
import {
  CI_OAUTH_SCOPES,
  CI_RUNNER_TAG,
  OPERATOR_CREDENTIAL_ENV,
  TAILSCALE_CREDENTIAL_ENV,
} from '../lab/stack-contract.ts';
import { TailscaleApiError, type TailscaleApi } from '../clients/tailscale/api-client.ts';
import type { TailnetKey } from '../clients/tailscale/api-client.ts';
import type { DoctorDeps } from './doctor.ts';
import { ciCredential } from './ci-credential.ts';
import { operatorPolicy } from './operator.ts';
import { fail, notChecked, pass, SETUP, type DoctorResult, type Outcome } from './result.ts';

export async function tailscale(deps: DoctorDeps): Promise<DoctorResult[]> {
  const api = deps.tailscale;
  if (!api) {
    return [
      {
        check: 'tailscale-oauth',
        ok: false,
        detail: `${TAILSCALE_CREDENTIAL_ENV.join(' and ')} are not set`,
        fix:
          `Export the CI OAuth client (${CI_RUNNER_TAG}; scopes ${CI_OAUTH_SCOPES.join(', ')}): ` +
          '`terraform output -raw ci_oauth_client_id` / `ci_oauth_client_secret` in the tailnet-policy stack ' +
          `(${SETUP}, "Tailscale").`,
      },
      ...operatorPath(deps, undefined, false),
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
        ...operatorPath(deps, undefined, false),
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
  let key: TailnetKey | undefined;
  if (deps.tailscaleClientId) {
    const report = await ciCredential(api, deps.tailscaleClientId);
    key = report.key;
    results.push(...report.results);
  } else {
    results.push({
      check: 'tailscale-ci-credential',
      ...notChecked('not checked: the CI credential’s client ID is not known'),
    });
  }
  const federatedOperator = deps.lab.tailnet.operatorAuth === 'federated';
  if (deps.probeAuthKey) {
    results.push({
      check: 'tailscale-auth-key',
      ...(await authKeyProbe(api, deps.lab.tailnet.clientTag, "mint the lab client's auth key")),
    });
    // The lab's stacks tag its operator's identity and device with this tag: CI must own it.
    if (federatedOperator) {
      results.push({
        check: 'tailscale-operator-tag',
        ...(await authKeyProbe(api, deps.lab.tailnet.operatorTag, "tag the lab operator's identity")),
      });
    }
  }
  const operatorTagProbed = results.some((r) => r.check === 'tailscale-operator-tag' && r.ok);
  results.push(...operatorPath(deps, key, operatorTagProbed));
  return results;
}

/** operator-auth oauth: the shared client in the environment; federated: the policy the lab's identity needs. */
function operatorPath(
  deps: DoctorDeps,
  key: TailnetKey | undefined,
  operatorTagProbed: boolean,
): DoctorResult[] {
  if (deps.lab.tailnet.operatorAuth === 'federated') {
    return [{ check: 'operator-policy', ...operatorPolicy(deps.lab, key, operatorTagProbed) }];
  }
  return [{ check: 'operator-credentials', ...operatorCredentials(deps.env) }];
}

async function authKeyProbe(api: TailscaleApi, tag: string, purpose: string): Promise<Outcome> {
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
    return scopeFailure(error, 'auth_keys', purpose);
  }
}

function isTokenFailure(error: unknown): boolean {
  // The OAuth client's grant, or a federated identity's exchange of its OIDC token.
  return (
    error instanceof TailscaleApiError &&
    (error.path === '/api/v2/oauth/token' || error.path === '/api/v2/oauth/token-exchange')
  );
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
    `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: \`tslab provision\` hands the Tailscale operator its own OAuth client through them`,
    'Export them from the tailnet-policy stack: `terraform output -raw operator_oauth_client_id` and ' +
      `\`operator_oauth_client_secret\` (${SETUP}, "Tailscale"). In GitHub Actions they are the provision action's ` +
      'operator-oauth-client-id / -secret inputs instead.',
  );
}
