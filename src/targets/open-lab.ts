// The one entry to a lab for the CLI and the actions: check the target's rules on the input as given (before any cloud
// call), open the lab's home (where it lives), resolve the lab as it was created (its manifest), and hand back its
// target.
import type { LabManifest } from '../engine/manifest.ts';
import { LabHome } from '../home/lab-home.ts';
import { resolveLab, type LabConfig } from '../lab/config.ts';
import { LabConfigError } from '../lab/errors.ts';
import { terraformEnvironment, type LabCredentials } from './credentials.ts';
import type { LabDependencies } from './dependencies.ts';
import { adoptManifest } from './lab-identity.ts';
import type { LabTarget } from './lab-target.ts';
import type { Provisioners } from './provisioners.ts';

export interface OpenLabOptions {
  credentials: LabCredentials;
  /** Where the local target (and an aws lab without a state bucket, for synth) keeps its state. */
  localStateDir: string;
  /** Where stacks are synthesized or restored, below the working directory. */
  outdir: string;
  pluginCacheDir?: string | undefined;
  /** Fakes for tests; the real clients otherwise. */
  dependencies?: Partial<LabDependencies> | undefined;
  now?: Date | undefined;
  /** How a lab comes up (src/targets/provisioners.ts); without it the target can validate and tear down only. */
  provisioners?: Provisioners | undefined;
}

export interface OpenedLab {
  lab: LabConfig;
  manifest: LabManifest | undefined;
  target: LabTarget;
  /** Where the lab's records are (LabHome.description), for messages. */
  where: string;
  /** How to tear the lab down later (LabHome.teardownCommand). */
  teardownCommand: string;
}

export async function openLab(input: Record<string, unknown>, options: OpenLabOptions): Promise<OpenedLab> {
  requireTargetSettings(input);
  const { home, manifest } = await openHome(input, options);
  // Each target's code is imported only when used: a local run never loads the AWS target's clients (EC2, EKS, SSM,
  // Kubernetes); the S3 client of the lab stores and run locks is loaded by every bundle.
  const target =
    home.lab.target === 'local'
      ? (await import('./local/target.ts')).localTarget(home, options)
      : (await import('./aws/target.ts')).awsTarget(home, options);
  return { lab: home.lab, manifest, target, where: home.description, teardownCommand: home.teardownCommand };
}

/** Validation needs a lab that was provisioned: refuses one whose home has no manifest, saying where it looked. */
export function requireProvisioned(opened: OpenedLab): LabManifest {
  if (opened.manifest) return opened.manifest;
  throw new Error(
    `lab '${opened.lab.id}' has no manifest in its ${opened.where}: was it provisioned with the same state settings?`,
  );
}

/** Input names of the defaults a target brings: one machine, one default local lab. */
export function withTargetDefaults(input: Record<string, unknown>): Record<string, unknown> {
  return input['target'] === 'local' && input['lab'] === undefined
    ? { ...input, lab: DEFAULT_LOCAL_LAB }
    : input;
}

export const DEFAULT_LOCAL_LAB = 'local';

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

/** The lab's home, for the lab as given or, when it already exists, as it was created. */
export async function openHome(
  input: Record<string, unknown>,
  options: Pick<
    OpenLabOptions,
    'credentials' | 'localStateDir' | 'outdir' | 'pluginCacheDir' | 'dependencies' | 'now'
  >,
): Promise<{ home: LabHome; manifest: LabManifest | undefined }> {
  const resolveOptions = { localStateDir: options.localStateDir, now: options.now };
  const fresh = resolveLab(input, resolveOptions);
  const awsClients = options.dependencies?.awsClients;
  const home = LabHome.of(fresh, {
    outdir: options.outdir,
    env: terraformEnvironment(options.credentials),
    pluginCacheDir: options.pluginCacheDir,
    // The state bucket's client from the injected clients (tests); by default made on first use.
    s3: awsClients ? (stateRegion) => awsClients(fresh.region, stateRegion).s3 : undefined,
    terraform: options.dependencies?.terraform,
  });
  const manifest = await home.store.read(fresh.id);
  return { home: manifest ? home.adopt(adoptManifest(input, manifest, resolveOptions)) : home, manifest };
}
