// Entry of pr-environment.yml's close-environment job (`node --import tsx src/github/close-pr-environment.ts`):
// after the PR closed, update the sticky comment and mark the pr-<n> deployments inactive. Reads GITHUB_TOKEN and
// TEARDOWN_RESULT (the teardown job's result) from the environment, the PR from the event payload.
import { context, getOctokit } from '@actions/github';
import { errorMessage } from '../lab/errors.ts';
import { prEnvironment } from './deployment.ts';
import { prRunFrom, reportClosed } from './pr-environment.ts';

async function main(): Promise<void> {
  const token = process.env['GITHUB_TOKEN'];
  if (!token) throw new Error('GITHUB_TOKEN is not set: pass ${{ github.token }} in the step env');
  const run = prRunFrom(context);
  if (!run) throw new Error(`event '${context.eventName}' is not a pull request`);
  const tornDown = process.env['TEARDOWN_RESULT'] === 'success';
  // The workflow names the lab in LAB (pr-<n>), as it does the environment.
  const lab = process.env['LAB'] || prEnvironment(run.prNumber);
  const { comment, deactivated } = await reportClosed(getOctokit(token), run, lab, tornDown);
  console.log(`sticky comment ${comment.action} (id ${comment.commentId})`);
  console.log(
    tornDown
      ? `${deactivated.length} deployment(s) of ${prEnvironment(run.prNumber)} marked inactive`
      : `teardown did not succeed (${process.env['TEARDOWN_RESULT'] ?? 'unknown'}): deployments left active`,
  );
}

main().catch((error: unknown) => {
  console.log(`::error title=tslab::Could not close the PR environment: ${errorMessage(error)}`);
  process.exitCode = 1;
});
