// Everything an operation needs to drive one lab's stacks: its synthesized stacks, the terraform/tofu runner and
// the manifest store beside its state.
import { dirname } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalManifestStore, S3ManifestStore, type ManifestStore } from '../engine/manifest.ts';
import type { SynthesizedStack } from '../engine/stack-order.ts';
import { TerraformCli } from '../engine/terraform.ts';
import type { LabConfig } from '../lab/config.ts';
import { synthLab } from './synth-lab.ts';

export interface LabSessionOptions {
  /** Where the stacks are synthesized; one directory per lab below it. */
  outdir: string;
  /** Environment terraform sees: cloud credentials, TAILSCALE_OAUTH_*, TF_VAR_*. */
  env?: NodeJS.ProcessEnv;
  pluginCacheDir?: string;
  /** A second run on the same lab waits this long for the state lock, then fails naming the holder. */
  lockTimeoutSeconds?: number;
  s3?: S3Client;
}

export interface LabSession {
  /** The lab with its local state dir made absolute. */
  lab: LabConfig;
  stacks: SynthesizedStack[];
  cli: TerraformCli;
  store: ManifestStore;
}

export function openLabSession(lab: LabConfig, options: LabSessionOptions): LabSession {
  const synthesized = synthLab(lab, `${options.outdir}/${lab.id}`);
  const cli = new TerraformCli({
    binary: synthesized.lab.engine.binary,
    ...(options.env ? { env: options.env } : {}),
    ...(options.pluginCacheDir ? { pluginCacheDir: options.pluginCacheDir } : {}),
    lockTimeoutSeconds: options.lockTimeoutSeconds ?? 300,
  });
  return {
    lab: synthesized.lab,
    stacks: synthesized.stacks,
    cli,
    store: manifestStoreFor(synthesized.lab, options.s3),
  };
}

export function manifestStoreFor(lab: LabConfig, s3?: S3Client): ManifestStore {
  if (lab.state.kind === 's3') {
    return new S3ManifestStore(s3 ?? new S3Client({ region: lab.state.region }), lab.state.bucket);
  }
  // Beside the lab's own state dir (…/<lab>), so a lab's files are all in one place.
  return new LocalManifestStore(dirname(lab.state.dir));
}
