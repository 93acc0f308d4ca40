// What the PR workflow's report jobs share (provision-report, validate-report): read the token, the PR run, the job
// result they speak for and the deployment id from the step's environment, write the report, log what changed, and
// fail with one ::error:: line when GitHub could not be told.
import { context, getOctokit } from '@actions/github';
import { errorMessage } from '../lab/errors.ts';
import { prEnvironment } from './deployment.ts';
import type { GitHubApi } from './github-api.ts';
import { prRunFrom, type PrReport, type PrRun } from './pr-environment.ts';

export interface ReportJob<End extends string> {
  /** 'provision' or 'validation': for the messages. */
  stage: string;
  /** The step env variable holding the job result reported on, and the results this job may report. */
  resultVariable: string;
  ends: readonly End[];
  /** The deployment state the report ends it with, for the log. */
  state: string;
  report(api: GitHubApi, run: PrRun, lab: string, end: End, deploymentId?: number): Promise<PrReport>;
}

export function runReportJob<End extends string>(job: ReportJob<End>): void {
  main(job).catch((error: unknown) => {
    console.log(
      `::error title=tslab::Could not report the ${job.stage}'s end on the pull request: ${errorMessage(error)}`,
    );
    process.exitCode = 1;
  });
}

async function main<End extends string>(job: ReportJob<End>): Promise<void> {
  const token = process.env['GITHUB_TOKEN'];
  if (!token) throw new Error('GITHUB_TOKEN is not set: pass ${{ github.token }} in the step env');
  const run = prRunFrom(context);
  if (!run) throw new Error(`event '${context.eventName}' is not a pull request`);
  const result = process.env[job.resultVariable] ?? '';
  if (!(job.ends as readonly string[]).includes(result)) {
    // The job's condition keeps this from happening; a run that succeeded or reported must keep its own word.
    throw new Error(
      `${job.resultVariable} is '${result}': only a ${job.ends.join(', ')} ${job.stage} is reported here`,
    );
  }
  const idText = process.env['DEPLOYMENT_ID'] ?? '';
  const deploymentId = /^[1-9]\d*$/.test(idText) ? Number(idText) : undefined;
  const lab = process.env['LAB'] || prEnvironment(run.prNumber);
  const { comment, deploymentId: ended } = await job.report(
    getOctokit(token),
    { ...run, secrets: [token] },
    lab,
    result as End,
    deploymentId,
  );
  if (comment.action === 'skipped') {
    console.log(
      `the pull request's lab is already torn down: comment ${comment.commentId} and deployments left as they are`,
    );
    return;
  }
  console.log(`sticky comment ${comment.action} (id ${comment.commentId})`);
  console.log(`deployment ${ended} of ${prEnvironment(run.prNumber)}: ${job.state} (${job.stage} ${result})`);
}
