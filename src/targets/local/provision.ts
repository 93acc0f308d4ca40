// `up` of the local lab: synthesize the terraform_data stack, record it, apply it with the real terraform binary.
import { deployLab, type DeployResult } from '../../engine/lifecycle.ts';
import { InterruptedError } from '../../engine/interruption.ts';
import { buildManifest } from '../../engine/manifest.ts';
import type { LabConfig } from '../../lab/config.ts';
import { openLabSession } from '../../home/lab-home.ts';
import { leaseIdentity, withLabRunLock, type LabLease } from '../../home/tracked-lease.ts';
import {
  downHoldingLock,
  ensureLocalPrerequisites,
  localLockOptions,
  type LocalRunOptions,
} from './teardown.ts';
import { synthLab } from '../synth-lab.ts';

export async function upLocalLab(lab: LabConfig, options: LocalRunOptions): Promise<DeployResult> {
  await ensureLocalPrerequisites(options.log);
  return withLabRunLock(lab, 'up', localLockOptions(options), (lease) =>
    upHoldingLock(lab, { ...options, onProgress: lease.track(options.onProgress) }, lease),
  );
}

async function upHoldingLock(
  lab: LabConfig,
  options: LocalRunOptions,
  lease: LabLease,
): Promise<DeployResult> {
  const interruption = options.interruption ? { interruption: options.interruption } : {};
  const session = await openLabSession(lab, { outdir: options.outdir, ...interruption }, synthLab);
  try {
    return await deployLab({
      stacks: session.stacks,
      terraform: session.terraform,
      store: session.store,
      manifest: buildManifest(session.lab),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...interruption,
      runIdentity: leaseIdentity(lease),
    });
  } catch (error) {
    // A stopped up has seconds left (docs/design/interruptions.md §1): it is recorded, and `down` removes it.
    if (error instanceof InterruptedError) throw error;
    // Nothing half-created stays behind: a failed up is undone at once (a later `down` would do the same).
    options.log?.(`up failed; removing what was created`);
    await downHoldingLock(lab, options).catch((cleanup) =>
      options.log?.(`cleanup after the failed up also failed: ${String(cleanup)}`),
    );
    throw error;
  }
}
