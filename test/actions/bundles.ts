// Builds the action bundles when a source is newer than them, and runs a bundle exactly as the runner does: inputs
// as INPUT_* variables, outputs/state/summary through the files the runner names.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releasedTree } from './released-tree.ts';

export const ACTION_NAMES = ['provision', 'validate', 'teardown'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'dist' && entry.name !== 'node_modules')
        newest = Math.max(newest, newestSource(path));
    } else if (/\.(ts|sh)$/.test(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Where runAction finds actions/<name>/dist: this working tree, or a release of HEAD (see useBundlesUnderTest). */
let bundleRoot = '.';

/** True when the working tree's bundle sources are HEAD's own: a clean clone, as in CI. */
function bundleSourcesMatchHead(): boolean {
  const status = spawnSync(
    'git',
    [
      'status',
      '--porcelain',
      '--',
      'src',
      'infra',
      'actions',
      'scripts',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
    ],
    { encoding: 'utf8' },
  );
  return status.status === 0 && status.stdout.trim() === '';
}

/**
 * Picks the bundles the contract tests run. When the sources are HEAD's, the release of HEAD the release tests build
 * anyway (built once, shared between test processes): one ncc build per run instead of two. Otherwise (uncommitted
 * changes) this working tree's bundles, rebuilt when a source is newer.
 */
export function useBundlesUnderTest(): void {
  if (bundleSourcesMatchHead()) {
    bundleRoot = releasedTree().tree;
  } else {
    ensureBundles();
    bundleRoot = '.';
  }
}

export function ensureBundles(): void {
  const sources = Math.max(newestSource('src'), newestSource('infra'), newestSource('actions'));
  const stale = ACTION_NAMES.filter((name) => {
    const bundle = `actions/${name}/dist/index.js`;
    return !existsSync(bundle) || statSync(bundle).mtimeMs < sources;
  });
  if (!stale.length) return;
  const build = spawnSync(process.execPath, ['scripts/build-actions.js', ...stale], { encoding: 'utf8' });
  if (build.status !== 0)
    throw new Error(`building ${stale.join(', ')} failed:\n${build.stdout}\n${build.stderr}`);
}

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  durationMs: number;
}

/** Parses the runner's `name<<DELIMITER … DELIMITER` file format. */
export function parseRunnerFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      values[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i]!.includes('=')) {
      const [name, ...rest] = lines[i]!.split('=');
      values[name!] = rest.join('=');
    }
  }
  return values;
}

/** The files the runner hands an action, by the variable naming each. */
export const RUNNER_FILES = {
  GITHUB_OUTPUT: 'output',
  GITHUB_STATE: 'state',
  GITHUB_STEP_SUMMARY: 'summary',
  GITHUB_ENV: 'env',
} as const;

/** What the runner puts in an action's environment: the run's context, its files (emptied) and INPUT_* variables. */
export function runnerEnvironment(
  runnerTemp: string,
  filesDir: string,
  inputs: Record<string, string>,
): Record<string, string> {
  for (const file of Object.values(RUNNER_FILES)) writeFileSync(join(filesDir, file), '');
  return {
    RUNNER_TEMP: runnerTemp,
    GITHUB_ACTOR: 'octo-cat',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/tslab',
    GITHUB_RUN_ID: '42',
    ...Object.fromEntries(
      Object.entries(RUNNER_FILES).map(([variable, file]) => [variable, join(filesDir, file)]),
    ),
    ...Object.fromEntries(
      Object.entries(inputs).map(([input, value]) => [`INPUT_${input.toUpperCase()}`, value]),
    ),
  };
}

export function runAction(
  name: ActionName,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
): ActionRun {
  return runBundle(join(bundleRoot, 'actions', name, 'dist', 'index.js'), inputs, env);
}

/** Runs a bundle by path; `cwd` is the job's workspace (the runner never starts an action in its own folder). */
export function runBundle(
  bundle: string,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): ActionRun {
  const dir = mkdtempSync(join(tmpdir(), 'tslab-action-'));
  const started = performance.now();
  const result = spawnSync(process.execPath, [bundle], {
    ...(cwd ? { cwd } : {}),
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      ...runnerEnvironment(dir, dir, inputs),
      ...env,
    },
  });
  return {
    exitCode: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseRunnerFile(readFileSync(join(dir, RUNNER_FILES.GITHUB_OUTPUT), 'utf8')),
    summary: readFileSync(join(dir, RUNNER_FILES.GITHUB_STEP_SUMMARY), 'utf8'),
    durationMs: performance.now() - started,
  };
}

/** Where the bundle under test of an action is (see useBundlesUnderTest). */
export function bundlePath(name: ActionName): string {
  return join(bundleRoot, 'actions', name, 'dist', 'index.js');
}
