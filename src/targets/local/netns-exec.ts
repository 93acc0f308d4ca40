// Runs programs (optionally inside a lab namespace) without a shell in between: arguments go to execFile as a
// list.
import { execFile } from 'node:child_process';
import type { CommandResult } from '../../checks/probe.ts';

export interface RunOptions {
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * Resolves with the exit code and output whatever the exit code; rejects only when the program cannot start.
 */
export function runProgram(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('runProgram: empty command'));
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code === 'string') {
          reject(new Error(`Could not run ${file}: ${error.message}`));
          return;
        }
        const timedOut = error?.killed === true;
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({
          exitCode: timedOut ? 124 : exitCode,
          stdout,
          stderr: timedOut
            ? `${stderr}\n${file} timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`
            : stderr,
        });
      },
    );
  });
}

export function runIn(
  namespace: string,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return runProgram(['ip', 'netns', 'exec', namespace, ...argv], options);
}

/** Like runIn, but a non-zero exit is an error naming the command and its stderr. */
export async function mustRunIn(
  namespace: string,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await runIn(namespace, argv, options);
  if (result.exitCode !== 0) {
    throw new Error(
      `Could not run '${argv.join(' ')}' in ${namespace}: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
    );
  }
  return result.stdout;
}
