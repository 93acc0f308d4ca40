// One lab's home: where the lab lives — its state (an S3 bucket or a directory), its records (manifest and the stacks
// provision recorded), its run lock, the region of its state, and the directories its stacks are synthesized into —
// decided once, when openLab opens the lab. Every provision and teardown runs through run(): the lab's run lock held
// for its whole length, the lock's record kept current as stacks start and stop (docs/design/interruptions.md §3).
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Interruption } from '../engine/interruption.ts';
import { LocalLabStore, S3LabStore, type LabStore } from '../engine/lab-stores.ts';
import { buildManifest, type LabManifest } from '../engine/manifest.ts';
import type { OnStateLocked, RunIdentity } from '../engine/lifecycle.ts';
import type { LabProgressEvent } from '../engine/progress.ts';
import { LocalRunLocks, S3RunLocks, withRunLock, type RunLease, type RunLocks } from '../engine/run-lock.ts';
import { captureStacks, restoreStacks } from '../engine/stack-bundle.ts';
import type { SynthesizedStack } from '../engine/stack-order.ts';
import { runReference, workflowRunFromEnv, type TakeoverEvidence } from '../engine/takeover.ts';
import { TerraformCli, type TerraformRunner } from '../engine/terraform.ts';
import type { LabConfig } from '../lab/config.ts';
import { deadRunsOf, handOnEvidence, unlockStranded } from './dead-runs.ts';
import { absolute, placeOf, type Place } from './place.ts';
import { trackLease, type StateLockObject } from './tracked-lease.ts';

export type { LabStore };
export { absolute, stateBucketOf } from './place.ts';

/** The two operations that change a lab, each under its run lock (validate only reads, and takes none). */
export type LabOperation = 'provision' | 'teardown';

/** Where an operation reports as it goes, and what stops it or proves an earlier run gone. */
export interface OperationIo {
  onProgress?: ((event: LabProgressEvent) => void) | undefined;
  log?: ((line: string) => void) | undefined;
  /** SIGINT/SIGTERM of the caller: terraform is stopped at a safe point and the lab recorded as interrupted. */
  interruption?: Interruption | undefined;
  /** What proves another run of the lab gone, so its run lock may be taken over (docs/design/interruptions.md §3). */
  takeover?: TakeoverEvidence | undefined;
}

/** How long a run waits for the lab's lock, and who it says it is there; injectable for tests. */
export interface RunLockSettings {
  /** How long to wait for another run of the same lab (default 10 minutes in S3, 5 locally). */
  waitMs?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** This process's GitHub run (default: from GITHUB_* variables) and host. */
  env?: NodeJS.ProcessEnv | undefined;
  host?: string | undefined;
  heartbeatMs?: number | undefined;
  /** How often to look for terraform's S3 lock object after a stack starts (default 1 s). */
  stateLockPollMs?: number | undefined;
}

export interface LabHomeOptions {
  /** Where stacks are synthesized and restored: one directory per lab and state location below it. */
  outdir: string;
  /** What terraform sees: cloud credentials, TAILSCALE_OAUTH_*, TF_VAR_*. */
  env?: NodeJS.ProcessEnv | undefined;
  pluginCacheDir?: string | undefined;
  /** The client of the state bucket's region; made on first use otherwise (a local lab never makes one). */
  s3?: ((stateRegion: string) => S3Client) | undefined;
  lock?: RunLockSettings | undefined;
  /** Injected by tests (fault injection); by default the lab's terraform/tofu binary, store and lock. */
  terraform?: TerraformRunner | undefined;
  store?: LabStore | undefined;
  locks?: RunLocks | undefined;
}

/** What one run's terraform sees besides the home's environment. */
export interface TerraformEnv {
  set?: NodeJS.ProcessEnv;
  defaults?: NodeJS.ProcessEnv;
}

/** What an operation holding the lab's lock works with. */
export interface HomeRun {
  readonly lab: LabConfig;
  readonly store: LabStore;
  /** The caller's progress handler, wrapped so the lock records which stack runs. */
  readonly onProgress: (event: LabProgressEvent) => void;
  /** Who this run is to terraform, and the state lock it holds if seen. */
  readonly runIdentity: RunIdentity;
  /** The caller's SIGINT/SIGTERM, for the engine (terraform has it already). */
  readonly interruption: Interruption | undefined;
  /** The run whose lock this one took over, with why it was proven gone. */
  readonly takenOver: RunLease['takenOver'];
  /** The manifest this provision starts from (buildManifest), naming the workflow run that provisions it. */
  manifest(): LabManifest;
  /**
   * What the engine does on a locked state: removes a lock left by a run proven gone (the one taken over, or an
   * interruption the manifest records), saying so through `removed`; any other lock stays.
   */
  unlockStranded(terraform: TerraformRunner, removed: (line: string) => void): OnStateLocked;
  /**
   * Terraform for this run, stopped by the run's interruption: the home's environment with `set` over it and
   * `defaults` under it (for variables the home's environment lacks).
   */
  terraform(env?: TerraformEnv): TerraformRunner;
  /**
   * Synthesizes the lab's stacks and records them beside the state before anything is applied, so a teardown from
   * the lab id alone can destroy whatever an interrupted provision created.
   */
  synthesize(
    synth: (lab: LabConfig, outdir: string) => { stacks: SynthesizedStack[] },
  ): Promise<SynthesizedStack[]>;
  /** The stacks provision recorded; none when it never got that far (then there is nothing to destroy). */
  restore(): Promise<SynthesizedStack[]>;
}

export class LabHome {
  /** The lab with every path absolute. */
  readonly lab: LabConfig;
  readonly store: LabStore;
  private readonly place: Place;

  private constructor(
    lab: LabConfig,
    private readonly options: LabHomeOptions,
    adoptedFrom?: Place,
  ) {
    this.lab = absolute(lab);
    this.place = placeOf(this.lab, options, adoptedFrom);
    this.store = options.store ?? storeAt(this.place);
  }

  static of(lab: LabConfig, options: LabHomeOptions): LabHome {
    return new LabHome(lab, options);
  }

  /** The same home for the lab as its manifest recorded it (same state, same options). */
  adopt(lab: LabConfig): LabHome {
    return new LabHome(lab, this.options, this.place);
  }

  /** Region of the lab's state bucket (the lab's own region when it keeps state locally). */
  get stateRegion(): string {
    return this.place.region;
  }

  /** The state bucket, if the lab keeps its state in S3. */
  get stateBucket(): string | undefined {
    return this.place.kind === 's3' ? this.place.bucket : undefined;
  }

  /** Where the lab's records are, as a person reads it: the state bucket (and its region) or the directory. */
  get description(): string {
    return this.place.kind === 's3'
      ? `state bucket ${this.place.bucket} (${this.place.region})`
      : `state directory ${this.place.dir}`;
  }

  /** The command that tears this lab down from its id and this home alone. */
  get teardownCommand(): string {
    return `tslab teardown --target ${this.lab.target} --lab ${this.lab.id}${this.locationFlags}`;
  }

  /** The flags that point `tslab` at this home again, for messages that say how to resume. */
  get locationFlags(): string {
    if (this.place.kind === 'local') return '';
    const region = this.place.region === this.lab.region ? '' : ` --state-region ${this.place.region}`;
    return ` --region ${this.lab.region} --state-bucket ${this.place.bucket}${region}`;
  }

  /**
   * Where this lab's stacks are synthesized: keyed by the state location too, since terraform keeps a stack's backend
   * in its working directory and refuses an init whose backend changed ("Backend configuration changed").
   */
  get stacksDir(): string {
    const where =
      this.place.kind === 's3' ? `s3://${this.place.bucket}@${this.place.region}` : this.place.dir;
    const key = createHash('sha256').update(where).digest('hex').slice(0, 8);
    return resolve(this.options.outdir, `${this.lab.id}-${key}`);
  }

  /** The lab's terraform/tofu with the home's environment. */
  terraform({ set, defaults }: TerraformEnv = {}, interruption?: Interruption): TerraformRunner {
    if (this.options.terraform) return this.options.terraform;
    return new TerraformCli({
      binary: this.lab.engine.binary,
      env: { ...defaults, ...(this.options.env ?? process.env), ...set },
      pluginCacheDir: this.options.pluginCacheDir,
      // A second run on the same lab waits this long for the state lock, then fails naming the holder.
      lockTimeoutSeconds: 300,
      interruption,
    });
  }

  /**
   * Runs an offline check of the engine (the provider lock file) before any cloud call; an injected runner is a
   * test's, which installs no provider.
   */
  async checkEngine(check: (binary: string) => Promise<void>): Promise<void> {
    if (!this.options.terraform) await check(this.lab.engine.binary);
  }

  /** Runs `body` holding the lab's run lock: one provision or teardown of a lab at a time, for its whole length. */
  run<T>(operation: LabOperation, io: OperationIo, body: (run: HomeRun) => Promise<T>): Promise<T> {
    const lock = this.options.lock ?? {};
    const s3 = this.place.kind === 's3';
    const workflowRun = workflowRunFromEnv(lock.env ?? process.env);
    let stacks: SynthesizedStack[] = [];
    const stateLockOf = (stack: string): StateLockObject | undefined => {
      const backend = stacks.find((s) => s.id === stack)?.backend;
      if (this.place.kind !== 's3' || backend?.kind !== 'remote') return;
      // Terraform's S3 lock object sits beside the state object (use_lockfile). Stacks recorded by an older tslab
      // carry no bucket and key: theirs were always <keyPrefix>/<stack>.tfstate in the lab's bucket.
      const bucket = backend.bucket ?? this.place.bucket;
      const key = backend.key ?? `${this.place.keyPrefix}/${stack}.tfstate`;
      return { s3: this.place.s3(), bucket, key: `${key}.tflock` };
    };
    return withRunLock(
      this.options.locks ?? locksAt(this.place),
      this.lab.id,
      operation,
      {
        waitMs: lock.waitMs ?? (s3 ? 600_000 : 300_000),
        pollMs: s3 ? undefined : 500,
        sleep: lock.sleep,
        interruption: io.interruption,
        takeover: io.takeover,
        log: io.log,
        host: lock.host,
        heartbeatMs: lock.heartbeatMs,
        run: workflowRun,
      },
      async (lease) => {
        const tracked = trackLease(lease, stateLockOf, lock.stateLockPollMs);
        const keep = async (found: SynthesizedStack[]) => (stacks = found);
        // Before this run writes anything: the gone run's stacks and lock ids, kept in the manifest for later runs.
        const manifest = await handOnEvidence(this.store, this.lab.id, lease.takenOver, new Date());
        const deadRuns = deadRunsOf(manifest, lease.takenOver);
        return body({
          lab: this.lab,
          store: this.store,
          onProgress: tracked.track(io.onProgress),
          runIdentity: tracked.identity,
          interruption: io.interruption,
          takenOver: lease.takenOver,
          // A lab provisioned again (a push to its PR) lives its ttl from now; a new one, from its creation.
          manifest: () =>
            buildManifest(
              this.lab,
              workflowRun && runReference(workflowRun),
              manifest ? new Date() : undefined,
            ),
          unlockStranded: (terraform, removed) => unlockStranded(deadRuns, terraform, removed, io.log),
          terraform: (env) => this.terraform(env, io.interruption),
          synthesize: async (synth) => {
            const { stacks: found } = synth(this.lab, this.stacksDir);
            await this.store.saveStacks(this.lab.id, await captureStacks(found));
            return keep(found);
          },
          restore: async () => {
            const bundle = await this.store.loadStacks(this.lab.id);
            return keep(bundle ? await restoreStacks(bundle, `${this.stacksDir}-restored`) : []);
          },
        });
      },
    );
  }
}

/** Where a lab id's records are in a state bucket: what the sweep lists before it opens any one lab. */
export function labsInBucket(s3: S3Client, bucket: string): LabStore {
  return new S3LabStore(s3, bucket);
}

// A lab's records and lock sit beside its own state dir (…/<lab>), so a lab's files are all in one place.
function storeAt(place: Place): LabStore {
  return place.kind === 's3'
    ? new S3LabStore(place.s3(), place.bucket)
    : new LocalLabStore(dirname(place.dir));
}

function locksAt(place: Place): RunLocks {
  return place.kind === 's3'
    ? new S3RunLocks(place.s3(), place.bucket)
    : new LocalRunLocks(dirname(place.dir));
}
