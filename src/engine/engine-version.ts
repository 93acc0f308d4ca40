// Which terraform/tofu is on PATH, read from `<binary> version -json`, and whether it is new enough.
import { execFile } from 'node:child_process';

/** S3 native state locking (use_lockfile) arrived in Terraform 1.10 and OpenTofu 1.10. */
export const MIN_ENGINE_VERSION = [1, 10] as const;

export type EngineVersion =
  | { kind: 'found'; version: string }
  /** Not on PATH. */
  | { kind: 'missing' }
  /** It ran but failed, or printed no version (a wrapper script in the way, say). */
  | { kind: 'unreadable'; detail: string };

export type VersionJsonRunner = (binary: string, env: NodeJS.ProcessEnv) => Promise<string>;

export async function engineVersion(
  binary: string,
  env: NodeJS.ProcessEnv,
  run: VersionJsonRunner = runVersionJson,
): Promise<EngineVersion> {
  let stdout: string;
  try {
    stdout = await run(binary, env);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { kind: 'missing' };
    return {
      kind: 'unreadable',
      detail: `failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  let version: unknown;
  try {
    version = (JSON.parse(stdout) as { terraform_version?: unknown }).terraform_version;
  } catch {
    version = undefined;
  }
  return typeof version === 'string'
    ? { kind: 'found', version }
    : { kind: 'unreadable', detail: 'printed no terraform_version' };
}

function runVersionJson(binary: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['version', '-json'], { env, timeout: 30_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** Compares major.minor of a version such as 1.10.3 or 1.11.0-beta1. */
export function atLeast(version: string, minimum: readonly [number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}
