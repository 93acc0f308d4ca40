// Entry of pr-environment.yml's validate-report job (`node --import tsx src/github/report-validation.ts`): after a
// validation that never reported (cancelled, timed out, lost its runner, failed before the action could comment, or
// never ran),
// the sticky comment stops saying "provisioning" and the run's pr-<n> deployment ends in error — unless the PR's close
// has had the last word. Reads GITHUB_TOKEN, VALIDATE_RESULT (the validate job's result), DEPLOYMENT_ID (provision's
// deployment-id output) and LAB from the environment, the PR from the event payload.
import { context, getOctokit } from '@actions/github';
import { errorMessage } from '../lab/errors.ts';
import { prEnvironment } from './deployment.ts';
import { prRunFrom, reportValidationUnfinished } from './pr-environment.ts';

async function main(): Promise<void> {
  const token = process.env['GITHUB_TOKEN'];
  if (!token) throw new Error('GITHUB_TOKEN is not set: pass ${{ github.token }} in the step env');
  const run = prRunFrom(context);
  if (!run) throw new Error(`event '${context.eventName}' is not a pull request`);
  const result = process.env['VALIDATE_RESULT'] ?? '';
  if (result !== 'failure' && result !== 'cancelled' && result !== 'skipped') {
    // The job's condition keeps this from happening; a validation that reported must keep its own word.
    throw new Error(
      `VALIDATE_RESULT is '${result}': only a failed, cancelled or skipped validation is reported here`,
    );
  }
  const idText = process.env['DEPLOYMENT_ID'] ?? '';
  const deploymentId = /^[1-9]\d*$/.test(idText) ? Number(idText) : undefined;
  const lab = process.env['LAB'] || prEnvironment(run.prNumber);
  const { comment, deploymentId: ended } = await reportValidationUnfinished(
    getOctokit(token),
    { ...run, secrets: [token] },
    lab,
    result,
    deploymentId,
  );
  if (comment.action === 'skipped') {
    console.log(
      `the pull request's lab is already torn down: comment ${comment.commentId} and deployments left as they are`,
    );
    return;
  }
  console.log(`sticky comment ${comment.action} (id ${comment.commentId})`);
  console.log(`deployment ${ended} of ${prEnvironment(run.prNumber)}: error (validation ${result})`);
}

main().catch((error: unknown) => {
  console.log(
    `::error title=tslab::Could not report the validation's end on the pull request: ${errorMessage(error)}`,
  );
  process.exitCode = 1;
});
