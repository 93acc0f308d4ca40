// Everything an operation needs to drive one lab's stacks: the stacks, the terraform/tofu runner and the store
// beside its state. Provision synthesizes (and records the stacks first); teardown restores what was recorded.
import type { S3Client } from '@aws-sdk/client-s3';
import { captureStacks, restoreStacks } from '../engine/stack-bundle.ts';
import type { SynthesizedStack } from '../engine/stack-order.ts';
import { withAbsoluteStateDir } from '../engine/state-location.ts';
import type { TerraformRunner } from '../engine/terraform.ts';
import type { LabConfig } from '../lab/config.ts';
import { labStoreFor, terraformFor, type LabStore, type RunnerOptions } from './lab-store.ts';

export interface LabSessionOptions extends RunnerOptions {
  /** Where stacks are synthesized or restored; one directory per lab below it. */
  outdir: string;
  s3?: S3Client;
  /** Injected by tests (fault injection); by default the terraform/tofu binary of the lab. */
  terraform?: TerraformRunner;
  /** Injected by tests; by default S3 beside the state, or the local state dir. */
  store?: LabStore;
}

export interface LabSession {
  /** The lab with its local state dir made absolute. */
  lab: LabConfig;
  stacks: SynthesizedStack[];
  terraform: TerraformRunner;
  store: LabStore;
}

/**
 * Synthesizes the lab and records its stacks beside the state before anything is applied, so a teardown from the
 * lab id alone can destroy whatever an interrupted provision created.
 */
export async function openLabSession(
  lab: LabConfig,
  options: LabSessionOptions,
  synth: (lab: LabConfig, outdir: string) => { stacks: SynthesizedStack[] },
): Promise<LabSession> {
  const absolute = withAbsoluteStateDir(lab);
  const { stacks } = synth(absolute, `${options.outdir}/${lab.id}`);
  const store = options.store ?? labStoreFor(absolute, options.s3);
  await store.saveStacks(lab.id, await captureStacks(stacks));
  return { lab: absolute, stacks, terraform: options.terraform ?? terraformFor(absolute, options), store };
}

/** The stacks provision recorded; none when it never got that far (then there is nothing to destroy). */
export async function restoreLabSession(lab: LabConfig, options: LabSessionOptions): Promise<LabSession> {
  const absolute = withAbsoluteStateDir(lab);
  const store = options.store ?? labStoreFor(absolute, options.s3);
  const bundle = await store.loadStacks(lab.id);
  const stacks = bundle ? await restoreStacks(bundle, `${options.outdir}/${lab.id}-restored`) : [];
  return { lab: absolute, stacks, terraform: options.terraform ?? terraformFor(absolute, options), store };
}
