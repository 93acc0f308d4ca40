// The release as another repository meets it: scripts/release.ts makes a tagged release commit of this checkout's
// HEAD in a scratch repository that already has a release (released-tree.ts), and the three bundles run from that
// tag's tree exported the way the runner downloads an action (files only: no .git, no node_modules, no src to fall
// back on), started from a separate workspace directory. The release's tags, pushes and re-runs: test/release/.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkBundleChunks, release, ReleaseError, tagRelease } from '../../scripts/release.ts';
import { ACTION_NAMES, runBundle } from './bundles.ts';
import { EARLIER_VERSION, releasedTree, TEST_VERSION, type ReleasedTree } from './released-tree.ts';
import { requires } from '../support/requires.ts';

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** The tag's files, as the runner unpacks `uses: OWNER/tslab/actions/<name>@<tag>`. */
function downloadedAction(tree: string, tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tslab-downloaded-'));
  const archive = join(dir, 'tslab.tar');
  git(tree, 'archive', '--format=tar', '-o', archive, tag);
  const root = join(dir, 'tslab');
  mkdirSync(root);
  const untar = spawnSync('tar', ['-xf', archive, '-C', root], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(untar.stderr);
  return root;
}

function newWorkspace(): string {
  return mkdtempSync(join(tmpdir(), 'tslab-consumer-workspace-'));
}

let released: ReleasedTree;
let downloaded: string;

beforeAll(() => {
  released = releasedTree();
  downloaded = downloadedAction(released.tree, TEST_VERSION);
}, 900_000);

describe('the release', () => {
  it('leaves main free of bundles: none is tracked and dist/ stays ignored', () => {
    expect(git('.', 'ls-files', 'actions/*/dist')).toBe('');
    expect(readFileSync('.gitignore', 'utf8')).toMatch(/^actions\/\*\/dist\/$/m);
  });

  it('is one commit on top of the source commit that adds only the three bundles, and is not in this repository', () => {
    expect(git(released.tree, 'rev-parse', `${released.releaseCommit}^`)).toBe(released.sourceCommit);
    expect(git(released.tree, 'rev-parse', `${released.sourceCommit}^{tree}`)).toBe(
      git('.', 'rev-parse', 'HEAD^{tree}'),
    );
    const added = git(
      released.tree,
      'diff',
      '--name-only',
      released.sourceCommit,
      released.releaseCommit,
    ).split('\n');
    expect(added.length).toBeGreaterThan(3);
    expect(added.filter((path) => !/^actions\/(provision|validate|teardown)\/dist\//.test(path))).toEqual([]);
    for (const action of ACTION_NAMES) expect(added).toContain(`actions/${action}/dist/index.js`);
    expect(
      spawnSync('git', ['cat-file', '-e', released.releaseCommit], { encoding: 'utf8' }).status,
    ).not.toBe(0);
  });

  it('tags the release commit with the version and moves the major tag from the earlier release, which stays', () => {
    expect(git(released.tree, 'rev-parse', `${TEST_VERSION}^{commit}`)).toBe(released.releaseCommit);
    expect(released.majorTag).toBe('v0');
    expect(released.majorTagged).toBe(true);
    expect(git(released.tree, 'rev-parse', 'v0^{commit}')).toBe(released.releaseCommit);
    expect(git(released.tree, 'rev-parse', `${EARLIER_VERSION}^{commit}`)).toBe(released.earlierRelease);
    expect(released.earlierRelease).not.toBe(released.releaseCommit);
    for (const action of ACTION_NAMES) expect(released.bundles[action]).toBeGreaterThan(100_000);
  });

  it('refuses a version released from another commit, before building', () => {
    expect(() =>
      release({ version: EARLIER_VERSION, source: released.tree, ref: released.sourceCommit }),
    ).toThrow(
      `version: "${EARLIER_VERSION}" — is already released (${released.earlierRelease}), not from ref ` +
        `"${released.sourceCommit}" (${released.sourceCommit}): its parent is`,
    );
  });

  it('hands on a version whose tag already names its release commit: the real bundles checked again, nothing built', () => {
    const out = mkdtempSync(join(tmpdir(), 'tslab-resumed-'));
    const resumed = release({
      version: TEST_VERSION,
      source: released.tree,
      ref: released.sourceCommit,
      out,
      bundle: join(out, 'release.bundle'),
      build: () => {
        throw new Error('a resumed release must not build');
      },
    });
    expect(resumed).toMatchObject({
      resumed: true,
      releaseCommit: released.releaseCommit,
      majorTagged: true,
    });
    const heads = git(out, 'bundle', 'list-heads', join(out, 'release.bundle'));
    expect(heads).toContain(`refs/tags/${TEST_VERSION}`);
    expect(heads).toContain('refs/tags/v0');
    expect(git(resumed.tree, 'rev-parse', `${TEST_VERSION}`)).toBe(
      git(released.tree, 'rev-parse', TEST_VERSION),
    );
  }, 120_000);

  it('refuses a version that is not vMAJOR.MINOR.PATCH and a commit that already holds bundles, before building', () => {
    expect(() => release({ version: '1.2', source: '.', ref: 'HEAD' })).toThrow(
      'version: "1.2" — must be vMAJOR.MINOR.PATCH',
    );
    expect(() => release({ version: 'v1.2.3', source: released.tree, ref: released.releaseCommit })).toThrow(
      ReleaseError,
    );
    expect(() => release({ version: 'v1.2.3', source: released.tree, ref: released.releaseCommit })).toThrow(
      'already holds bundles',
    );
  });
});

describe('the release check of on-demand chunks', () => {
  it('passes the released bundles and fails one that lost a chunk it loads', () => {
    for (const action of ACTION_NAMES) expect(() => checkBundleChunks(released.tree, action)).not.toThrow();
    const copy = mkdtempSync(join(tmpdir(), 'tslab-chunks-'));
    cpSync(join(released.tree, 'actions', 'provision'), join(copy, 'actions', 'provision'), {
      recursive: true,
    });
    const dist = join(copy, 'actions', 'provision', 'dist');
    const loaded = /__nccwpck_require__\.e\((\d+)\)/.exec(readFileSync(join(dist, 'index.js'), 'utf8'));
    expect(loaded).not.toBeNull();
    rmSync(join(dist, `${loaded![1]}.index.js`));
    expect(() => checkBundleChunks(copy, 'provision')).toThrow(
      `the provision bundle loads chunks that are not in dist/: ${loaded![1]}`,
    );
  });
});

describe('tagging', () => {
  it('moves the major tag to each new release and never moves a version tag', () => {
    const repo = mkdtempSync(join(tmpdir(), 'tslab-tags-'));
    git(repo, 'init', '--quiet');
    const commit = (message: string): string => {
      writeFileSync(join(repo, 'file'), message);
      git(repo, 'add', 'file');
      git(
        repo,
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.invalid',
        'commit',
        '--quiet',
        '-m',
        message,
      );
      return git(repo, 'rev-parse', 'HEAD');
    };
    const first = commit('one');
    tagRelease(repo, 'v1.0.0');
    const second = commit('two');
    tagRelease(repo, 'v1.1.0');
    expect(git(repo, 'rev-parse', 'v1.0.0^{commit}')).toBe(first);
    expect(git(repo, 'rev-parse', 'v1.1.0^{commit}')).toBe(second);
    expect(git(repo, 'rev-parse', 'v1^{commit}')).toBe(second);
    expect(() => tagRelease(repo, 'v1.0.0')).toThrow(/already exists/);
    expect(git(repo, 'rev-parse', 'v1.0.0^{commit}')).toBe(first);
    // A fix of an older line is tagged, but @v1 stays on the newest release.
    commit('fix of 1.0');
    tagRelease(repo, 'v1.0.1');
    expect(git(repo, 'rev-parse', 'v1^{commit}')).toBe(second);
  });
});

describe('the released actions, downloaded as another repository gets them', () => {
  it('hold only the files the runner downloads: no node_modules, no .git', () => {
    expect(existsSync(join(downloaded, 'node_modules'))).toBe(false);
    expect(existsSync(join(downloaded, '.git'))).toBe(false);
    for (const action of ACTION_NAMES) {
      expect(existsSync(join(downloaded, 'actions', action, 'action.yml'))).toBe(true);
      expect(existsSync(join(downloaded, 'actions', action, 'dist', 'index.js'))).toBe(true);
    }
  });

  it.each(ACTION_NAMES)(
    '%s fails cleanly without inputs: one ::error:: line, exit 1, no stack trace',
    (action) => {
      const run = runBundle(join(downloaded, 'actions', action, 'dist', 'index.js'), {}, {}, newWorkspace());
      expect(run.exitCode).toBe(1);
      expect(run.stdout.split('\n').filter((line) => line.startsWith('::error::'))).toHaveLength(1);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at\s/m);
    },
  );

  requires('local-lab').it(
    'run provision → validate → teardown on the local target from the downloaded tree',
    () => {
      const runnerTemp = mkdtempSync(join(tmpdir(), 'tslab-consumer-runner-'));
      const lab = `rl${Math.random().toString(36).slice(2, 6)}`;
      const inputs = { lab, target: 'local' };
      const env = { RUNNER_TEMP: runnerTemp };
      const workspace = newWorkspace();
      const bundle = (action: string): string => join(downloaded, 'actions', action, 'dist', 'index.js');

      const provision = runBundle(bundle('provision'), inputs, env, workspace);
      expect(provision.stdout).not.toContain('::error::');
      expect(provision.exitCode).toBe(0);
      expect(provision.outputs['lab-id']).toBe(lab);

      const validate = runBundle(bundle('validate'), inputs, env, workspace);
      expect(validate.exitCode).toBe(0);
      expect(validate.outputs['passed']).toBe('true');

      const teardown = runBundle(bundle('teardown'), inputs, env, workspace);
      expect(teardown.exitCode).toBe(0);
      expect(JSON.parse(teardown.outputs['removed']!)).toContain('stack local');
      expect(existsSync(join(runnerTemp, 'tslab-state', lab))).toBe(false);
    },
    300_000,
  );
});
