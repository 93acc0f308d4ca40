// Where a lab's manifest and stacks live (S3 beside the state, or a local dir), and the terraform runner for it.
// (Its run lock lives beside them too: lab-run-lock.ts.)
// Free of cdktf: validate and teardown use this module.
import { dirname } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalLabStore, S3LabStore, type LabStore } from '../engine/lab-stores.ts';
import type { Interruption } from '../engine/interruption.ts';
import { TerraformCli } from '../engine/terraform.ts';
import type { LabConfig } from '../lab/config.ts';

export type { LabStore };

export interface RunnerOptions {
  /** Environment terraform sees: cloud credentials, TAILSCALE_OAUTH_*, TF_VAR_*. */
  env?: NodeJS.ProcessEnv;
  pluginCacheDir?: string;
  /** A second run on the same lab waits this long for the state lock, then fails naming the holder. */
  lockTimeoutSeconds?: number;
  /** The caller's SIGINT/SIGTERM, passed on to terraform. */
  interruption?: Interruption;
}

export function labStoreFor(lab: LabConfig, s3?: S3Client): LabStore {
  if (lab.state.kind === 's3') {
    return new S3LabStore(s3 ?? new S3Client({ region: lab.state.region }), lab.state.bucket);
  }
  // Beside the lab's own state dir (…/<lab>), so a lab's files are all in one place.
  return new LocalLabStore(dirname(lab.state.dir));
}

export function terraformFor(lab: LabConfig, options: RunnerOptions = {}): TerraformCli {
  return new TerraformCli({
    binary: lab.engine.binary,
    ...(options.env ? { env: options.env } : {}),
    ...(options.pluginCacheDir ? { pluginCacheDir: options.pluginCacheDir } : {}),
    lockTimeoutSeconds: options.lockTimeoutSeconds ?? 300,
    ...(options.interruption ? { interruption: options.interruption } : {}),
  });
}
