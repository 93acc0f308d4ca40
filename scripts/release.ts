// Makes a release of the three actions the way another repository consumes them (`uses: OWNER/tslab/actions/<name>@v1`
// downloads the tagged tree and runs actions/<name>/dist/index.js, with no npm install): in a temporary clone of one
// source commit it builds the bundles, checks that each starts and fails cleanly without inputs, commits them on a
// release commit whose parent is the source commit (so main never holds a bundle), tags it vX.Y.Z and moves the
// major tag vX to it. Nothing is pushed: .github/workflows/release.yml fetches the tags back and pushes them.
//
//   npm run release -- v1.2.3 [--source <git checkout, default .>] [--ref <commit, default HEAD>] [--out <dir>]
//
// Prints one JSON object: version, tags, source and release commits, the release tree's path, each bundle's bytes.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const RELEASED_ACTIONS = ['provision', 'validate', 'teardown'] as const;
const VERSION = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
// Used only when the machine has no git identity (a CI runner): the workflow's commits are the release bot's.
const FALLBACK_IDENTITY = {
  GIT_AUTHOR_NAME: 'github-actions[bot]',
  GIT_AUTHOR_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
};

export interface ReleaseOptions {
  version: string;
  source: string;
  ref: string;
  out?: string;
}

export interface ReleaseResult {
  version: string;
  majorTag: string;
  sourceCommit: string;
  releaseCommit: string;
  tree: string;
  bundles: Record<(typeof RELEASED_ACTIONS)[number], number>;
}

export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new ReleaseError(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new ReleaseError(
      `${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}${result.stderr}`.trim(),
    );
  }
  return result.stdout.trim();
}

const git = (cwd: string, ...args: string[]): string => run('git', args, cwd);

/** The configured identity, else GIT_AUTHOR_* from the environment, else the release bot; committer = author. */
function gitIdentity(cwd: string): NodeJS.ProcessEnv {
  const configured = spawnSync('git', ['config', 'user.email'], { cwd, encoding: 'utf8' }).stdout.trim();
  if (configured) return process.env;
  const name = process.env['GIT_AUTHOR_NAME'] ?? FALLBACK_IDENTITY.GIT_AUTHOR_NAME;
  const email = process.env['GIT_AUTHOR_EMAIL'] ?? FALLBACK_IDENTITY.GIT_AUTHOR_EMAIL;
  return {
    ...process.env,
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: process.env['GIT_COMMITTER_NAME'] ?? name,
    GIT_COMMITTER_EMAIL: process.env['GIT_COMMITTER_EMAIL'] ?? email,
  };
}

function directoryBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((total, entry) => {
    const path = join(dir, entry.name);
    return total + (entry.isDirectory() ? directoryBytes(path) : statSync(path).size);
  }, 0);
}

/**
 * Every chunk a bundle loads on demand (the aws and local targets' code) is in dist/ and loads as a module: a run
 * without inputs stops before any of them is needed, so they are checked on their own.
 */
export function checkBundleChunks(tree: string, action: string): void {
  const dist = join(tree, 'actions', action, 'dist');
  const files = readdirSync(dist).filter((name) => name.endsWith('.js'));
  const referenced = new Set(
    files.flatMap((name) =>
      [...readFileSync(join(dist, name), 'utf8').matchAll(/__nccwpck_require__\.e\((\d+)\)/g)].map(
        (m) => m[1]!,
      ),
    ),
  );
  const missing = [...referenced].filter((id) => !files.includes(`${id}.index.js`));
  if (missing.length) {
    throw new ReleaseError(`the ${action} bundle loads chunks that are not in dist/: ${missing.join(', ')}`);
  }
  for (const chunk of files.filter((name) => name !== 'index.js')) {
    const loaded = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(dist, chunk)).href)})`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (loaded.status !== 0) {
      throw new ReleaseError(`the ${action} bundle's chunk ${chunk} does not load:\n${loaded.stderr}`);
    }
  }
}

/**
 * Runs a built bundle with no inputs, as the runner would: it must exit 1 with exactly one `::error::` line and no
 * stack trace. A bundle whose entry cannot start (a module left outside dist/) fails here, before any tag exists.
 */
export function checkBundleFailsCleanly(tree: string, action: string): void {
  const runner = mkdtempSync(join(tmpdir(), `tslab-release-smoke-${action}-`));
  const files = {
    GITHUB_OUTPUT: 'output',
    GITHUB_STATE: 'state',
    GITHUB_STEP_SUMMARY: 'summary',
    GITHUB_ENV: 'env',
  };
  for (const file of Object.values(files)) writeFileSync(join(runner, file), '');
  const workspace = join(runner, 'workspace');
  mkdirSync(workspace);
  const result = spawnSync(process.execPath, [join(tree, 'actions', action, 'dist', 'index.js')], {
    cwd: workspace,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env['PATH'],
      HOME: runner,
      RUNNER_TEMP: runner,
      GITHUB_WORKSPACE: workspace,
      ...Object.fromEntries(Object.entries(files).map(([variable, file]) => [variable, join(runner, file)])),
    },
  });
  rmSync(runner, { recursive: true, force: true });
  const output = `${result.stdout}${result.stderr}`;
  const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error::'));
  const stackFrames = output.split('\n').filter((line) => /^\s+at\s/.test(line));
  if (result.status !== 1 || errors.length !== 1 || stackFrames.length > 0) {
    throw new ReleaseError(
      `the ${action} bundle did not fail cleanly without inputs (exit ${result.status}, ${errors.length} ::error:: ` +
        `lines, ${stackFrames.length} stack frames):\n${output}`,
    );
  }
}

function majorTagOf(version: string): string {
  const match = VERSION.exec(version);
  if (!match) throw new ReleaseError(`version: "${version}" — must be vMAJOR.MINOR.PATCH, e.g. v1.2.3`);
  return `v${match[1]}`;
}

const numbers = (version: string): number[] => version.slice(1).split('.').map(Number);
function newer(a: string, b: string): boolean {
  const [x, y] = [numbers(a), numbers(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
}

/**
 * Tags HEAD of `tree` as `version` (which must be new) and moves the major tag (v1 for v1.2.3) to it, the tag
 * consumers pin with `@v1`, unless a newer vX.Y.Z is already tagged (a fix of an older line leaves @v1 on the
 * newest). Both annotated, so `git describe` and the release page see them.
 */
export function tagRelease(tree: string, version: string): void {
  const majorTag = majorTagOf(version);
  const identity = gitIdentity(tree);
  const sameMajor = git(tree, 'tag', '--list', `${majorTag}.*`)
    .split('\n')
    .filter((tag) => VERSION.test(tag));
  run('git', ['tag', '--annotate', version, '-m', `tslab ${version}`], tree, identity);
  if (sameMajor.some((tag) => newer(tag, version))) return;
  run(
    'git',
    [
      'tag',
      '--force',
      '--annotate',
      majorTag,
      '-m',
      `tslab ${version} (moves with each ${majorTag}.x release)`,
    ],
    tree,
    identity,
  );
}

export function release(options: ReleaseOptions): ReleaseResult {
  const majorTag = majorTagOf(options.version);
  const source = resolve(options.source);
  const sourceCommit = git(source, 'rev-parse', '--verify', `${options.ref}^{commit}`);
  const tracked = git(source, 'ls-tree', '-r', '--name-only', sourceCommit, 'actions');
  if (tracked.split('\n').some((path) => path.includes('/dist/'))) {
    throw new ReleaseError(
      `ref: "${options.ref}" (${sourceCommit}) — already holds bundles; release a source commit`,
    );
  }
  // The tag a release starts from (pushed on the source commit) gives way to the release commit's; a version that
  // names anything else is released already, and is never moved.
  const tagged = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${options.version}^{commit}`], {
    cwd: source,
    encoding: 'utf8',
  }).stdout.trim();
  if (tagged && tagged !== sourceCommit) {
    throw new ReleaseError(
      `version: "${options.version}" — is already released (${tagged}); tag a new version`,
    );
  }
  if (!existsSync(join(source, 'node_modules', '@vercel', 'ncc'))) {
    throw new ReleaseError(
      `source: "${source}" — has no node_modules with @vercel/ncc; run npm ci there first`,
    );
  }

  const out = options.out ?? mkdtempSync(join(tmpdir(), 'tslab-release-'));
  const tree = join(out, 'tslab');
  git(out, 'clone', '--quiet', '--no-local', '--no-checkout', source, tree);
  git(tree, 'checkout', '--quiet', '--detach', sourceCommit);
  if (tagged) git(tree, 'tag', '--delete', options.version);

  // The build resolves packages through the source checkout's node_modules: the release commit holds none.
  const modules = join(tree, 'node_modules');
  symlinkSync(join(source, 'node_modules'), modules, 'dir');
  try {
    run(process.execPath, ['scripts/build-actions.js', ...RELEASED_ACTIONS], tree);
  } finally {
    unlinkSync(modules);
  }
  for (const action of RELEASED_ACTIONS) {
    checkBundleChunks(tree, action);
    checkBundleFailsCleanly(tree, action);
  }

  const dists = RELEASED_ACTIONS.map((action) => `actions/${action}/dist`);
  // dist/ is git-ignored on main; -f adds it to this commit only.
  git(tree, 'add', '--force', '--', ...dists);
  const identity = gitIdentity(tree);
  run(
    'git',
    [
      'commit',
      '--quiet',
      '--no-verify',
      '-m',
      `Release ${options.version}: action bundles`,
      '-m',
      `Built from ${sourceCommit}. This commit is not on main: it adds only actions/*/dist.`,
    ],
    tree,
    identity,
  );
  const releaseCommit = git(tree, 'rev-parse', 'HEAD');
  tagRelease(tree, options.version);

  const bundles = Object.fromEntries(
    RELEASED_ACTIONS.map((action) => [action, directoryBytes(join(tree, 'actions', action, 'dist'))]),
  ) as ReleaseResult['bundles'];
  return { version: options.version, majorTag, sourceCommit, releaseCommit, tree, bundles };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      source: { type: 'string', default: '.' },
      ref: { type: 'string', default: 'HEAD' },
      out: { type: 'string' },
    },
  });
  if (positionals.length !== 1) {
    throw new ReleaseError(
      'usage: npm run release -- vX.Y.Z [--source <dir>] [--ref <commit>] [--out <dir>]',
    );
  }
  const result = release({
    version: positionals[0]!,
    source: values.source,
    ref: values.ref,
    ...(values.out ? { out: values.out } : {}),
  });
  const outputFile = process.env['GITHUB_OUTPUT'];
  if (outputFile) {
    appendFileSync(
      outputFile,
      `release-tree=${result.tree}\nrelease-commit=${result.releaseCommit}\nmajor-tag=${result.majorTag}\n`,
    );
  }
  console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof ReleaseError ? error.message : error);
    process.exit(error instanceof ReleaseError ? 2 : 1);
  }
}
