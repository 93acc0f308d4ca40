// tslab up | validate | down | lab, for the local and the AWS target.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ProgressReporter } from '../../engine/progress.ts';
import { withAbsoluteStateDir } from '../../engine/state-location.ts';
import { renderText } from '../../checks/report.ts';
import type { ValidationReport } from '../../checks/types.ts';
import type { LabConfig } from '../../lab/config.ts';
import { OPERATOR_CREDENTIAL_ENV, TAILSCALE_CREDENTIAL_ENV } from '../../lab/stack-contract.ts';
import { LabConfigError } from '../../lab/errors.ts';
import { fromStrings, type StringLabInput } from '../../lab/string-inputs.ts';
import { resolveExistingLab } from '../../operations/lab-identity.ts';
import { labStoreFor } from '../../operations/lab-store.ts';
import { OperationFailed } from '../main.ts';

export const DEFAULT_LOCAL_LAB = 'local';

export type LabVerb = 'up' | 'validate' | 'down' | 'lab';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

export async function labCommand(
  verb: LabVerb,
  flags: StringLabInput,
  options: Record<string, string | boolean | undefined>,
  io: Io,
): Promise<void> {
  const input = fromStrings(flags);
  // One machine, one default local lab; name others with --lab to run several side by side.
  if (input['target'] === 'local' && input['lab'] === undefined) input['lab'] = DEFAULT_LOCAL_LAB;
  if (input['target'] !== 'local') requireAwsPrerequisites(verb, input);
  const timeoutMs = checkTimeoutMs(options['checkTimeout']);
  const localStateDir = resolve('.tslab/state');
  const { lab } = await resolveExistingLab(input, (l) => labStoreFor(withAbsoluteStateDir(l)), {
    localStateDir,
  });
  const target = lab.target === 'local' ? await import('./local-target.ts') : await import('./aws-target.ts');
  const runner = target.createTarget(lab, io, timeoutMs);
  const reportFile = typeof options['report'] === 'string' ? options['report'] : undefined;

  if (verb === 'up') return runner.up();
  if (verb === 'down') return runner.down();
  if (verb === 'validate') return finishValidation(await runner.validate(), reportFile, io);

  try {
    await runner.up();
  } catch (error) {
    // `lab` owns the whole life of the lab: a failed up is torn down too (a no-op where up undid itself).
    await runner
      .down()
      .catch((cleanup) => io.err(`tslab: teardown after the failed up also failed: ${String(cleanup)}`));
    throw error;
  }
  let failure: unknown;
  try {
    await finishValidation(await runner.validate(), reportFile, io);
  } catch (error) {
    failure = error;
  }
  // Torn down whatever validation found; a failed validation still fails the command afterwards.
  if (options['keep'] !== true) await runner.down();
  else io.out(`lab '${lab.id}' kept: tear it down with tslab down --target ${lab.target} --lab ${lab.id}`);
  if (failure) throw failure;
}

async function finishValidation(
  report: ValidationReport,
  reportFile: string | undefined,
  io: Io,
): Promise<void> {
  io.out(renderText(report));
  for (const note of report.notes) io.out(`note: ${note}`);
  if (reportFile) {
    await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    io.out(`report written to ${reportFile}`);
  }
  if (!report.passed) throw new OperationFailed(`validation of lab '${report.lab}' failed`);
}

function checkTimeoutMs(value: string | boolean | undefined): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new LabConfigError([
      { field: 'check-timeout', value, rule: 'must be a whole number of seconds, at least 1' },
    ]);
  }
  return Number(value) * 1000;
}

export interface LabTarget {
  up(): Promise<void>;
  validate(): Promise<ValidationReport>;
  down(): Promise<void>;
}

export function progressPrinter(io: Pick<Io, 'out'>) {
  return new ProgressReporter((line) => io.out(line)).handle;
}

/** Bad input is reported before the manifest is looked up in S3: no cloud call on incomplete settings. */
function requireAwsPrerequisites(verb: LabVerb, input: Record<string, unknown>): void {
  if (!input['stateBucket']) {
    throw new LabConfigError([
      {
        field: 'stateBucket',
        value: '',
        rule: 'is required for the aws target (state, locks and the lab manifest live there)',
      },
    ]);
  }
  requireEnv(TAILSCALE_CREDENTIAL_ENV);
  if (verb === 'up' || verb === 'lab') {
    requireEnv(OPERATOR_CREDENTIAL_ENV);
  }
}

export function requireEnv(names: readonly string[]): Record<string, string> {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length) {
    throw new LabConfigError(
      missing.map((field) => ({ field, value: '', rule: 'must be set in the environment' })),
    );
  }
  return Object.fromEntries(names.map((n) => [n, process.env[n]!]));
}

export type { LabConfig };
