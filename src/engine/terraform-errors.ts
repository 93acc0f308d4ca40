// Failures of a terraform/tofu run, classified so callers can tell "someone else holds the lock" from "it broke".
import type { Diagnostic } from './terraform-events.ts';

export interface FailedRun {
  /** e.g. "terraform apply". */
  command: string;
  /** Working directory of the stack. */
  dir: string;
  /** Process exit code; undefined when it was killed by a signal. */
  exitCode: number | undefined;
  /** Error diagnostics from the -json stream (empty for commands without -json). */
  diagnostics: Diagnostic[];
  /** Tail of stderr, for commands whose errors are only text. */
  stderr: string;
}

export class TerraformError extends Error {
  readonly command: string;
  readonly dir: string;
  readonly exitCode: number | undefined;
  readonly diagnostics: readonly Diagnostic[];

  constructor(run: FailedRun, message: string = describeFailure(run)) {
    super(message);
    this.name = 'TerraformError';
    this.command = run.command;
    this.dir = run.dir;
    this.exitCode = run.exitCode;
    this.diagnostics = run.diagnostics;
  }
}

/** The lock fields terraform prints under "Lock Info:" (local, S3 lockfile and DynamoDB backends alike). */
export interface LockInfo {
  id: string;
  path: string;
  operation: string;
  who: string;
  version: string;
  created: string;
  info: string;
}

/** Another run holds the state lock: retry later, raise the lock timeout, or force-unlock a dead run's lock. */
export class StateLockedError extends TerraformError {
  readonly lock: LockInfo;

  constructor(run: FailedRun, lock: LockInfo) {
    const binary = run.command.split(' ')[0] ?? 'terraform';
    super(
      run,
      `State of ${run.dir} is locked by ${lock.who || 'another run'} since ${lock.created || 'an unknown time'} ` +
        `(${lock.operation || 'unknown operation'}, lock id ${lock.id || 'unknown'}, ${lock.path}). ` +
        `Wait for that run to finish (or give a longer lock timeout); if it died, run ` +
        `'${binary} force-unlock ${lock.id || '<lock id>'}' in ${run.dir}.`,
    );
    this.name = 'StateLockedError';
    this.lock = lock;
  }
}

const LOCK_SUMMARY = 'Error acquiring the state lock';

/** StateLockedError when the lock was held, TerraformError otherwise. */
export function classifyFailure(run: FailedRun): TerraformError {
  const lockDiagnostic = run.diagnostics.find((diagnostic) => diagnostic.summary.includes(LOCK_SUMMARY));
  if (lockDiagnostic) return new StateLockedError(run, parseLockInfo(lockDiagnostic.detail));
  if (run.stderr.includes(LOCK_SUMMARY)) return new StateLockedError(run, parseLockInfo(run.stderr));
  return new TerraformError(run);
}

/** Reads the "Lock Info:" block (`  ID:   …` lines) out of terraform's message. */
export function parseLockInfo(text: string): LockInfo {
  const field = (name: string): string =>
    new RegExp(`^\\s*${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return {
    id: field('ID'),
    path: field('Path'),
    operation: field('Operation'),
    who: field('Who'),
    version: field('Version'),
    created: field('Created'),
    info: field('Info'),
  };
}

function describeFailure(run: FailedRun): string {
  const how = run.exitCode === undefined ? 'was killed' : `failed (exit ${run.exitCode})`;
  const reasons = run.diagnostics.map(
    (diagnostic) =>
      `${diagnostic.address ? `${diagnostic.address}: ` : ''}${diagnostic.summary}` +
      (diagnostic.detail ? ` — ${diagnostic.detail.trim()}` : ''),
  );
  const body = reasons.length > 0 ? reasons.join('\n') : run.stderr.trim() || 'no error message';
  return `${run.command} ${how} in ${run.dir}: ${body}`;
}
