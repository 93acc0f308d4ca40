// Entry of pr-environment.yml's validate-report job (`node --import tsx src/github/report-validation.ts`): after a
// validation that never reported (cancelled, timed out, lost its runner, failed before the action could comment, or
// never ran), the sticky comment stops saying "provisioning" and the run's pr-<n> deployment ends in error — unless
// the PR's close has had the last word. Reads GITHUB_TOKEN, VALIDATE_RESULT (the validate job's result), DEPLOYMENT_ID (provision's
// deployment-id output) and LAB from the environment, the PR from the event payload.
import { reportValidationUnfinished } from './pr-environment.ts';
import { runReportJob } from './report-job.ts';

runReportJob({
  stage: 'validation',
  resultVariable: 'VALIDATE_RESULT',
  ends: ['failure', 'cancelled', 'skipped'],
  state: 'error',
  report: reportValidationUnfinished,
});
