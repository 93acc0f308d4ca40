// The local lab (validate, down; up is in local-up.ts, the only part that synthesizes) through the real pipeline: the same engine (terraform applying terraform_data pieces), the same
// checks (through LocalLabProbe), the same teardown — plus a sweep by name that also clears a killed `up`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { destroyLab, type DestroyResult } from '../../engine/lifecycle.ts';
import type { LabProgressEvent } from '../../engine/progress.ts';
import type { LabConfig } from '../../lab/config.ts';
import { LocalLabProbe } from './probe.ts';
import { localPlan, namespacePrefix } from '../../../infra/local/plan.ts';
import { localPreflight, LocalPreflightError, REQUIRED_PROGRAMS } from './preflight.ts';
import { destroyScript, localTopology } from '../../../infra/local/topology.ts';
import { validateLab, type ValidateOptions } from '../../checks/validate-lab.ts';
import type { ValidationReport } from '../../checks/types.ts';
import { restoreLabSession, type LabSessionOptions } from '../../home/lab-home.ts';
import { withLabRunLock, type LabRunLockOptions } from '../../home/tracked-lease.ts';
import type { RunLocks } from '../../engine/run-lock.ts';
import type { Interruption } from '../../engine/interruption.ts';
import type { TakeoverEvidence } from '../../engine/takeover.ts';

const exec = promisify(execFile);
/** Bundlers (ncc) turn the URL into a plain path next to the bundle; from source it is a file: URL. */
function installScript(): string {
  const where: URL | string = new URL('../../../scripts/install-lab-packages.sh', import.meta.url);
  return typeof where === 'string' ? where : fileURLToPath(where);
}

export interface LocalRunOptions extends Pick<LabSessionOptions, 'outdir'> {
  onProgress?: (event: LabProgressEvent) => void;
  log?: (line: string) => void;
  /** Injected by tests; by default a lock file beside the lab's state. */
  locks?: RunLocks;
  /** How long an up or down waits for another run of the same lab (default 5 minutes). */
  lockWaitMs?: number;
  interruption?: Interruption;
  takeover?: TakeoverEvidence;
}

export function localLockOptions(
  options: Pick<LocalRunOptions, 'locks' | 'lockWaitMs' | 'interruption' | 'takeover' | 'log'>,
): LabRunLockOptions {
  return {
    ...(options.locks ? { locks: options.locks } : {}),
    ...(options.lockWaitMs !== undefined ? { waitMs: options.lockWaitMs } : {}),
    ...(options.interruption ? { interruption: options.interruption } : {}),
    ...(options.takeover ? { takeover: options.takeover } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
}

/** Checks the machine; as root on Debian/Ubuntu installs missing packages itself, otherwise says what to install. */
export async function ensureLocalPrerequisites(log: (line: string) => void = () => {}): Promise<void> {
  let problems = localPreflight();
  const missingPrograms = problems.some((p) => p.startsWith('missing programs'));
  if (missingPrograms && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    log(
      `installing the local lab's Debian packages (${[...new Set(Object.values(REQUIRED_PROGRAMS))].join(' ')})`,
    );
    await exec('bash', [installScript()], { maxBuffer: 16 * 1024 * 1024 });
    problems = localPreflight();
  }
  if (problems.length) throw new LocalPreflightError(problems);
}

export async function validateLocalLab(
  lab: LabConfig,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  return validateLab(lab, new LocalLabProbe(lab), options);
}

export interface LocalDownResult extends DestroyResult {
  /** Namespaces found by name after terraform's destroy and removed by the sweep (a killed `up` leaves these). */
  swept: string[];
}

export async function downLocalLab(lab: LabConfig, options: LocalRunOptions): Promise<LocalDownResult> {
  return withLabRunLock(lab, 'down', localLockOptions(options), () => downHoldingLock(lab, options));
}

/** The down itself, for a caller that holds the lab's run lock (an up undoing itself). */
export async function downHoldingLock(lab: LabConfig, options: LocalRunOptions): Promise<LocalDownResult> {
  const interruption = options.interruption ? { interruption: options.interruption } : {};
  const session = await restoreLabSession(lab, { outdir: options.outdir, ...interruption });
  const result = await destroyLab({
    stacks: session.stacks,
    terraform: session.terraform,
    store: session.store,
    lab: lab.id,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...interruption,
  });
  const swept = await sweepLocalRemains(session.lab);
  return { ...result, swept, nothingToDo: result.nothingToDo && swept.length === 0 };
}

/**
 * Runs every piece's undo script (each is idempotent) whatever the state says, then checks by name that no
 * namespace of the lab is left: terraform never learns about a piece whose `up` was killed mid-provisioner.
 */
export async function sweepLocalRemains(lab: LabConfig): Promise<string[]> {
  const before = await labNamespaces(lab);
  for (const piece of localTopology(lab).reverse()) {
    await exec('bash', ['-c', destroyScript(piece)]).catch(() => undefined);
  }
  const left = await labNamespaces(lab);
  if (left.length) throw new Error(`namespaces of lab '${lab.id}' survived teardown: ${left.join(', ')}`);
  await rm(localPlan(lab).stateDir, { recursive: true, force: true });
  return before;
}

export async function labNamespaces(lab: LabConfig): Promise<string[]> {
  const { stdout } = await exec('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
  const prefix = namespacePrefix(lab);
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix));
}
