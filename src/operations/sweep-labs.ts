// The janitor: every lab past its tslab:expires-at (by manifest or by tag) is torn down like any other teardown.
import { createAwsClients, type AwsClients } from '../aws/clients.ts';
import type { ManifestStore } from '../engine/manifest.ts';
import { resolveLab } from '../lab/config.ts';
import type { TailscaleApi } from '../tailscale/api-client.ts';
import { expiredLabs, scanTaggedLabs, type ExpiredLab } from '../sweeper/expired-labs.ts';
import { sweep, type SweepOutcome } from '../sweeper/sweep.ts';
import { adoptManifest } from './lab-identity.ts';
import { teardownAwsLab, type TeardownDeps } from './teardown-aws.ts';

export interface SweepDeps {
  /** Clients of the region being swept (its tags) and of the state bucket. */
  aws: AwsClients;
  store: ManifestStore;
  stateBucket: string;
  /** Region of the state bucket (default the swept region). */
  stateRegion?: string;
  /** Clients for a lab in another region (its manifest says where it runs); default createAwsClients. */
  awsFor?: (region: string) => AwsClients;
  dryRun: boolean;
  now: Date;
  concurrency?: number;
  /** Needed only to remove labs (not for a dry run). */
  tailscale?: TailscaleApi;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Injected by tests: how one lab is torn down. */
  teardown?: (lab: ExpiredLab) => Promise<string | void>;
  /** Injected by tests (fault injection) into each lab's teardown: terraform runner, cluster, clock, where to restore. */
  teardownDeps?: Partial<
    Pick<TeardownDeps, 'cli' | 'connectCluster' | 'sleep' | 'outdir' | 'operatorCleanupWaitMs'>
  >;
}

export async function sweepExpiredLabs(deps: SweepDeps): Promise<SweepOutcome[]> {
  const manifests = await deps.store.list();
  const expired = expiredLabs(manifests, await scanTaggedLabs(deps.aws.tagging), deps.now);
  deps.log?.(`${expired.length} expired lab(s) of ${manifests.length} with a manifest`);
  return sweep(expired, {
    dryRun: deps.dryRun,
    concurrency: deps.concurrency ?? 3,
    teardown: deps.teardown ?? ((lab) => teardownExpired(lab, manifests, deps)),
  });
}

async function teardownExpired(
  expired: ExpiredLab,
  manifests: Awaited<ReturnType<ManifestStore['list']>>,
  deps: SweepDeps,
): Promise<string> {
  if (!deps.tailscale) throw new Error('removing labs needs Tailscale OAuth credentials');
  const stateRegion = deps.stateRegion ?? deps.aws.region;
  const input = {
    lab: expired.lab,
    region: expired.region ?? deps.aws.region,
    stateBucket: deps.stateBucket,
    stateRegion,
  };
  const manifest = manifests.find((m) => m.lab === expired.lab);
  const lab = manifest ? adoptManifest(input, manifest) : resolveLab(input);
  // A lab is torn down where it runs, whatever region the sweep was started for.
  const aws =
    lab.region === deps.aws.region
      ? deps.aws
      : (deps.awsFor ?? ((region: string) => createAwsClients(region, stateRegion)))(lab.region);
  const report = await teardownAwsLab(lab, {
    outdir: '.tslab/synth-sweep',
    env: deps.env ?? process.env,
    aws,
    tailscale: deps.tailscale,
    ...(deps.log ? { log: deps.log } : {}),
    ...deps.teardownDeps,
  });
  return (
    report.warnings.join('; ') || `${report.devices.length} device(s), ${report.leftovers.length} leftover(s)`
  );
}
