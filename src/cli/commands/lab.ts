// tslab provision | validate | teardown | lab: read flags and credentials, open the lab, run the operation, print its
// result.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ProgressReporter } from '../../engine/progress.ts';
import { renderText } from '../../checks/report.ts';
import { parseThresholds } from '../../checks/thresholds.ts';
import type { ValidateOptions } from '../../checks/validate-lab.ts';
import type { ValidationReport } from '../../checks/types.ts';
import { LabConfigError } from '../../lab/errors.ts';
import { fromStrings, type StringLabInput } from '../../lab/string-inputs.ts';
import {
  openLab,
  requireProvisioned,
  requireTargetSettings,
  withTargetDefaults,
} from '../../targets/open-lab.ts';
import type { LabTarget, OperationIo } from '../../targets/lab-target.ts';
import type { LabDependencies } from '../../targets/dependencies.ts';
import { OperationFailed } from '../exit.ts';
import { getOctokit } from '@actions/github';
import { InterruptedError, trapStopSignals } from '../../engine/interruption.ts';
import { runEndedVia } from '../../github/workflow-runs.ts';
import { credentialsFromEnv } from './credentials.ts';

const OUTDIR = '.tslab/synth';

/** The three lab operations, and `lab`: all three in a row. */
export type LabVerb = 'provision' | 'validate' | 'teardown' | 'lab';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

export async function labCommand(
  verb: LabVerb,
  flags: StringLabInput,
  options: Record<string, string | boolean | undefined>,
  io: Io,
  dependencies?: Partial<LabDependencies>,
): Promise<void> {
  // One machine, one default local lab; name others with --lab to run several side by side.
  const input = withTargetDefaults(fromStrings(flags));
  // Settings first, then credentials: the first thing a user lacks is named first.
  requireTargetSettings(input);
  const credentials = credentialsFromEnv(input['target'] ?? 'aws', verb === 'lab' ? 'provision' : verb);
  const timeoutMs = checkTimeoutMs(options['checkTimeout']);
  const thresholds = parseThresholds(
    { minThroughputMbps: text(options['minThroughputMbps']), maxLatencyMs: text(options['maxLatencyMs']) },
    (kebab) => `--${kebab}`,
  );
  const finishedJobs = jobIds(options['finishedJobs']);
  const opened = await openLab(input, {
    credentials,
    localStateDir: resolve('.tslab/state'),
    outdir: OUTDIR,
    // Only the verbs that bring a lab up load synth (cdktf, the providers).
    provisioners:
      verb === 'provision' || verb === 'lab'
        ? (await import('../../targets/provisioners.ts')).PROVISIONERS
        : undefined,
    dependencies,
  });
  if (verb === 'validate') requireProvisioned(opened);
  const { lab, target, teardownCommand } = opened;
  const trap = trapStopSignals((line) => io.err(`tslab: ${line}`));
  const token = process.env['GITHUB_TOKEN'];
  const operationIo: OperationIo = {
    onProgress: new ProgressReporter((line) => io.out(line)).handle,
    log: (line) => io.out(line),
    interruption: trap.interruption,
    takeover: {
      finishedJobs,
      ...(token ? { runEnded: runEndedVia(getOctokit(token)) } : {}),
    },
  };
  const runner = printing(lab.id, target, operationIo, io, {
    ...(timeoutMs ? { timeoutMs } : {}),
    thresholds,
  });
  try {
    await runVerb(verb, runner, { id: lab.id, teardownCommand }, options, io);
  } finally {
    trap.dispose();
  }
}

function jobIds(value: string | boolean | undefined): string[] {
  if (typeof value !== 'string') return [];
  const ids = value.split(/[,\s]+/).filter(Boolean);
  const bad = ids.filter((id) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(id));
  if (bad.length) {
    throw new LabConfigError(
      bad.map((id) => ({
        field: '--finished-jobs',
        value: id,
        rule: 'must be GitHub job ids separated by spaces or commas',
      })),
    );
  }
  return ids;
}

async function runVerb(
  verb: LabVerb,
  runner: ReturnType<typeof printing>,
  lab: { id: string; teardownCommand: string },
  options: Record<string, string | boolean | undefined>,
  io: Io,
): Promise<void> {
  const reportFile = typeof options['report'] === 'string' ? options['report'] : undefined;

  if (verb === 'provision') return runner.provision();
  if (verb === 'teardown') return runner.teardown();
  if (verb === 'validate') return finishValidation(await runner.validate(), reportFile, io);

  try {
    await runner.provision();
  } catch (error) {
    // A stopped run has seconds left: it is recorded, and `tslab teardown` removes it.
    if (error instanceof InterruptedError) throw error;
    // `lab` owns the whole life of the lab: a failed provision is torn down too (a no-op where it undid itself).
    await runner
      .teardown()
      .catch((cleanup) =>
        io.err(`tslab: teardown after the failed provision also failed: ${String(cleanup)}`),
      );
    throw error;
  }
  let failure: unknown;
  try {
    await finishValidation(await runner.validate(), reportFile, io);
  } catch (error) {
    failure = error;
  }
  // Torn down whatever validation found; a failed validation still fails the command afterwards.
  if (options['keep'] !== true) await runner.teardown();
  else io.out(`lab '${lab.id}' kept: tear it down with ${lab.teardownCommand}`);
  if (failure) throw failure;
}

/** The target's operations, each printing its result as the CLI shows it. */
function printing(
  labId: string,
  target: LabTarget,
  operationIo: OperationIo,
  io: Io,
  validateOptions: ValidateOptions,
) {
  return {
    async provision(): Promise<void> {
      const started = performance.now();
      const { lab, notes } = await target.provision(operationIo);
      io.out(`lab '${lab.id}' is up (${lab.target}, ${seconds(started)})`);
      for (const note of notes) io.out(note);
    },
    validate: () => target.validate(validateOptions),
    async teardown(): Promise<void> {
      const started = performance.now();
      const { removed, warnings } = await target.teardown(operationIo);
      // What is still there is named in a warning (targets/aws/teardown.ts says how to remove it).
      for (const warning of warnings) io.out(`warning: ${warning}`);
      io.out(
        removed.length
          ? `lab '${labId}' is down (${seconds(started)}): ${removed.join(', ')}`
          : `lab '${labId}': nothing to tear down`,
      );
    },
  };
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
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

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
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
