// The doctor's look at the CI credential's own key (GET keys/<client id>, which any scope may read for the key in
// use): an OAuth client or a federated identity, with the scopes and tag tslab needs; a federated identity must
// trust GitHub's issuer and pin the repository, since its client ID and audience are not secret (docs/setup.md §3).
import { errorMessage } from '../lab/errors.ts';
import { CI_OAUTH_SCOPES, CI_RUNNER_TAG, GITHUB_ACTIONS_ISSUER } from '../lab/stack-contract.ts';
import type { TailnetKey, TailscaleApi } from '../clients/tailscale/api-client.ts';
import { fail, pass, SETUP, type DoctorResult } from './result.ts';

const TAILSCALE_SECTION = `${SETUP} §3 ("Tailscale")`;
/** Where the CI federated identity (GitHub's issuer, the repository pinned by claim rules) is set up. */
const FEDERATED_SECTION = `${SETUP} §3.3`;

/** The key, when it could be read, and what the doctor concluded from it. */
export interface CiCredentialReport {
  key: TailnetKey | undefined;
  results: DoctorResult[];
}

export async function ciCredential(api: TailscaleApi, clientId: string): Promise<CiCredentialReport> {
  let key: TailnetKey;
  try {
    key = await api.getKey(clientId);
  } catch (error) {
    return {
      key: undefined,
      results: [
        {
          check: 'tailscale-ci-credential',
          ...fail(
            `could not read the CI credential's own key ${clientId}: ${errorMessage(error)}`,
            'Every scope may read the key in use, so check the client ID (TAILSCALE_OAUTH_CLIENT_ID) names this ' +
              `credential; retry if the API was unavailable (${TAILSCALE_SECTION}).`,
          ),
        },
      ],
    };
  }
  const results: DoctorResult[] = [{ check: 'tailscale-ci-credential', ...scopesAndTags(key) }];
  if (key.keyType === 'federated') results.push(...federatedTrust(key));
  return { key, results };
}

function scopesAndTags(key: TailnetKey): Omit<DoctorResult, 'check'> {
  const kind = credentialKind(key.keyType);
  if (!kind) {
    return fail(
      `key ${key.id} is of type ${key.keyType}, not an OAuth client or a federated identity`,
      `Use the CI OAuth client the tailnet-policy stack made, or the CI federated identity (${TAILSCALE_SECTION}).`,
    );
  }
  const scopes = key.scopes ?? [];
  const tags = key.tags ?? [];
  const missingScopes = CI_OAUTH_SCOPES.filter((scope) => !grants(scopes, scope));
  const missingTag = !tags.includes(CI_RUNNER_TAG);
  if (!missingScopes.length && !missingTag) {
    return pass(`${kind} ${key.id}: scopes ${scopes.join(', ')}; tags ${tags.join(', ')}`);
  }
  const problems = [
    ...(missingScopes.length
      ? [`lacks scope${missingScopes.length > 1 ? 's' : ''} ${missingScopes.join(', ')}`]
      : []),
    ...(missingTag ? [`is not tagged ${CI_RUNNER_TAG} (tags: ${tags.join(', ') || 'none'})`] : []),
  ];
  // federated_keys is the newest scope, so an older CI credential misses it: say what it is for.
  const why = missingScopes.includes('federated_keys')
    ? " (federated_keys: each lab creates its operator's federated identity with it)"
    : '';
  const how =
    kind === 'OAuth client'
      ? 're-apply the tailnet-policy stack, which makes the CI OAuth client with them, and export the new ' +
        `client (${SETUP} §3.1 and §3.2)`
      : 're-apply the tailnet-policy stack with --github-repository, which makes the CI federated identity with ' +
        `them (${FEDERATED_SECTION})`;
  return fail(
    `the ${kind} ${key.id} ${problems.join(' and ')}${why}`,
    `The CI credential needs scopes ${CI_OAUTH_SCOPES.join(', ')} and tag ${CI_RUNNER_TAG}: ${how}.`,
  );
}

function federatedTrust(key: TailnetKey): DoctorResult[] {
  const issuer = key.issuer ?? '';
  const results: DoctorResult[] = [
    {
      check: 'tailscale-ci-issuer',
      ...(issuer === GITHUB_ACTIONS_ISSUER
        ? pass(`trusts GitHub Actions (${GITHUB_ACTIONS_ISSUER})`)
        : fail(
            `the federated identity ${key.id} trusts issuer ${issuer || '(none)'}, not GitHub Actions: ` +
              "workflows' tokens will be refused",
            `Set its issuer to ${GITHUB_ACTIONS_ISSUER}: re-apply the tailnet-policy stack with --github-repository ` +
              `(${FEDERATED_SECTION}).`,
          )),
    },
  ];
  const pin = repositoryPin(key);
  // A failure, not a warning: the client ID and audience are not secret, so without a repository pin any
  // workflow on GitHub could mint tag:tslab-ci keys, which own every slot's tags.
  results.push({
    check: 'tailscale-ci-repository',
    ...(pin
      ? pass(
          `pinned to ${pin}${narrowsBeyondRepository(key) ? '' : ' (any ref, environment or event of it)'}`,
        )
      : fail(
          `the federated identity ${key.id} trusts any repository (subject ${JSON.stringify(key.subject ?? '')}, ` +
            `no claim rule on repository or repository_id): any GitHub workflow could act as ${CI_RUNNER_TAG}`,
          'Pin the repository: custom claim rules repository = <owner>/<repo> and repository_id = <id>, as the ' +
            'tailnet-policy stack makes them with --github-repository and --github-repository-id, or a subject ' +
            `starting with repo:<owner>/<repo>:, with no * in any of them (${FEDERATED_SECTION}).`,
        )),
  });
  return results;
}

/** What pins the identity to one repository, or undefined when any repository's token would do. */
export function repositoryPin(key: Pick<TailnetKey, 'subject' | 'customClaimRules'>): string | undefined {
  const rules = key.customClaimRules ?? {};
  for (const claim of ['repository_id', 'repository']) {
    const value = rules[claim];
    if (value && !value.includes('*')) return `${claim} ${value}`;
  }
  // GitHub's subjects start with repo:<owner>/<repo>: (or the immutable owner@id/repo@id form).
  const subject = /^repo:([^:*/]+\/[^:*/]+):/.exec(key.subject ?? '');
  return subject ? `repository ${subject[1]!} (subject ${key.subject!})` : undefined;
}

/** Whether the subject or a rule also narrows the ref, environment or event, as the AWS trust policy does. */
function narrowsBeyondRepository(key: Pick<TailnetKey, 'subject' | 'customClaimRules'>): boolean {
  const rest = /^repo:[^:]+:(.*)$/.exec(key.subject ?? '')?.[1];
  if (rest !== undefined && rest !== '*') return true;
  const rules = key.customClaimRules ?? {};
  return ['ref', 'environment', 'event_name', 'job_workflow_ref', 'workflow_ref'].some(
    (claim) => rules[claim] && rules[claim] !== '*',
  );
}

/** all covers every scope, all:read every read scope, and a scope covers its own :read. */
export function grants(scopes: readonly string[], needed: string): boolean {
  if (scopes.includes(needed) || scopes.includes('all')) return true;
  if (!needed.endsWith(':read')) return false;
  return scopes.includes('all:read') || scopes.includes(needed.slice(0, -':read'.length));
}

function credentialKind(keyType: string): string | undefined {
  if (keyType === 'client') return 'OAuth client';
  if (keyType === 'federated') return 'federated identity';
  return undefined;
}
