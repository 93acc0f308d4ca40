// A pull request's lab as the PR sees it: the sticky comment and the pr-<n> deployment, kept in step through a run.
// The provision action calls reportProvisionStarted; the validate action reportValidation; the PR workflow's
// provision-report job reportProvisionEnded whenever provision did not succeed, since a failed, cancelled or lost
// provision step cannot be relied on to say so itself (src/github/report-provision.ts); its close job reportClosed
// (src/github/close-pr-environment.ts).
import type { ValidationReport } from '../checks/types.ts';
import { deactivateEnvironment, latestDeployment, prEnvironment, recordDeployment } from './deployment.ts';
import type { GitHubApi, RepoRef } from './github-api.ts';
import { renderPrComment, upsertStickyComment, type PrLabState, type UpsertResult } from './pr-comment.ts';

export interface PrRun extends RepoRef {
  prNumber: number;
  /** The PR head commit. */
  headSha: string;
  runUrl: string;
  /** Redacted from the comment wherever they occur. */
  secrets?: readonly string[];
  /** Whose comment is the sticky one (default github-actions[bot]). */
  commentAuthor?: string;
  /** The pull_request event's action (opened, synchronize, reopened, labeled, …). */
  eventAction?: string;
}

/** The parts of @actions/github's `context` a PR run is read from. */
export interface ActionsContext {
  repo: RepoRef;
  payload: { action?: string; pull_request?: { number: number; [key: string]: unknown } };
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
    ...(context.payload.action ? { eventAction: context.payload.action } : {}),
  };
}

/**
 * Provision starts: the comment stops showing the previous commit's result, and the run's deployment opens
 * in_progress. Its id goes to validation (and to the report of a failed provision) through the job's outputs.
 */
export async function reportProvisionStarted(api: GitHubApi, run: PrRun, lab: string): Promise<PrReport> {
  // Only a reopen or the label put back asks for a lab again after "torn down"; any other run that starts after the
  // close (it passed the gate just before) leaves the close's word, and opens no deployment.
  const renewed = run.eventAction === 'reopened' || run.eventAction === 'labeled';
  const comment = await upsertComment(api, run, lab, 'provisioning', undefined, renewed ? [] : CLOSE_STATES);
  if (comment.action === 'skipped') return { comment, deploymentId: undefined };
  const { deploymentId } = await recordDeployment(api, {
    ...deploymentOf(run),
    state: 'in_progress',
    description: `tslab lab ${lab}: provisioning`,
  });
  return { comment, deploymentId };
}

export type ProvisionEnd = 'failure' | 'cancelled';
/** How a validation ended without reporting: failed or cancelled in its job, or skipped (its bundle never built). */
export type ValidationEnd = ProvisionEnd | 'skipped';

/**
 * The close's last word: once the comment says the lab is torn down (or its teardown failed), a run's report that
 * lands later (a validate that outlived the lab, a queued run's failure) changes neither the comment nor a deployment.
 */
const CLOSE_STATES: readonly PrLabState[] = ['torn-down', 'teardown-failed'];

/** What a report did: its comment, and the deployment it ended (none when the close had the last word). */
export interface PrReport {
  comment: UpsertResult;
  deploymentId: number | undefined;
}

/**
 * Provision failed or was cancelled (or timed out, or lost its runner): the comment says so with the run's link, and
 * the run's deployment ends in failure. Without its id (the job's outputs were lost with its runner) the newest
 * deployment of this commit is ended, or a failed one created when provision never got to open one.
 */
export async function reportProvisionEnded(
  api: GitHubApi,
  run: PrRun,
  lab: string,
  end: ProvisionEnd,
  deploymentId?: number,
): Promise<PrReport> {
  const comment = await upsertComment(
    api,
    run,
    lab,
    end === 'cancelled' ? 'provision-cancelled' : 'provision-failed',
    undefined,
    CLOSE_STATES,
  );
  if (comment.action === 'skipped') return { comment, deploymentId: undefined };
  const ended = await endDeployment(api, run, deploymentId, {
    state: 'failure',
    description: `tslab lab ${lab}: provision ${end === 'cancelled' ? 'cancelled' : 'failed'}`,
  });
  return { comment, deploymentId: ended };
}

export async function reportValidation(
  api: GitHubApi,
  run: PrRun,
  lab: string,
  report: ValidationReport,
  /** The deployment provision opened; a new one is created without it. */
  deploymentId?: number,
): Promise<PrReport> {
  const comment = await upsertComment(
    api,
    run,
    lab,
    report.passed ? 'validated' : 'validation-failed',
    report,
    CLOSE_STATES,
  );
  if (comment.action === 'skipped') return { comment, deploymentId: undefined };
  const recorded = await recordDeployment(api, {
    ...deploymentOf(run),
    ...(deploymentId === undefined ? {} : { deploymentId }),
    state: report.passed ? 'success' : 'failure',
    description: `tslab lab ${lab}: validation ${report.passed ? 'passed' : 'failed'}`,
  });
  return { comment, deploymentId: recorded.deploymentId };
}

/**
 * Validation did not get to report (cancelled, timed out, lost its runner, or failed before the action could say
 * anything): the comment no longer says "provisioning", and the run's deployment ends in error.
 */
export async function reportValidationUnfinished(
  api: GitHubApi,
  run: PrRun,
  lab: string,
  end: ValidationEnd,
  deploymentId?: number,
): Promise<PrReport> {
  const comment = await upsertComment(api, run, lab, 'validation-unfinished', undefined, CLOSE_STATES);
  if (comment.action === 'skipped') return { comment, deploymentId: undefined };
  const ended = await endDeployment(api, run, deploymentId, {
    state: 'error',
    description: `tslab lab ${lab}: validation ${{ cancelled: 'cancelled', skipped: 'did not run', failure: 'did not finish' }[end]}`,
  });
  return { comment, deploymentId: ended };
}

/**
 * Ends the run's deployment as said. Without its id (the provision job's outputs were lost with its runner) the
 * newest deployment of this commit is ended, or an ended one created when none was opened.
 */
async function endDeployment(
  api: GitHubApi,
  run: PrRun,
  deploymentId: number | undefined,
  end: { state: 'failure' | 'error'; description: string },
): Promise<number> {
  const record = deploymentOf(run);
  const id = deploymentId ?? (await latestDeployment(api, { ...record, sha: run.headSha }));
  const ended = await recordDeployment(api, {
    ...record,
    ...(id === undefined ? {} : { deploymentId: id }),
    ...end,
  });
  return ended.deploymentId;
}

/** The run's deployment: the PR head in pr-<n>, the run as its URL and log. */
function deploymentOf(run: PrRun) {
  return {
    owner: run.owner,
    repo: run.repo,
    ref: run.headSha,
    environment: prEnvironment(run.prNumber),
    environmentUrl: run.runUrl,
    logUrl: run.runUrl,
  };
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
  state: PrLabState,
  report?: ValidationReport,
  unlessShowing: readonly PrLabState[] = [],
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
    unlessShowing,
  );
}
