// Synthesizes a lab's stacks (or the tailnet policy stack) into Terraform JSON through the engine.
import { resolve } from 'node:path';
import { addLabStacks, addTailnetPolicyStack } from '../../infra/app.ts';
import { synthesize, type SynthResult } from '../engine/synth.ts';
import { absolute } from '../home/lab-home.ts';
import type { LabConfig } from '../lab/config.ts';

export function synthLab(lab: LabConfig, outdir: string): { lab: LabConfig } & SynthResult {
  const placed = absolute(lab);
  return { lab: placed, ...synthesize((app) => addLabStacks(app, placed), outdir) };
}

/** The tailnet's own stack: state in the bucket (`tslab/tailnet-policy.tfstate`) when given, else a local file. */
export function synthTailnetPolicy(
  outdir: string,
  state?: { bucket: string; region: string },
  options: Parameters<typeof addTailnetPolicyStack>[2] = {},
): SynthResult {
  const backend = state
    ? { kind: 's3' as const, bucket: state.bucket, region: state.region, key: 'tslab/tailnet-policy.tfstate' }
    : { kind: 'local' as const, path: resolve('.tslab/state/tailnet-policy.tfstate') };
  return synthesize((app) => addTailnetPolicyStack(app, backend, options), outdir);
}
