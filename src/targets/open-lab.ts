// The one entry to a lab for the CLI and the actions: check the target's rules on the input as given (before any cloud
// call), resolve the lab as it was created (its manifest) with every path absolute, and hand back its target.
import type { S3Client } from '@aws-sdk/client-s3';
import type { LabManifest } from '../engine/manifest.ts';
import { withAbsoluteStateDir } from '../engine/state-location.ts';
import { resolveLab, type LabConfig, type ResolveOptions } from '../lab/config.ts';
import { LabConfigError } from '../lab/errors.ts';
import type { LabCredentials } from './credentials.ts';
import type { LabDependencies } from './dependencies.ts';
import { adoptManifest } from './lab-identity.ts';
import { labStoreFor } from '../home/lab-store.ts';
import type { LabTarget } from './lab-target.ts';
import type { AwsRunDeps } from './aws/run-deps.ts';
import type { ProvisionResult } from './aws/provision.ts';
import type { LocalRunOptions } from './local/teardown.ts';
import type { DeployResult } from '../engine/lifecycle.ts';

export interface OpenLabOptions {
  credentials: LabCredentials;
  /** Where the local target (and an aws lab without a state bucket, for synth) keeps its state. */
  localStateDir: string;
  /** Where stacks are synthesized or restored, below the working directory. */
  outdir: string;
  pluginCacheDir?: string;
  /** Fakes for tests; the real clients otherwise. */
  dependencies?: Partial<LabDependencies>;
  now?: Date;
  /** How a lab comes up (src/targets/provisioners.ts); without it the target can validate and tear down only. */
  provisioners?: Provisioners;
}

/** The up of each target, injected so entry points that never provision do not bundle synth. */
export interface Provisioners {
  aws: (lab: LabConfig, deps: AwsRunDeps) => Promise<ProvisionResult>;
  local: (lab: LabConfig, options: LocalRunOptions) => Promise<DeployResult>;
}

export interface OpenedLab {
  lab: LabConfig;
  manifest: LabManifest | undefined;
  target: LabTarget;
}

export async function openLab(input: Record<string, unknown>, options: OpenLabOptions): Promise<OpenedLab> {
  requireTargetSettings(input);
  const awsClients = options.dependencies?.awsClients;
  const { lab, manifest } = await resolveExistingLab(input, {
    localStateDir: options.localStateDir,
    ...(options.now ? { now: options.now } : {}),
    ...(awsClients ? { s3: (l: LabConfig) => awsClients(l.region, stateRegion(l)).s3 } : {}),
  });
  // Each target's code is imported only when used: a local run never loads the AWS target's clients (EC2, EKS, SSM,
  // Kubernetes); the S3 client of the lab stores and run locks is loaded by every bundle.
  const target =
    lab.target === 'local'
      ? (await import('./local/target.ts')).localTarget(lab, options)
      : (await import('./aws/target.ts')).awsTarget(lab, options);
  return { lab, manifest, target };
}

/**
 * The aws target keeps its state, run locks and manifest in the state bucket: without one there is no lab to find or
 * lock. Checked on the input as given, before any store is read.
 */
export function requireTargetSettings(input: Record<string, unknown>): void {
  if ((input['target'] ?? 'aws') === 'aws' && !input['stateBucket']) {
    throw new LabConfigError([
      {
        field: 'stateBucket',
        value: '',
        rule: 'is required for the aws target (state, locks and the lab manifest live there)',
      },
    ]);
  }
}

/** The lab as given, or, when it already exists, as it was created; its local state dir absolute either way. */
export async function resolveExistingLab(
  input: Record<string, unknown>,
  options: ResolveOptions & { s3?: (lab: LabConfig) => S3Client } = {},
): Promise<{ lab: LabConfig; manifest: LabManifest | undefined }> {
  const fresh = withAbsoluteStateDir(resolveLab(input, options));
  // A local lab's store is a directory: no AWS client is made for it.
  const s3 = fresh.state.kind === 's3' ? options.s3?.(fresh) : undefined;
  const manifest = await labStoreFor(fresh, s3).read(fresh.id);
  return {
    lab: manifest ? withAbsoluteStateDir(adoptManifest(input, manifest, options)) : fresh,
    manifest,
  };
}

/** Region of the lab's state bucket (its own region when it keeps state locally). */
export function stateRegion(lab: LabConfig): string {
  return lab.state.kind === 's3' ? lab.state.region : lab.region;
}
