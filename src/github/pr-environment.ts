// A pull request's lab as the PR sees it: the sticky comment and the pr-<n> deployment, kept in step. The validate
// action calls reportValidation; the PR workflow's close job calls reportClosed (src/github/close-pr-environment.ts).
import type { ValidationReport } from '../checks/types.ts';
import { deactivateEnvironment, prEnvironment, recordDeployment } from './deployment.ts';
import type { GitHubApi, RepoRef } from './github-api.ts';
import { renderPrComment, upsertStickyComment, type UpsertResult } from './pr-comment.ts';

export interface PrRun extends RepoRef {
  prNumber: number;
  /** The PR head commit. */
  headSha: string;
  runUrl: string;
  /** Redacted from the comment wherever they occur. */
  secrets?: readonly string[];
  /** Whose comment is the sticky one (default github-actions[bot]). */
  commentAuthor?: string;
}

/** The parts of @actions/github's `context` a PR run is read from. */
export interface ActionsContext {
  repo: RepoRef;
  payload: { pull_request?: { number: number; [key: string]: unknown } };
  serverUrl: string;
  runId: number;
}

/** The PR run from the Actions context, or undefined when the event is not a pull request. */
export function prRunFrom(context: ActionsContext): PrRun | undefined {
  const pr = context.payload.pull_request;
  if (!pr) return undefined;
  const head = pr['head'] as { sha?: unknown } | undefined;
  if (typeof head?.sha !== 'string') throw new Error('pull_request payload has no head.sha');
  const { owner, repo } = context.repo;
  return {
    owner,
    repo,
    prNumber: pr.number,
    headSha: head.sha,
    runUrl: `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`,
  };
}

export async function reportValidation(
  api: GitHubApi,
  run: PrRun,
  lab: string,
  report: ValidationReport,
): Promise<{ comment: UpsertResult; deploymentId: number }> {
  const comment = await upsertComment(
    api,
    run,
    lab,
    report.passed ? 'validated' : 'validation-failed',
    report,
  );
  const { deploymentId } = await recordDeployment(api, {
    owner: run.owner,
    repo: run.repo,
    ref: run.headSha,
    environment: prEnvironment(run.prNumber),
    state: report.passed ? 'success' : 'failure',
    environmentUrl: run.runUrl,
    logUrl: run.runUrl,
    description: `tslab lab ${lab}: validation ${report.passed ? 'passed' : 'failed'}`,
  });
  return { comment, deploymentId };
}

/**
 * After the PR closed: the comment says whether the lab is gone; its deployments go inactive only if it is
 * (a failed teardown leaves them showing that something still runs).
 */
export async function reportClosed(
  api: GitHubApi,
  run: PrRun,
  lab: string,
  tornDown: boolean,
): Promise<{ comment: UpsertResult; deactivated: number[] }> {
  const comment = await upsertComment(api, run, lab, tornDown ? 'torn-down' : 'teardown-failed');
  const deactivated = tornDown
    ? await deactivateEnvironment(api, {
        owner: run.owner,
        repo: run.repo,
        environment: prEnvironment(run.prNumber),
        description: `tslab lab ${lab} torn down`,
      })
    : [];
  return { comment, deactivated };
}

function upsertComment(
  api: GitHubApi,
  run: PrRun,
  lab: string,
  state: Parameters<typeof renderPrComment>[0]['state'],
  report?: ValidationReport,
): Promise<UpsertResult> {
  const body = renderPrComment({
    prNumber: run.prNumber,
    lab,
    state,
    runUrl: run.runUrl,
    sha: run.headSha,
    ...(report ? { report } : {}),
    ...(run.secrets ? { secrets: run.secrets } : {}),
  });
  return upsertStickyComment(
    api,
    {
      owner: run.owner,
      repo: run.repo,
      prNumber: run.prNumber,
      ...(run.commentAuthor ? { author: run.commentAuthor } : {}),
    },
    body,
  );
}
