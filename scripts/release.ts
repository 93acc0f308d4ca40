// Makes a release of the three actions the way another repository consumes them (`uses: OWNER/tslab/actions/<name>@v1`
// downloads the tagged tree and runs actions/<name>/dist/index.js, with no npm install): in a temporary clone of one
// source commit it builds the bundles, checks that each starts and fails cleanly without inputs, commits them on a
// release commit whose parent is the source commit (so main never holds a bundle), tags it vX.Y.Z and moves the
// major tag vX to it when it is the newest of its major. Nothing is pushed: with --bundle it writes the tags into a
// git bundle, which .github/workflows/release.yml hands to its publishing job (scripts/release-publish.ts).
//
// A version whose tag already names a release commit of the source commit (an earlier attempt pushed it, then failed)
// is not built again: that commit is checked and handed on as it is, so a re-run never makes a second release commit.
//
//   npm run release -- v1.2.3 [--source <git checkout, default .>] [--ref <commit, default HEAD>] [--out <dir>]
//                             [--bundle <file>]
//
// Prints one JSON object: version, tags, source and release commits, the release tree's path, each bundle's bytes.
import { spawnSync } from 'node:child_process';
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
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  commitOf,
  git,
  gitIdentity,
  majorTagOf,
  newerOfSameMajor,
  RELEASED_ACTIONS,
  releaseCommitFault,
  ReleaseError,
  run,
} from './release-git.ts';

export { RELEASED_ACTIONS, ReleaseError } from './release-git.ts';

export interface ReleaseOptions {
  version: string;
  source: string;
  ref: string;
  out?: string;
  /** Where the build resolves packages (default: the source checkout's node_modules). */
  nodeModules?: string;
  /** Writes the version tag (and the major tag when it moves) into this git bundle, the source commit its base. */
  bundle?: string;
  /** Builds actions/<name>/dist in the tree (default: scripts/build-actions.js, ncc). */
  build?: (tree: string, nodeModules: string) => void;
  /** Checks the built bundles in the tree (default: every chunk loads, each entry fails cleanly without inputs). */
  check?: (tree: string) => void;
}

export interface ReleaseResult {
  version: string;
  majorTag: string;
  /** The major tag names this release (false when a newer vMAJOR.x.y is tagged). */
  majorTagged: boolean;
  /** The version tag already named a release commit of the source commit, which is handed on unchanged. */
  resumed: boolean;
  sourceCommit: string;
  releaseCommit: string;
  tree: string;
  bundle?: string;
  bundles: Record<(typeof RELEASED_ACTIONS)[number], number>;
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

/** ncc through scripts/build-actions.js, resolving packages through `nodeModules` (the release commit holds none). */
export function buildBundles(tree: string, nodeModules: string): void {
  const modules = join(tree, 'node_modules');
  symlinkSync(nodeModules, modules, 'dir');
  try {
    run(process.execPath, ['scripts/build-actions.js', ...RELEASED_ACTIONS], tree);
  } finally {
    unlinkSync(modules);
  }
}

export function checkBundles(tree: string): void {
  for (const action of RELEASED_ACTIONS) {
    checkBundleChunks(tree, action);
    checkBundleFailsCleanly(tree, action);
  }
}

/**
 * Moves the major tag (v1 for v1.2.3), the tag consumers pin with `@v1`, to `commit`, unless a newer vX.Y.Z is tagged
 * (a fix of an older line leaves @v1 on the newest). Returns whether the major tag names `commit` afterwards.
 */
export function tagMajor(tree: string, version: string, commit: string): boolean {
  const majorTag = majorTagOf(version);
  if (newerOfSameMajor(version, git(tree, 'tag', '--list', `${majorTag}.*`).split('\n')).length) return false;
  if (commitOf(tree, `refs/tags/${majorTag}`) === commit) return true;
  run(
    'git',
    [
      'tag',
      '--force',
      '--annotate',
      majorTag,
      '-m',
      `tslab ${version} (moves with each ${majorTag}.x release)`,
      commit,
    ],
    tree,
    gitIdentity(tree),
  );
  return true;
}

/**
 * Tags HEAD of `tree` as `version` (which must be new) and moves the major tag to it (see tagMajor). Both annotated,
 * so `git describe` and the release page see them.
 */
export function tagRelease(tree: string, version: string): void {
  majorTagOf(version);
  run('git', ['tag', '--annotate', version, '-m', `tslab ${version}`], tree, gitIdentity(tree));
  tagMajor(tree, version, git(tree, 'rev-parse', 'HEAD'));
}

/** The version tag's release commit, when it names one built from `sourceCommit` (see releaseCommitFault). */
function earlierRelease(options: ReleaseOptions, source: string, sourceCommit: string): string | undefined {
  const tagged = commitOf(source, `refs/tags/${options.version}`);
  if (!tagged || tagged === sourceCommit) return undefined;
  const fault = releaseCommitFault(source, tagged, sourceCommit);
  if (fault) {
    throw new ReleaseError(
      `version: "${options.version}" — is already released (${tagged}), not from ref "${options.ref}" ` +
        `(${sourceCommit}): ${fault}; tag a new version`,
    );
  }
  return tagged;
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
  // names a release commit of this source is resumed; one that names anything else is released, and never moved.
  const resumedCommit = earlierRelease(options, source, sourceCommit);
  const nodeModules = options.nodeModules ?? join(source, 'node_modules');
  const build = options.build ?? buildBundles;
  const check = options.check ?? checkBundles;
  if (!resumedCommit && !options.build && !existsSync(join(nodeModules, '@vercel', 'ncc'))) {
    throw new ReleaseError(
      `source: "${source}" — has no node_modules with @vercel/ncc (${nodeModules}); run npm ci there first`,
    );
  }

  const out = options.out ?? mkdtempSync(join(tmpdir(), 'tslab-release-'));
  mkdirSync(out, { recursive: true });
  const tree = join(out, 'tslab');
  git(out, 'clone', '--quiet', '--no-local', '--no-checkout', source, tree);

  let releaseCommit: string;
  if (resumedCommit) {
    git(tree, 'checkout', '--quiet', '--detach', resumedCommit);
    check(tree);
    releaseCommit = resumedCommit;
  } else {
    git(tree, 'checkout', '--quiet', '--detach', sourceCommit);
    if (commitOf(tree, `refs/tags/${options.version}`)) git(tree, 'tag', '--delete', options.version);
    build(tree, nodeModules);
    check(tree);
    const dists = RELEASED_ACTIONS.map((action) => `actions/${action}/dist`);
    // dist/ is git-ignored on main; -f adds it to this commit only.
    git(tree, 'add', '--force', '--', ...dists);
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
      gitIdentity(tree),
    );
    releaseCommit = git(tree, 'rev-parse', 'HEAD');
    run(
      'git',
      ['tag', '--annotate', options.version, '-m', `tslab ${options.version}`],
      tree,
      gitIdentity(tree),
    );
  }
  const majorTagged = tagMajor(tree, options.version, releaseCommit);

  let bundle: string | undefined;
  if (options.bundle) {
    bundle = resolve(options.bundle);
    mkdirSync(dirname(bundle), { recursive: true });
    const refs = [`refs/tags/${options.version}`, ...(majorTagged ? [`refs/tags/${majorTag}`] : [])];
    git(tree, 'bundle', 'create', '--quiet', bundle, ...refs, `^${sourceCommit}`);
  }

  const bundles = Object.fromEntries(
    RELEASED_ACTIONS.map((action) => [action, directoryBytes(join(tree, 'actions', action, 'dist'))]),
  ) as ReleaseResult['bundles'];
  return {
    version: options.version,
    majorTag,
    majorTagged,
    resumed: resumedCommit !== undefined,
    sourceCommit,
    releaseCommit,
    tree,
    ...(bundle ? { bundle } : {}),
    bundles,
  };
}

/** The command line, with the build and check swappable (see ReleaseOptions). */
export function main(argv: string[], overrides: Pick<ReleaseOptions, 'build' | 'check'> = {}): ReleaseResult {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: 'string', default: '.' },
      ref: { type: 'string', default: 'HEAD' },
      out: { type: 'string' },
      bundle: { type: 'string' },
    },
  });
  if (positionals.length !== 1) {
    throw new ReleaseError(
      'usage: npm run release -- vX.Y.Z [--source <dir>] [--ref <commit>] [--out <dir>] [--bundle <file>]',
    );
  }
  const result = release({
    version: positionals[0]!,
    source: values.source,
    ref: values.ref,
    ...(values.out ? { out: values.out } : {}),
    ...(values.bundle ? { bundle: values.bundle } : {}),
    ...overrides,
  });
  const outputFile = process.env['GITHUB_OUTPUT'];
  if (outputFile) {
    appendFileSync(
      outputFile,
      `release-tree=${result.tree}\nrelease-commit=${result.releaseCommit}\nmajor-tag=${result.majorTag}\n`,
    );
  }
  if (result.resumed) {
    console.error(
      `${result.version} already names ${result.releaseCommit}, a release commit of ${result.sourceCommit} that an ` +
        'earlier attempt pushed: checked and handed on unchanged, not built again.',
    );
  }
  console.log(JSON.stringify(result, null, 2));
  return result;
}

export function runMain(argv: string[], overrides: Pick<ReleaseOptions, 'build' | 'check'> = {}): void {
  try {
    main(argv, overrides);
  } catch (error) {
    console.error(error instanceof ReleaseError ? error.message : error);
    process.exit(error instanceof ReleaseError ? 2 : 1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  runMain(process.argv.slice(2));
}
