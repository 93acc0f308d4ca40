// Runs an action's entry function in this process as the runner would: inputs as INPUT_* variables, outputs and the
// job summary in the files the runner names, every line the action prints captured (@actions/core writes them to
// stdout). Restores the environment and exit code afterwards.
import { parseRunnerFile, RUNNER_FILES, runnerEnvironment } from '../../actions/bundles.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InProcessRun {
  /** Everything written to stdout: log lines and workflow commands (::add-mask::, ::error::, ...). */
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  failed: boolean;
  /** RUNNER_TEMP of the run, removed afterwards: read reports from it inside `inspect`. */
  runnerTemp: string;
}

/**
 * @actions/core's summary remembers the file of its first write, so every run in this process shares one set of runner
 * files, emptied before each run; a test file removes them in its afterAll (removeRunnerFiles).
 */
let runnerFiles: string | undefined;
function sharedRunnerFiles(): string {
  runnerFiles ??= mkdtempSync(join(tmpdir(), 'tslab-runner-files-'));
  return runnerFiles;
}

export function removeRunnerFiles(): void {
  if (runnerFiles) rmSync(runnerFiles, { recursive: true, force: true });
}

export async function runActionInProcess(
  entry: () => Promise<void>,
  inputs: Record<string, string>,
  options: { env?: Record<string, string>; inspect?: (run: InProcessRun) => void | Promise<void> } = {},
): Promise<InProcessRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tslab-action-'));
  const shared = sharedRunnerFiles();
  const savedEnv = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
  Object.assign(process.env, {
    ...runnerEnvironment(dir, shared, inputs),
    ...options.env,
  });
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  const exitCodeBefore = process.exitCode;
  process.exitCode = undefined;
  let run: InProcessRun;
  try {
    await entry();
  } finally {
    process.stdout.write = write;
    const failed = process.exitCode === 1;
    process.exitCode = exitCodeBefore;
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    run = {
      stdout: chunks.join(''),
      outputs: parseRunnerFile(readFileSync(join(shared, RUNNER_FILES.GITHUB_OUTPUT), 'utf8')),
      summary: readFileSync(join(shared, RUNNER_FILES.GITHUB_STEP_SUMMARY), 'utf8'),
      failed,
      runnerTemp: dir,
    };
  }
  try {
    await options.inspect?.(run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return run;
}
