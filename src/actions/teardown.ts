// actions/teardown: remove one lab from its id alone (a second run is a no-op), or with mode sweep every lab past
// its expiry (dry-run by default for manual runs). Lists what was removed in an output and in the summary.
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { runReference, workflowRunFromEnv } from '../engine/takeover.ts';
import { runEndedVia } from '../github/workflow-runs.ts';
import type { SweepLabsOptions } from '../sweep/sweep-labs.ts';
import type { LabDependencies } from '../targets/dependencies.ts';
import { openLab } from '../targets/open-lab.ts';
import { readTeardownInputs, type SweepInputs } from './inputs.ts';
import { logLine, runAction, stackProgress, timelineChart } from './run-action.ts';

const OUTDIR = '.tslab/synth';

/** `dependencies`: fakes for tests; the real clients otherwise. */
export async function runTeardown(dependencies?: Partial<LabDependencies>): Promise<void> {
  await runAction('teardown', async ({ interruption }) => {
    const inputs = readTeardownInputs();
    if (inputs.mode === 'sweep') {
      const runEnded = inputs.githubToken ? runEndedVia(getOctokit(inputs.githubToken)) : undefined;
      return sweepAction(inputs.sweep, dependencies, {
        interruption,
        ...(runEnded ? { takeover: { runEnded } } : {}),
      });
    }

    const { lab, target, manifest } = await openLab(inputs.teardown.lab, {
      credentials: inputs.teardown.credentials,
      localStateDir: inputs.teardown.localStateDir,
      outdir: OUTDIR,
      ...(dependencies ? { dependencies } : {}),
    });
    const ownRun = workflowRunFromEnv();
    // Another run's lab (kept on purpose): not this run's to remove; its expiry still applies. With no manifest there
    // is no such lab, and a teardown from the lab id alone (a re-run finishing this run's own) goes on. Read outside
    // the lab's lock: lab-reusable.yml runs one run per lab at a time (its concurrency group).
    if (
      inputs.onlyIfProvisionedByThisRun &&
      ownRun &&
      manifest &&
      manifest.lastRun !== runReference(ownRun)
    ) {
      const owner = manifest.lastRun ? `run ${manifest.lastRun}` : 'no run of this workflow';
      core.notice(
        `lab ${lab.id} was last provisioned by ${owner}, not by this run (${runReference(ownRun)}): left as it is`,
      );
      core.setOutput('removed', '[]');
      await core.summary
        .addHeading(`tslab lab ${lab.id} left as it is`, 2)
        .addRaw(`Last provisioned by ${owner}; it goes at its expiry or with that run's teardown.`, true)
        .write();
      return;
    }
    const progress = stackProgress();
    const result = await target
      .teardown({
        onProgress: progress.handle,
        log: progress.log,
        interruption,
        takeover: {
          finishedJobs: inputs.finishedJobs,
          ...(inputs.githubToken ? { runEnded: runEndedVia(getOctokit(inputs.githubToken)) } : {}),
        },
      })
      .finally(() => progress.close());
    core.setOutput('removed', JSON.stringify(result.removed));
    for (const warning of result.warnings) core.warning(warning);
    const summary = core.summary
      .addHeading(`tslab lab ${lab.id} torn down (${lab.target})`, 2)
      .addList(result.removed.length ? result.removed : ['nothing to remove: the lab was already gone']);
    if (result.timeline.bars.length) {
      summary.addRaw(
        `\n\n\`\`\`mermaid\n${timelineChart(`teardown of ${lab.id}`, result.timeline)}\n\`\`\`\n`,
        true,
      );
    }
    await summary.write();
    if (result.remaining.length)
      throw new Error(`resources still tagged for lab ${lab.id}: ${result.remaining.join(', ')}`);
  });
}

async function sweepAction(
  inputs: SweepInputs,
  dependencies: Partial<LabDependencies> | undefined,
  io: SweepLabsOptions['io'],
): Promise<void> {
  const { sweepLabs } = await import('../sweep/sweep-labs.ts');
  const { escapeHtml, outcomeLine, SUMMARY_HEADER, summaryRows, sweepFailure } =
    await import('../sweep/report.ts');
  const report = await sweepLabs({
    ...inputs,
    now: new Date(),
    log: logLine,
    dependencies,
    io,
  });
  const { outcomes, notes } = report;
  core.setOutput('removed', JSON.stringify(outcomes));
  for (const o of outcomes) logLine(outcomeLine(o));
  // Not checking closed pull requests leaves their labs to the 24 h expiry: worth an annotation, not a failure.
  for (const note of notes) core.warning(note);
  const failure = sweepFailure(outcomes);
  const summary = core.summary.addHeading(
    `tslab sweep${inputs.dryRun ? ' (dry run: nothing removed)' : ''}`,
    2,
  );
  if (failure) summary.addRaw(`<p><strong>${escapeHtml(failure.split('\n')[0]!)}</strong></p>`, true);
  if (outcomes.length)
    summary.addTable([
      SUMMARY_HEADER.map((data) => ({ data, header: true })),
      ...summaryRows(outcomes).map((row) => row.map(escapeHtml)),
    ]);
  else summary.addRaw('<p>no lab to remove</p>', true);
  for (const note of notes) summary.addRaw(`<p>⚠️ ${escapeHtml(note)}</p>`, true);
  await summary.write();
  if (failure) {
    // One annotation per lab, with the teardown's full account (what is left, how to finish), then the run fails.
    for (const o of outcomes.filter((x) => x.result === 'failed'))
      core.error(o.detail ?? o.why ?? 'failed', { title: `lab ${o.lab} not removed by the sweep` });
    throw new Error(failure);
  }
}
