// What an up or a down of an AWS lab runs with: where it synthesizes, what terraform sees, the clients, and the
// seams tests inject faults through.
import type { AwsClients } from '../../clients/aws/clients.ts';
import type { Interruption } from '../../engine/interruption.ts';
import type { TakeoverEvidence } from '../../engine/takeover.ts';
import type { LabProgressEvent } from '../../engine/progress.ts';
import type { RunLocks } from '../../engine/run-lock.ts';
import type { TerraformRunner } from '../../engine/terraform.ts';
import type { TailscaleApi } from '../../clients/tailscale/api-client.ts';
import type { LabStore } from '../../home/lab-store.ts';
import type { LabRunLockOptions } from '../../home/tracked-lease.ts';

export interface AwsRunDeps {
  outdir: string;
  /** What terraform sees: AWS credentials, TAILSCALE_OAUTH_CLIENT_ID/_SECRET, TF_VAR_operator_oauth_client_*. */
  env: NodeJS.ProcessEnv;
  pluginCacheDir?: string;
  tailscale: TailscaleApi;
  aws: AwsClients;
  onProgress?: (event: LabProgressEvent) => void;
  log?: (line: string) => void;
  routerWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Injected by tests (fault injection): the terraform runner and the manifest/stacks store. */
  terraform?: TerraformRunner;
  store?: LabStore;
  /** Injected by tests; by default the lab's run lock in the state bucket. */
  locks?: RunLocks;
  /** How long a run waits for another run of the same lab (default 10 minutes). */
  lockWaitMs?: number;
  /** 1 applies and destroys one stack at a time (the old schedule, for comparison); default: the graph. */
  concurrency?: number;
  /** SIGINT/SIGTERM of the caller (docs/design/interruptions.md §1). */
  interruption?: Interruption;
  takeover?: TakeoverEvidence;
  /** Injected by tests: who this run is (GITHUB_* variables, host) and how often it looks for terraform's lock. */
  runIdentity?: Pick<LabRunLockOptions, 'env' | 'host' | 'heartbeatMs' | 'stateLockPollMs'>;
}

/** The run lock options an AWS run's deps carry. */
export function lockOptions(deps: AwsRunDeps): LabRunLockOptions {
  return {
    s3: deps.aws.s3,
    ...(deps.locks ? { locks: deps.locks } : {}),
    ...(deps.lockWaitMs !== undefined ? { waitMs: deps.lockWaitMs } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.interruption ? { interruption: deps.interruption } : {}),
    ...(deps.takeover ? { takeover: deps.takeover } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...deps.runIdentity,
  };
}
