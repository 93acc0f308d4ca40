// The janitor: every lab past its tslab:expires-at (by manifest or by tag), and every pr-<n> lab whose pull request
// has closed, is torn down like any other teardown. A lab that cannot be removed comes back with what is left.
import type { AwsClients } from '../clients/aws/clients.ts';
import { scanTaggedLabs } from '../clients/aws/lab-resources.ts';
import type { LabCluster } from '../clients/kubernetes/lab-cluster.ts';
import type { TailscaleApi } from '../clients/tailscale/api-client.ts';
import { effectiveExpiry, type LabManifest, type ManifestStore } from '../engine/manifest.ts';
import type { TerraformRunner } from '../engine/terraform.ts';
import { githubPullRequestsApi, pullRequestLookup, type GitHubRepository } from '../github/pull-requests.ts';
import { labsInBucket, LabHome, type OperationIo, type RunLockSettings } from '../home/lab-home.ts';
import { resolveLab, type LabConfig } from '../lab/config.ts';
import { isExpired } from '../lab/ownership.ts';
import { TeardownIncompleteError } from '../targets/aws/incomplete.ts';
import { withDefaults } from '../targets/aws/default-dependencies.ts';
import type { AwsServices } from '../targets/aws/services.ts';
import { incomplete, leftBehind, teardownAwsLab } from '../targets/aws/teardown.ts';
import { terraformEnvironment, type LabCredentials } from '../targets/credentials.ts';
import type { LabDependencies } from '../targets/dependencies.ts';
import { adoptManifest } from '../targets/lab-identity.ts';
import { closedPullRequestLabs, type PullRequestSource } from './closed-pr-labs.ts';
import { expiredLabs } from './expired-labs.ts';
import type { SweepReport } from './report.ts';
import { sweep, type LabToSweep } from './sweep.ts';

export type { SweepReport } from './report.ts';

/** How the sweep asks GitHub about pull requests: a token (pull-requests: read) for the run's repository. */
export interface SweepGitHub {
  /** Never logged: it only goes to the API client. */
  token: string;
  repository: GitHubRepository;
}

export interface SweepLabsOptions {
  credentials: LabCredentials;
  stateBucket: string;
  /** Region whose tagged labs are found; labs found by their manifests are torn down in their own region. */
  region: string;
  stateRegion: string;
  dryRun: boolean;
  concurrency: number;
  /** Where closed pull requests are asked about; a string says why they cannot be (the result repeats it). */
  github: SweepGitHub | string;
  now: Date;
  log?: ((line: string) => void) | undefined;
  /** Fakes for tests; the real clients otherwise. */
  dependencies?: Partial<LabDependencies> | undefined;
  /** The caller's SIGINT/SIGTERM and what proves a lab's previous run gone: handed to each lab's teardown. */
  io?: Pick<OperationIo, 'interruption' | 'takeover'> | undefined;
}

/** The sweep as the CLI and the teardown action run it: clients of the swept region and of each lab's own. */
export async function sweepLabs(options: SweepLabsOptions): Promise<SweepReport> {
  const dependencies = withDefaults(options.dependencies);
  const aws = dependencies.awsClients(options.region, options.stateRegion);
  const { tailscale } = options.credentials;
  const { github } = options;
  return sweepExpiredLabs({
    aws,
    awsFor: (region) => dependencies.awsClients(region, options.stateRegion),
    store: labsInBucket(aws.s3, options.stateBucket),
    stateBucket: options.stateBucket,
    stateRegion: options.stateRegion,
    dryRun: options.dryRun,
    concurrency: options.concurrency,
    now: options.now,
    pullRequests:
      typeof github === 'string'
        ? { unavailable: github }
        : {
            repository: github.repository,
            lookup: pullRequestLookup(
              await githubPullRequestsApi(github.token),
              github.repository,
              github.token,
            ),
          },
    tailscale: tailscale ? dependencies.tailscaleApi(tailscale) : undefined,
    env: terraformEnvironment(options.credentials),
    connectCluster: dependencies.connectCluster,
    log: options.log,
    io: options.io,
    seams: { terraform: dependencies.terraform },
  });
}

export interface SweepDeps {
  /** Clients of the region being swept (its tags) and of the state bucket. */
  aws: AwsClients;
  store: ManifestStore;
  stateBucket: string;
  /** Region of the state bucket (default the swept region). */
  stateRegion?: string | undefined;
  /** Clients for a lab in another region (its manifest says where it runs). */
  awsFor: (region: string) => AwsClients;
  /** A lab's cluster API, with the clients of the lab's region. */
  connectCluster: (lab: LabConfig, aws: AwsClients) => Promise<LabCluster>;
  dryRun: boolean;
  now: Date;
  concurrency?: number | undefined;
  /** Where to ask whether a pr-<n> lab's pull request is closed; without it, only expired labs go (and it says so). */
  pullRequests?: PullRequestSource | undefined;
  /** Needed only to remove labs (not for a dry run). */
  tailscale?: TailscaleApi | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  log?: ((line: string) => void) | undefined;
  /** What each lab's teardown is told: the caller's SIGINT/SIGTERM, what proves a lab's previous run gone. */
  io?: Pick<OperationIo, 'interruption' | 'takeover'> | undefined;
  /** Injected by tests: how one lab is torn down. */
  teardown?: ((lab: LabToSweep) => Promise<string | void>) | undefined;
  /** Injected by tests (fault injection) into each lab's teardown. */
  seams?: SweepSeams | undefined;
}

/** What tests replace in each lab's teardown: terraform, where it restores, its lock's timing, the wing's waits. */
export interface SweepSeams extends Partial<Pick<AwsServices, 'sleep' | 'operatorCleanupWaitMs'>> {
  terraform?: TerraformRunner | undefined;
  outdir?: string | undefined;
  lock?: RunLockSettings | undefined;
}

/** Expired labs, then labs of closed pull requests, torn down (or, in a dry run, listed) with why. */
export async function sweepExpiredLabs(deps: SweepDeps): Promise<SweepReport> {
  const manifests = await deps.store.list();
  const expired = expiredLabs(manifests, await scanTaggedLabs(deps.aws.tagging), deps.now);
  const closed = await closedPullRequestLabs(
    manifests,
    deps.pullRequests ?? { unavailable: 'no GitHub token to ask with' },
    deps.now,
  );
  // A lab both expired (by a tag) and of a closed PR is listed once, as expired.
  const labs: LabToSweep[] = [
    ...expired,
    ...closed.labs.filter((l) => !expired.some((e) => e.lab === l.lab)),
  ];
  deps.log?.(
    `${expired.length} expired lab(s) of ${manifests.length} with a manifest; ` +
      `${labs.length - expired.length} more of closed pull requests${closed.checked ? '' : ' (not all checked)'}`,
  );
  const outcomes = await sweep(labs, {
    dryRun: deps.dryRun,
    concurrency: deps.concurrency ?? 3,
    now: deps.now,
    teardown: deps.teardown ?? ((lab) => teardownLab(lab, manifests, deps)),
  });
  return { outcomes, closedPullRequestsChecked: closed.checked, notes: closed.notes };
}

async function teardownLab(
  expired: LabToSweep,
  manifests: LabManifest[],
  deps: SweepDeps,
): Promise<string | { kept: string }> {
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
  // A lab is torn down where it runs, whatever region the sweep was started for; its state stays in the bucket.
  const aws = lab.region === deps.aws.region ? deps.aws : deps.awsFor(lab.region);
  const seams = deps.seams ?? {};
  const home = LabHome.of(lab, {
    outdir: seams.outdir ?? '.tslab/synth-sweep',
    env: deps.env ?? process.env,
    s3: () => deps.aws.s3,
    terraform: seams.terraform,
    lock: seams.lock,
  });
  const services: AwsServices = {
    aws,
    tailscale: deps.tailscale,
    connectCluster: (l) => deps.connectCluster(l, aws),
    sleep: seams.sleep,
    operatorCleanupWaitMs: seams.operatorCleanupWaitMs,
  };
  // Decided from a list read before any lock: a lab expired then may have been provisioned again since, which moved
  // its expiry. Asked again holding the lab's lock, so the sweep never removes a lab a push just kept.
  const keepIf = (now: LabManifest | undefined) => {
    if (expired.reason !== undefined || !now) return undefined;
    const expiresAt = effectiveExpiry(now);
    return isExpired(expiresAt, deps.now)
      ? undefined
      : `provisioned again since: it now expires ${expiresAt}`;
  };
  const report = await teardownAwsLab(home, services, { log: deps.log, ...deps.io }, { keepIf }).catch(
    async (error: unknown) => {
      // Failures before the teardown could take stock (a busy lock, a state it cannot read) still say what is left.
      throw error instanceof TeardownIncompleteError ? error : await incomplete(home, services, error);
    },
  );
  if (report.kept !== undefined) return { kept: report.kept };
  if (report.remaining.length) {
    // The teardown ran to its end, but AWS still lists resources with the lab's tag: not removed.
    throw new TeardownIncompleteError(
      lab,
      new Error(`${report.remaining.length} resource(s) still tagged for the lab after its teardown`),
      await leftBehind(lab, aws, deps.tailscale, home.store),
      home.locationFlags,
    );
  }
  return (
    report.warnings.join('; ') || `${report.devices.length} device(s), ${report.leftovers.length} leftover(s)`
  );
}
