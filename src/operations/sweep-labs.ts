// The janitor: every lab past its tslab:expires-at (by manifest or by tag) is torn down like any other teardown.
import type { AwsClients } from '../aws/clients.ts';
import { type ManifestStore } from '../engine/manifest.ts';
import { S3LabStore } from '../engine/lab-stores.ts';
import type { LabCluster } from '../kubernetes/lab-cluster.ts';
import { resolveLab, type LabConfig } from '../lab/config.ts';
import type { TailscaleApi } from '../tailscale/api-client.ts';
import { expiredLabs, type ExpiredLab } from '../sweeper/expired-labs.ts';
import { scanTaggedLabs } from '../aws/lab-resources.ts';
import { sweep, type SweepOutcome } from '../sweeper/sweep.ts';
import { terraformEnvironment, type LabCredentials } from './credentials.ts';
import { withDefaults } from './default-dependencies.ts';
import type { LabDependencies } from './dependencies.ts';
import { adoptManifest } from './lab-identity.ts';
import { downAwsLab, type TeardownDeps } from './down-aws.ts';

export interface SweepLabsOptions {
  credentials: LabCredentials;
  stateBucket: string;
  /** Region whose tagged labs are found; labs found by their manifests are torn down in their own region. */
  region: string;
  stateRegion: string;
  dryRun: boolean;
  concurrency: number;
  now: Date;
  log?: (line: string) => void;
  /** Fakes for tests; the real clients otherwise. */
  dependencies?: Partial<LabDependencies>;
}

/** The sweep as the CLI and the teardown action run it: clients of the swept region and of each lab's own. */
export function sweepLabs(options: SweepLabsOptions): Promise<SweepOutcome[]> {
  const dependencies = withDefaults(options.dependencies);
  const aws = dependencies.awsClients(options.region, options.stateRegion);
  const { tailscale } = options.credentials;
  return sweepExpiredLabs({
    aws,
    awsFor: (region) => dependencies.awsClients(region, options.stateRegion),
    store: new S3LabStore(aws.s3, options.stateBucket),
    stateBucket: options.stateBucket,
    stateRegion: options.stateRegion,
    dryRun: options.dryRun,
    concurrency: options.concurrency,
    now: options.now,
    ...(tailscale ? { tailscale: dependencies.tailscaleApi(tailscale) } : {}),
    env: terraformEnvironment(options.credentials),
    connectCluster: dependencies.connectCluster,
    ...(options.log ? { log: options.log } : {}),
    ...(dependencies.terraform ? { teardownDeps: { terraform: dependencies.terraform } } : {}),
  });
}

export interface SweepDeps {
  /** Clients of the region being swept (its tags) and of the state bucket. */
  aws: AwsClients;
  store: ManifestStore;
  stateBucket: string;
  /** Region of the state bucket (default the swept region). */
  stateRegion?: string;
  /** Clients for a lab in another region (its manifest says where it runs). */
  awsFor: (region: string) => AwsClients;
  /** A lab's cluster API, with the clients of the lab's region. */
  connectCluster: (lab: LabConfig, aws: AwsClients) => Promise<LabCluster>;
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
    Pick<TeardownDeps, 'terraform' | 'connectCluster' | 'sleep' | 'outdir' | 'operatorCleanupWaitMs'>
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
  const aws = lab.region === deps.aws.region ? deps.aws : deps.awsFor(lab.region);
  const report = await downAwsLab(lab, {
    outdir: '.tslab/synth-sweep',
    env: deps.env ?? process.env,
    aws,
    tailscale: deps.tailscale,
    connectCluster: (l) => deps.connectCluster(l, aws),
    ...(deps.log ? { log: deps.log } : {}),
    ...deps.teardownDeps,
  });
  return (
    report.warnings.join('; ') || `${report.devices.length} device(s), ${report.leftovers.length} leftover(s)`
  );
}
