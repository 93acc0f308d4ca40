// A release of this checkout's HEAD made by scripts/release.ts with the real build, in a scratch repository that
// already has a release (v0.1.0 and v0, from a stand-in build), so it is a second release: v0.2.0, which moves v0.
// The scratch repository borrows the checkout's objects (objects/info/alternates) and never its refs: the checkout's
// own tags (a real v0.1.0 once tslab is released) play no part. Built once per commit (and release scripts) and shared
// by every test process that asks: the first builds under a lock directory, the others wait for its answer.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { release, type ReleaseResult } from '../../scripts/release.ts';
import { fakeBuild, fakeCheck } from '../release/fake-build.ts';

export const TEST_VERSION = 'v0.2.0';
/** Released in the scratch repository before TEST_VERSION, on the same tree. */
export const EARLIER_VERSION = 'v0.1.0';
const BUILD_TIMEOUT_MS = 15 * 60_000;

export interface ReleasedTree extends ReleaseResult {
  /** The release commit of EARLIER_VERSION. */
  earlierRelease: string;
}

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function headCommit(): string {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) throw new Error(`the release tests need a git checkout: ${head.stderr}`);
  return head.stdout.trim();
}

function cacheKey(): string {
  const hash = createHash('sha256').update(headCommit());
  const scripts = readdirSync('scripts')
    .filter((name) => /^release.*\.ts$/.test(name))
    .map((name) => `scripts/${name}`);
  for (const file of [...scripts.sort(), 'scripts/build-actions.js', 'test/actions/released-tree.ts']) {
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The scratch repository: two commits of HEAD's tree on main, the first released as EARLIER_VERSION (tags v0.1.0 and
 * v0 on a release commit of it), the second not released yet.
 */
function scratchRepository(dir: string): { scratch: string; source: string } {
  const scratch = join(dir, 'scratch');
  git(dir, ['init', '--quiet', scratch]);
  const objects = resolve(git('.', ['rev-parse', '--git-path', 'objects']));
  writeFileSync(join(scratch, '.git', 'objects', 'info', 'alternates'), `${objects}\n`);
  const identity = {
    ...process.env,
    GIT_AUTHOR_NAME: 'tslab tests',
    GIT_AUTHOR_EMAIL: 'tests@example.invalid',
    GIT_COMMITTER_NAME: 'tslab tests',
    GIT_COMMITTER_EMAIL: 'tests@example.invalid',
  };
  const tree = git('.', ['rev-parse', 'HEAD^{tree}']);
  const first = git(scratch, ['commit-tree', tree, '-m', 'tslab before the release under test'], identity);
  git(scratch, ['update-ref', 'refs/heads/main', first]);
  const earlier = release({
    version: EARLIER_VERSION,
    source: scratch,
    ref: first,
    out: join(dir, 'earlier'),
    build: fakeBuild,
    check: fakeCheck,
  });
  git(scratch, [
    'fetch',
    '--quiet',
    earlier.tree,
    'refs/tags/v0.1.0:refs/tags/v0.1.0',
    'refs/tags/v0:refs/tags/v0',
  ]);
  const source = git(scratch, ['commit-tree', tree, '-p', first, '-m', `tslab at ${headCommit()}`], identity);
  git(scratch, ['update-ref', 'refs/heads/main', source]);
  return { scratch, source };
}

export function releasedTree(): ReleasedTree {
  const dir = join(tmpdir(), `tslab-release-${cacheKey()}`);
  const answer = join(dir, 'result.json');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (!existsSync(answer)) {
    try {
      mkdirSync(lock);
    } catch {
      // Another process builds; a lock older than the build timeout belongs to a process that died.
      if (Date.now() - statSync(lock).mtimeMs > BUILD_TIMEOUT_MS)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`no release after ${BUILD_TIMEOUT_MS / 60_000} min (${lock})`);
      sleep(1_000);
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const { scratch, source } = scratchRepository(dir);
      const result = release({
        version: TEST_VERSION,
        source: scratch,
        ref: source,
        out: dir,
        nodeModules: resolve('node_modules'),
      });
      const earlierRelease = git(scratch, ['rev-parse', `${EARLIER_VERSION}^{commit}`]);
      writeFileSync(answer, JSON.stringify({ ...result, earlierRelease }));
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return JSON.parse(readFileSync(answer, 'utf8')) as ReleasedTree;
}
