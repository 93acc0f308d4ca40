// Provision of the local lab: synthesize the terraform_data stack, record it, apply it with the real terraform binary.
import { deployLab, type DeployResult } from '../../engine/lifecycle.ts';
import { InterruptedError } from '../../engine/interruption.ts';
import type { HomeRun, LabHome, OperationIo } from '../../home/lab-home.ts';
import { synthLab } from '../synth-lab.ts';
import { ensureLocalPrerequisites } from './prerequisites.ts';
import { teardownHoldingLock } from './teardown.ts';

export async function provisionLocalLab(home: LabHome, io: OperationIo = {}): Promise<DeployResult> {
  await ensureLocalPrerequisites(io.log);
  return home.run('provision', io, (run) => provisionHoldingLock(run, io));
}

async function provisionHoldingLock(run: HomeRun, io: OperationIo): Promise<DeployResult> {
  try {
    return await deployLab({
      stacks: await run.synthesize(synthLab),
      terraform: run.terraform(),
      store: run.store,
      manifest: run.manifest(),
      onProgress: run.onProgress,
      interruption: run.interruption,
      runIdentity: run.runIdentity,
    });
  } catch (error) {
    // A stopped provision has seconds left (docs/design/interruptions.md §1): it is recorded, and teardown removes it.
    if (error instanceof InterruptedError) throw error;
    // Nothing half-created stays behind: a failed provision is undone at once (a later teardown would do the same).
    io.log?.(`provision failed; removing what was created`);
    await teardownHoldingLock(run).catch((cleanup) =>
      io.log?.(`cleanup after the failed provision also failed: ${String(cleanup)}`),
    );
    throw error;
  }
}
