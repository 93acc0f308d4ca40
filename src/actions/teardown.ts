// actions/teardown: remove one lab from its id alone (a second run is a no-op), or with mode sweep every lab past
// its expiry (dry-run by default for manual runs). Lists what was removed in an output and in the summary.
import * as core from '@actions/core';
import type { LabDependencies } from '../operations/dependencies.ts';
import { openLab } from '../operations/open-lab.ts';
import { readTeardownInputs, type SweepInputs } from './inputs.ts';
import { logLine, runAction, stackProgress } from './run-action.ts';

const OUTDIR = '.tslab/synth';

/** `dependencies`: fakes for tests; the real clients otherwise. */
export async function runTeardown(dependencies?: Partial<LabDependencies>): Promise<void> {
  await runAction('teardown', async ({ interruption }) => {
    const inputs = readTeardownInputs();
    if (inputs.mode === 'sweep') return sweepAction(inputs.sweep, dependencies);

    const { lab, target } = await openLab(inputs.teardown.lab, {
      credentials: inputs.teardown.credentials,
      localStateDir: inputs.teardown.localStateDir,
      outdir: OUTDIR,
      ...(dependencies ? { dependencies } : {}),
    });
    const progress = stackProgress();
    const result = await target
      .down({ onProgress: progress.handle, log: logLine, interruption })
      .finally(() => progress.close());
    core.setOutput('removed', JSON.stringify(result.removed));
    for (const warning of result.warnings) core.warning(warning);
    await core.summary
      .addHeading(`tslab lab ${lab.id} torn down${lab.target === 'local' ? ' (local)' : ''}`, 2)
      .addList(result.removed.length ? result.removed : ['nothing to remove: the lab was already gone'])
      .write();
    if (result.remaining.length)
      throw new Error(`resources still tagged for lab ${lab.id}: ${result.remaining.join(', ')}`);
  });
}

async function sweepAction(inputs: SweepInputs, dependencies?: Partial<LabDependencies>): Promise<void> {
  const { sweepLabs } = await import('../operations/sweep-labs.ts');
  const outcomes = await sweepLabs({
    ...inputs,
    now: new Date(),
    log: logLine,
    ...(dependencies ? { dependencies } : {}),
  });
  core.setOutput('removed', JSON.stringify(outcomes));
  await core.summary
    .addHeading(`tslab sweep${inputs.dryRun ? ' (dry run: nothing removed)' : ''}`, 2)
    .addTable([
      [
        { data: 'lab', header: true },
        { data: 'expired', header: true },
        { data: 'result', header: true },
      ],
      ...outcomes.map((o) => [o.lab, o.expiresAt, `${o.result}${o.detail ? `: ${o.detail}` : ''}`]),
    ])
    .write();
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (failed.length) throw new Error(`could not remove ${failed.map((o) => o.lab).join(', ')}`);
}
