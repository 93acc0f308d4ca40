// The pull request an action runs for, and a client to write to it, from the Actions context. Loaded on demand by the
// actions that comment (provision, validate), so a run without comment-on-pr never loads the GitHub client.
import { context, getOctokit } from '@actions/github';
import type { GitHubApi } from './github-api.ts';
import { prRunFrom, type PrRun } from './pr-environment.ts';

/** Undefined outside a pull_request event: there is nothing to comment on. */
export function actionPullRequest(
  token: string,
  secrets: readonly (string | undefined)[],
): { api: GitHubApi; run: PrRun } | undefined {
  const run = prRunFrom(context);
  if (!run) return undefined;
  const known = [token, ...secrets].filter((s): s is string => Boolean(s));
  return { api: getOctokit(token), run: { ...run, secrets: known } };
}
