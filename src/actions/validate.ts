// actions/validate: run the checks of both scenarios against a running lab, write the JSON report, the job summary
// (with the packet paths as a Mermaid diagram) and, on a pull request, the sticky comment. Fails when a check fails.
import { writeFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { renderSummaryMarkdown } from '../checks/report.ts';
import type { ValidationReport } from '../checks/types.ts';
import { withAbsoluteStateDir } from '../engine/state-location.ts';
import type { LabConfig } from '../lab/config.ts';
import { LabConfigError } from '../lab/errors.ts';
import { resolveExistingLab } from '../operations/lab-identity.ts';
import { labStoreFor } from '../operations/lab-store.ts';
import {
  localStateDir,
  readBooleanInput,
  readLabInput,
  readSecrets,
  requireStateBucket,
  type ActionSecrets,
} from './inputs.ts';
import { runAction } from './run-action.ts';

export async function runValidate(): Promise<void> {
  await runAction('validate', async () => {
    const target = core.getInput('target') || 'aws';
    const secrets = readSecrets(target === 'aws' ? ['tailscale'] : []);
    const options = validateOptions();
    const commentOnPr = readBooleanInput('comment-on-pr', false) ? readGithubToken() : undefined;
    const input = readLabInput();
    requireStateBucket(input);
    const { lab, manifest } = await resolveExistingLab(input, (l) => labStoreFor(withAbsoluteStateDir(l)), {
      localStateDir: localStateDir(),
    });
    if (!manifest)
      throw new Error(`lab '${lab.id}' has no manifest: was it provisioned (same state-bucket and region)?`);
    const report =
      lab.target === 'local'
        ? await (await import('../operations/local-lab.ts')).validateLocalLab(lab, options)
        : await validateAws(lab, secrets, options);

    const reportPath =
      core.getInput('report-path') || `${process.env['RUNNER_TEMP'] ?? '.'}/tslab-report-${lab.id}.json`;
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    core.setOutput('passed', String(report.passed));
    core.setOutput('report-path', reportPath);
    for (const check of report.checks) {
      const line = `${check.status.toUpperCase()} ${check.id} (${check.durationMs} ms)${check.error ? `: ${check.error}` : ''}`;
      if (check.status === 'fail') core.error(line);
      else core.info(line);
    }
    await core.summary.addRaw(renderSummaryMarkdown(report, lab), true).write();
    if (commentOnPr) await commentOnPullRequest(commentOnPr, lab.id, report, secrets);
    if (!report.passed) core.setFailed(`tslab validate: ${failedIds(report)} failed (report: ${reportPath})`);
  });
}

function validateOptions() {
  const timeout = core.getInput('timeout-seconds');
  const checks = core.getInput('checks');
  if (timeout && !/^\d+$/.test(timeout)) {
    throw new LabConfigError([
      { field: 'timeout-seconds', value: timeout, rule: 'must be a whole number of seconds' },
    ]);
  }
  return {
    ...(timeout ? { timeoutMs: Number(timeout) * 1000 } : {}),
    ...(checks ? { only: checks.split(/[,\s]+/).filter(Boolean) } : {}),
  };
}

// Imported only when used: the bundle starts fast and never loads the other target's SDKs.
async function validateAws(
  lab: LabConfig,
  secrets: ActionSecrets,
  options: ReturnType<typeof validateOptions>,
) {
  const [{ createAwsClients }, { validateAwsLab }, { createTailscaleApiClient }] = await Promise.all([
    import('../aws/clients.ts'),
    import('../operations/validate-aws.ts'),
    import('../tailscale/api-client.ts'),
  ]);
  const tailscale = secrets.tailscale!;
  return validateAwsLab(
    lab,
    {
      aws: createAwsClients(lab.region, lab.state.kind === 's3' ? lab.state.region : lab.region),
      tailscale: createTailscaleApiClient({
        clientId: tailscale.id,
        clientSecret: tailscale.secret,
        tailnet: lab.tailnet.name,
      }),
    },
    options,
  );
}

function failedIds(report: ValidationReport): string {
  return report.checks
    .filter((c) => c.status === 'fail')
    .map((c) => c.id)
    .join(', ');
}

function readGithubToken(): string {
  const token = core.getInput('github-token');
  if (!token) {
    throw new LabConfigError([
      { field: 'github-token', value: '', rule: 'is required when comment-on-pr is true' },
    ]);
  }
  core.setSecret(token);
  return token;
}

/** The sticky PR comment and the pr-<n> deployment; outside a pull request there is nothing to comment on. */
async function commentOnPullRequest(
  token: string,
  labId: string,
  report: ValidationReport,
  secrets: ActionSecrets,
): Promise<void> {
  const github = await import('@actions/github');
  const { prRunFrom, reportValidation } = await import('../github/pr-environment.ts');
  const run = prRunFrom(github.context);
  if (!run) {
    core.info('comment-on-pr: not a pull_request event, no comment written');
    return;
  }
  const known = [token, secrets.tailscale?.secret, secrets.tailscale?.id].filter((s): s is string =>
    Boolean(s),
  );
  const { comment } = await reportValidation(
    github.getOctokit(token),
    { ...run, secrets: known },
    labId,
    report,
  );
  core.info(`PR #${run.prNumber}: sticky comment ${comment.action}`);
}
