// Synthesizes a lab's stacks (or the tailnet policy stack) into Terraform JSON through the engine.
import { addLabStacks, addTailnetPolicyStack } from '../../infra/app.ts';
import { synthesize, type SynthResult } from '../engine/synth.ts';
import { withAbsoluteStateDir } from '../engine/state-location.ts';
import type { LabConfig } from '../lab/config.ts';

export function synthLab(lab: LabConfig, outdir: string): { lab: LabConfig } & SynthResult {
  const absolute = withAbsoluteStateDir(lab);
  return { lab: absolute, ...synthesize((app) => addLabStacks(app, absolute), outdir) };
}

export function synthTailnetPolicy(outdir: string): SynthResult {
  return synthesize((app) => addTailnetPolicyStack(app), outdir);
}
