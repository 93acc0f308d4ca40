// Entry of pr-environment.yml's provision-report job (`node --import tsx src/github/report-provision.ts`): after a
// provision that failed, was cancelled, timed out or lost its runner, the sticky comment says so with the run's link
// and the run's pr-<n> deployment ends in failure. A job of its own because the provision job may have had no chance
// to say anything (a lost runner, a timeout, a failure before the action ran). Reads GITHUB_TOKEN, PROVISION_RESULT
// (the provision job's result), DEPLOYMENT_ID (its deployment-id output, empty when lost) and LAB from the
// environment, the PR from the event payload. A PR whose close has already had the last word is left as it is.
import { context, getOctokit } from '@actions/github';
import { errorMessage } from '../lab/errors.ts';
import { prEnvironment } from './deployment.ts';
import { prRunFrom, reportProvisionEnded, type ProvisionEnd } from './pr-environment.ts';

async function main(): Promise<void> {
  const token = process.env['GITHUB_TOKEN'];
  if (!token) throw new Error('GITHUB_TOKEN is not set: pass ${{ github.token }} in the step env');
  const run = prRunFrom(context);
  if (!run) throw new Error(`event '${context.eventName}' is not a pull request`);
  const result = process.env['PROVISION_RESULT'] ?? '';
  if (result !== 'failure' && result !== 'cancelled') {
    // The job's condition keeps this from happening; a success must never be reported as a failure.
    throw new Error(`PROVISION_RESULT is '${result}': only a failed or cancelled provision is reported here`);
  }
  const idText = process.env['DEPLOYMENT_ID'] ?? '';
  const deploymentId = /^[1-9]\d*$/.test(idText) ? Number(idText) : undefined;
  const lab = process.env['LAB'] || prEnvironment(run.prNumber);
  const { comment, deploymentId: ended } = await reportProvisionEnded(
    getOctokit(token),
    { ...run, secrets: [token] },
    lab,
    result satisfies ProvisionEnd,
    deploymentId,
  );
  if (comment.action === 'skipped') {
    console.log(
      `the pull request's lab is already torn down: comment ${comment.commentId} and deployments left as they are`,
    );
    return;
  }
  console.log(`sticky comment ${comment.action} (id ${comment.commentId})`);
  console.log(`deployment ${ended} of ${prEnvironment(run.prNumber)}: failure (provision ${result})`);
}

main().catch((error: unknown) => {
  console.log(
    `::error title=tslab::Could not report the provision's end on the pull request: ${errorMessage(error)}`,
  );
  process.exitCode = 1;
});
