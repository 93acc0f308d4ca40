// actions/provision: apply a lab (AWS: the six stacks as a graph, the router wait in the cluster's shadow; local: the
// namespace lab), set its outputs and write what was created, how long it took and what it costs to the summary.
import * as core from '@actions/core';
import type { WorkflowRun } from '../engine/run-lock.ts';
import type { LabConfig } from '../lab/config.ts';
import type { LabDependencies } from '../targets/dependencies.ts';
import type { ProvisionOutputs, ProvisionResult } from '../targets/lab-target.ts';
import { openLab } from '../targets/open-lab.ts';
import { errorMessage } from '../lab/errors.ts';
import type { LabCredentials } from '../targets/credentials.ts';
import { readProvisionInputs } from './inputs.ts';
import { runAction, stackProgress, timelineChart } from './run-action.ts';

export const OUTDIR = '.tslab/synth';

/** `dependencies`: fakes for tests; the real clients otherwise. */
export async function runProvision(dependencies?: Partial<LabDependencies>): Promise<void> {
  await runAction('provision', async ({ interruption }) => {
    const inputs = readProvisionInputs();
    // A re-run (every PR push, "re-run failed jobs") keeps the lab's createdAt, slot and expiry: same nonces, same
    // client user data, so nothing is replaced that did not change.
    const { lab, target } = await openLab(inputs.lab, {
      credentials: inputs.credentials,
      localStateDir: inputs.localStateDir,
      outdir: OUTDIR,
      // Loaded on demand: synth (cdktf, the providers) is a chunk of its own, minified, off the cold start.
      provisioners: (await import('../targets/provisioners.ts')).PROVISIONERS,
      ...(inputs.pluginCacheDir ? { pluginCacheDir: inputs.pluginCacheDir } : {}),
      ...(dependencies ? { dependencies } : {}),
    });
    if (inputs.githubToken) await openPullRequestRun(inputs.githubToken, lab.id, inputs.credentials);
    const progress = stackProgress();
    const started = Date.now();
    // A push after a run that lost its runner: GitHub says whether that run ended, so its lock is taken over at once.
    const takeover = inputs.takeoverToken ? takeoverEvidence(inputs.takeoverToken) : undefined;
    const result = await target
      .provision({ onProgress: progress.handle, log: progress.log, interruption, takeover })
      .finally(() => progress.close());
    setOutputs(result.outputs, result.lab);
    await writeSummary(result, Date.now() - started);
  });
}

/**
 * Asks GitHub only when a held lock is judged: a provision that finds the lab free loads no GitHub client (and
 * @actions/github reads the event when first imported, after the runner has set it).
 */
function takeoverEvidence(token: string): { runEnded: (run: WorkflowRun) => Promise<boolean | undefined> } {
  let ask: ((run: WorkflowRun) => Promise<boolean | undefined>) | undefined;
  return {
    runEnded: async (run) => {
      if (!ask) {
        const { getOctokit } = await import('@actions/github');
        const { runEndedVia } = await import('../github/workflow-runs.ts');
        ask = runEndedVia(getOctokit(token));
      }
      return ask(run);
    },
  };
}

/**
 * On a pull request: the sticky comment says a provision is under way (no longer the previous commit's result) and the
 * run's deployment opens in_progress; its id is the deployment-id output, for validation to end it. How a failed,
 * cancelled or lost provision is reported: pr-environment.yml's provision-report job (src/github/report-provision.ts),
 * which runs whatever became of this step. Best effort: the PR's view never stops a lab from being built.
 */
async function openPullRequestRun(token: string, labId: string, credentials: LabCredentials): Promise<void> {
  try {
    const { actionPullRequest } = await import('../github/action-pull-request.ts');
    const { reportProvisionStarted } = await import('../github/pr-environment.ts');
    const pr = actionPullRequest(token, [
      credentials.tailscale?.secret,
      credentials.tailscale?.id,
      credentials.operator?.secret,
      credentials.operator?.id,
    ]);
    if (!pr) {
      core.info('comment-on-pr: not a pull_request event, no comment written');
      return;
    }
    const { comment, deploymentId } = await reportProvisionStarted(pr.api, pr.run, labId);
    if (deploymentId === undefined) {
      core.info(
        `PR #${pr.run.prNumber}: closed since this run passed its gate; the comment keeps the close's word`,
      );
      return;
    }
    core.setOutput('deployment-id', String(deploymentId));
    core.info(
      `PR #${pr.run.prNumber}: sticky comment ${comment.action}, deployment ${deploymentId} in progress`,
    );
  } catch (error) {
    core.warning(`comment-on-pr: could not update the pull request: ${errorMessage(error)}`);
  }
}

function setOutputs(outputs: ProvisionOutputs, lab: LabConfig): void {
  core.setOutput('lab-id', outputs.labId);
  core.setOutput('cluster-name', outputs.clusterName);
  core.setOutput('client-instance-id', outputs.clientInstanceId);
  core.setOutput('client-tailnet-name', outputs.clientTailnetName);
  core.setOutput('client-tailnet-ip', outputs.clientTailnetIp);
  core.setOutput('nginx-fqdn', outputs.nginxFqdn);
  core.setOutput('egress-service', outputs.egressService);
  core.setOutput(
    'summary',
    JSON.stringify({
      ...outputs,
      target: lab.target,
      slot: lab.slot,
      expiresAt: lab.lifecycle.expiresAt,
      region: lab.region,
    }),
  );
}

async function writeSummary(
  { lab, outputs, stacks, cost, timeline }: ProvisionResult,
  totalMs: number,
): Promise<void> {
  await core.summary
    .addHeading(`tslab lab ${lab.id} is up (${lab.target})`, 2)
    .addTable([
      [
        { data: 'stack', header: true },
        { data: 'took', header: true },
        { data: 'added', header: true },
        { data: 'changed', header: true },
        { data: 'destroyed', header: true },
      ],
      ...stacks.map((s) => [
        s.id,
        `${(s.durationMs / 1000).toFixed(1)} s`,
        String(s.changes.add),
        String(s.changes.change),
        String(s.changes.remove),
      ]),
    ])
    .addRaw(
      `Total ${(totalMs / 1000).toFixed(1)} s. Expires ${lab.lifecycle.expiresAt} (slot ${lab.slot}).`,
      true,
    )
    .addList([
      `nginx: ${outputs.nginxFqdn} (split DNS ${lab.cluster.dnsDomain} → ${lab.network.kubeDnsIp})`,
      `client: ${outputs.clientTailnetName} ${outputs.clientTailnetIp}`,
      `egress service: ${outputs.egressService}`,
    ])
    .addRaw(
      cost
        ? `Estimated cost: about $${cost.hourlyUsd.toFixed(3)}/h (${cost.lines.map((l) => `${l.item} ${l.hourlyUsd === undefined ? '?' : `$${l.hourlyUsd.toFixed(3)}`}`).join(', ')}).`
        : 'Local lab: no cloud cost.',
      true,
    )
    .addRaw(`\n\n\`\`\`mermaid\n${timelineChart(`provision of ${lab.id}`, timeline)}\n\`\`\`\n`, true)
    .write();
}
