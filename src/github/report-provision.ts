// Entry of pr-environment.yml's provision-report job (`node --import tsx src/github/report-provision.ts`): after a
// provision that failed, was cancelled, timed out or lost its runner, the sticky comment says so with the run's link
// and the run's pr-<n> deployment ends in failure. A job of its own because the provision job may have had no chance
// to say anything (a lost runner, a timeout, a failure before the action ran). Reads GITHUB_TOKEN, PROVISION_RESULT
// (the provision job's result), DEPLOYMENT_ID (its deployment-id output, empty when lost) and LAB from the
// environment, the PR from the event payload. A PR whose close has already had the last word is left as it is.
import { reportProvisionEnded } from './pr-environment.ts';
import { runReportJob } from './report-job.ts';

runReportJob({
  stage: 'provision',
  resultVariable: 'PROVISION_RESULT',
  ends: ['failure', 'cancelled'],
  state: 'failure',
  report: reportProvisionEnded,
});
