// Whether a pull request is still open, for the sweeper: a pr-<n> lab whose PR has closed is removed even when the
// close event never ran (GitHub skips pull_request workflows while a PR has a merge conflict, and a newer run in the
// concurrency group cancels a queued close run). One REST call per PR: "Get a pull request" (pull-requests: read).
import { LabConfigError } from '../lab/errors.ts';
import type { RepoRef } from './github-api.ts';

/** The repository whose pull requests name the pr-<n> labs, and the server its run URLs point at. */
export interface GitHubRepository extends RepoRef {
  /** e.g. https://github.com (GITHUB_SERVER_URL): the origin of the run URLs its labs record. */
  serverUrl: string;
}

export interface PullRequestState {
  state: 'open' | 'closed';
  merged: boolean;
}

/** The one call used, as a narrow structural type: @actions/github's Octokit satisfies it (checked in the tests). */
export interface PullRequestsApi {
  rest: {
    pulls: {
      get(params: RepoRef & { pull_number: number }): Promise<{
        data: { number: number; state: string; merged?: boolean | null; merged_at?: string | null };
      }>;
    };
  };
}

/** A failed look-up, with the HTTP status when there was one; its message never holds the token. */
export class PullRequestLookupError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PullRequestLookupError';
  }
}

export type PullRequestLookup = (prNumber: number) => Promise<PullRequestState>;

/** Looks pull requests of `repository` up through `api`; `token` only to keep it out of any error message. */
export function pullRequestLookup(
  api: PullRequestsApi,
  repository: RepoRef,
  token?: string,
): PullRequestLookup {
  const redact = (text: string) => (token ? text.split(token).join('***') : text);
  return async (prNumber) => {
    let data: Awaited<ReturnType<PullRequestsApi['rest']['pulls']['get']>>['data'];
    try {
      ({ data } = await api.rest.pulls.get({
        owner: repository.owner,
        repo: repository.repo,
        pull_number: prNumber,
      }));
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const message = error instanceof Error ? error.message : String(error);
      throw new PullRequestLookupError(
        redact(`GET /repos/${repository.owner}/${repository.repo}/pulls/${prNumber}: ${message}`),
        typeof status === 'number' ? status : undefined,
      );
    }
    if (data.state !== 'open' && data.state !== 'closed') {
      throw new PullRequestLookupError(
        `pull request #${prNumber} has an unknown state ${JSON.stringify(data.state)}`,
        undefined,
      );
    }
    // merged_at is set exactly when the PR was merged; `merged` is only in the single-PR answer.
    return { state: data.state, merged: data.merged === true || Boolean(data.merged_at) };
  };
}

/** The Octokit of @actions/github, for the API of GITHUB_API_URL (GitHub Enterprise Server) or github.com. */
export async function githubPullRequestsApi(
  token: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PullRequestsApi> {
  const { getOctokit } = await import('@actions/github');
  // Read at call time: @actions/github reads GITHUB_API_URL once, when it is first imported.
  return getOctokit(token, { baseUrl: env['GITHUB_API_URL'] || 'https://api.github.com' });
}

/**
 * The repository of the run (GITHUB_REPOSITORY, GITHUB_SERVER_URL), or undefined when GITHUB_REPOSITORY is unset.
 * A malformed value is bad input, named with the variable before any call.
 */
export function repositoryFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubRepository | undefined {
  const full = env['GITHUB_REPOSITORY'];
  if (!full) return undefined;
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)$/.exec(full);
  if (!match || match[2] === '.' || match[2] === '..') {
    throw new LabConfigError([
      { field: 'GITHUB_REPOSITORY', value: full, rule: 'must be owner/repository, as GitHub spells it' },
    ]);
  }
  const serverText = env['GITHUB_SERVER_URL'] || 'https://github.com';
  let serverUrl: URL;
  try {
    serverUrl = new URL(serverText);
  } catch {
    serverUrl = new URL('invalid:');
  }
  if (serverUrl.protocol !== 'https:' && serverUrl.protocol !== 'http:') {
    throw new LabConfigError([
      {
        field: 'GITHUB_SERVER_URL',
        value: serverText,
        rule: 'must be an http(s) URL such as https://github.com',
      },
    ]);
  }
  return { owner: match[1]!, repo: match[2]!, serverUrl: serverUrl.origin };
}

/**
 * True when `runUrl` is a workflow run of `repository` (<server>/<owner>/<repo>/actions/runs/<id>, as the actions
 * record it): names compare as GitHub does, without regard to case; anything else is another repository's.
 */
export function isRunOfRepository(runUrl: string | undefined, repository: GitHubRepository): boolean {
  if (!runUrl) return false;
  let url: URL;
  try {
    url = new URL(runUrl);
  } catch {
    return false;
  }
  if (url.origin !== new URL(repository.serverUrl).origin || url.search || url.hash) return false;
  const match = /^\/([^/]+)\/([^/]+)\/actions\/runs\/\d+$/.exec(url.pathname);
  if (!match) return false;
  return (
    match[1]!.toLowerCase() === repository.owner.toLowerCase() &&
    match[2]!.toLowerCase() === repository.repo.toLowerCase()
  );
}
