// actions/validate: run the checks of both scenarios against a running lab, write the JSON report, the job summary
// (with the packet paths as a Mermaid diagram) and, on a pull request, the sticky comment. Fails when a check fails.
import { writeFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { renderSummaryMarkdown } from '../checks/report.ts';
import type { ValidationReport } from '../checks/types.ts';
import type { LabCredentials } from '../targets/credentials.ts';
import type { LabDependencies } from '../targets/dependencies.ts';
import { openLab, requireProvisioned } from '../targets/open-lab.ts';
import { readValidateInputs } from './inputs.ts';
import { runAction } from './run-action.ts';

/** `dependencies`: fakes for tests; the real clients otherwise. */
export async function runValidate(dependencies?: Partial<LabDependencies>): Promise<void> {
  await runAction('validate', async () => {
    const inputs = readValidateInputs();
    const opened = await openLab(inputs.lab, {
      credentials: inputs.credentials,
      localStateDir: inputs.localStateDir,
      outdir: '.tslab/synth',
      ...(dependencies ? { dependencies } : {}),
    });
    requireProvisioned(opened);
    const { lab, target } = opened;
    const report = await target.validate({
      ...(inputs.timeoutMs ? { timeoutMs: inputs.timeoutMs } : {}),
      ...(inputs.only ? { only: inputs.only } : {}),
      thresholds: inputs.thresholds,
    });

    const reportPath =
      inputs.reportPath ?? `${process.env['RUNNER_TEMP'] ?? '.'}/tslab-report-${lab.id}.json`;
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    core.setOutput('passed', String(report.passed));
    core.setOutput('report-path', reportPath);
    for (const check of report.checks) {
      const line = `${check.status.toUpperCase()} ${check.id} (${check.durationMs} ms)${check.error ? `: ${check.error}` : ''}`;
      if (check.status === 'fail') core.error(line);
      else core.info(line);
    }
    await core.summary.addRaw(renderSummaryMarkdown(report, lab), true).write();
    if (inputs.githubToken)
      await commentOnPullRequest(inputs.githubToken, lab.id, report, inputs.credentials, inputs.deploymentId);
    if (!report.passed) core.setFailed(`tslab validate: ${failedIds(report)} failed (report: ${reportPath})`);
  });
}

function failedIds(report: ValidationReport): string {
  return report.checks
    .filter((c) => c.status === 'fail')
    .map((c) => c.id)
    .join(', ');
}

/** The sticky PR comment and the pr-<n> deployment; outside a pull request there is nothing to comment on. */
async function commentOnPullRequest(
  token: string,
  labId: string,
  report: ValidationReport,
  credentials: LabCredentials,
  deploymentId: number | undefined,
): Promise<void> {
  const { actionPullRequest } = await import('../github/action-pull-request.ts');
  const { reportValidation } = await import('../github/pr-environment.ts');
  const pr = actionPullRequest(token, [credentials.tailscale?.secret, credentials.tailscale?.id]);
  if (!pr) {
    core.info('comment-on-pr: not a pull_request event, no comment written');
    return;
  }
  const { comment } = await reportValidation(pr.api, pr.run, labId, report, deploymentId);
  // The workflow's validate-report job speaks only for a validation that never got this far.
  core.setOutput('reported', 'true');
  core.info(
    comment.action === 'skipped'
      ? `PR #${pr.run.prNumber}: the lab is already torn down, the comment and deployment are left as they are`
      : `PR #${pr.run.prNumber}: sticky comment ${comment.action}`,
  );
}
