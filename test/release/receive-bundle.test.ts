// What the release job accepts from the build job before it pushes anything: the bundle's refs, its tags' kind, and
// that its version tag names a release commit of the commit pushed with every bundle present; and the settings it
// reads from the environment, each refusal naming the variable, the value and the rule.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings, receiveBundle, type PublishSettings } from '../../scripts/release-publish.ts';

const root = mkdtempSync(join(tmpdir(), 'tslab-receive-'));
const repo = join(root, 'repo');
let source: string;
let settings: PublishSettings;
afterAll(() => rmSync(root, { recursive: true, force: true }));

function git(...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

const ENV = {
  VERSION: 'v1.2.0',
  TAG_CREATED: 'true',
  DEFAULT_BRANCH: 'main',
  GITHUB_SERVER_URL: 'https://ghe.example.test',
  GITHUB_REPOSITORY: 'acme/tslab',
};

/** A release-like commit on the source with `files`, tagged v1.2.0 (and v1), bundled with `refs` over the source. */
function bundleOf(files: string[], refs = ['refs/tags/v1.2.0', 'refs/tags/v1'], annotated = true): string {
  git('checkout', '--quiet', '--detach', source);
  for (const file of files) {
    mkdirSync(join(repo, file, '..'), { recursive: true });
    writeFileSync(join(repo, file), `// ${file}\n`);
  }
  git('add', '--force', ...files);
  git('commit', '--quiet', '-m', 'release');
  git('tag', '--force', ...(annotated ? ['--annotate', '-m', 'v1.2.0'] : []), 'v1.2.0');
  git('tag', '--force', '--annotate', '-m', 'v1', 'v1');
  const file = join(root, `${Math.random().toString(36).slice(2)}.bundle`);
  git('bundle', 'create', '--quiet', file, ...refs, `^${source}`);
  return file;
}

const DISTS = ['provision', 'validate', 'teardown'].map((a) => `actions/${a}/dist/index.js`);

beforeAll(() => {
  mkdirSync(repo);
  git('init', '--quiet', '--initial-branch=main');
  writeFileSync(join(repo, 'README'), 'tslab\n');
  git('add', 'README');
  git('commit', '--quiet', '-m', 'source');
  source = git('rev-parse', 'HEAD');
  settings = readSettings({ ...ENV, SOURCE_SHA: source });
});

describe('the bundle the release job receives', () => {
  it('is taken when it holds the version and major tags on a release commit of the commit pushed', () => {
    const received = receiveBundle(repo, bundleOf(DISTS), settings);
    expect(received.releaseCommit).toBe(git('rev-parse', 'HEAD'));
    expect(git('rev-parse', `${received.releaseCommit}^`)).toBe(source);
    expect(received.versionTag).toBe(git('rev-parse', 'refs/tags/v1.2.0'));
    expect(received.majorTag).toBe(git('rev-parse', 'refs/tags/v1'));
  });

  it('is refused when a bundle is missing from the release commit', () => {
    expect(() => receiveBundle(repo, bundleOf(DISTS.slice(0, 2)), settings)).toThrow(
      /v1\.2\.0 names \w+, which is not a release commit of \w+, the commit pushed: it has no actions\/teardown\/dist\/index\.js/,
    );
  });

  it('is refused when the release commit changes anything outside the bundles', () => {
    expect(() => receiveBundle(repo, bundleOf([...DISTS, 'src/injected.ts']), settings)).toThrow(
      'it changes files outside actions/*/dist/: src/injected.ts',
    );
  });

  it('is refused when it holds other refs, or a version tag that is not annotated, or is not there at all', () => {
    expect(() =>
      receiveBundle(repo, bundleOf(DISTS, ['refs/tags/v1.2.0', 'refs/tags/v1', 'HEAD']), settings),
    ).toThrow(
      'holds refs/tags/v1.2.0, refs/tags/v1, HEAD; it must hold refs/tags/v1.2.0 and at most refs/tags/v1',
    );
    expect(() => receiveBundle(repo, bundleOf(DISTS, ['refs/tags/v1.2.0'], false), settings)).toThrow(
      'v1.2.0 is not an annotated tag',
    );
    expect(() => receiveBundle(repo, join(root, 'absent.bundle'), settings)).toThrow(
      `bundle: "${join(root, 'absent.bundle')}" — does not exist: the build job's artifact was not downloaded`,
    );
  });

  it('is refused when it was built on another commit than the one pushed', () => {
    const other = readSettings({ ...ENV, SOURCE_SHA: 'f'.repeat(40) });
    expect(() => receiveBundle(repo, bundleOf(DISTS), other)).toThrow(
      `its parent is ${source}, not ${'f'.repeat(40)}`,
    );
  });
});

describe('the settings the release scripts read', () => {
  it('build the remote from GITHUB_SERVER_URL and GITHUB_REPOSITORY, and gh’s repository with the host', () => {
    const read = readSettings({ ...ENV, SOURCE_SHA: 'a'.repeat(40), GH_TOKEN: 'secret-token' });
    expect(read.remote.url).toBe('https://ghe.example.test/acme/tslab');
    expect(read.remote.ghRepository).toBe('ghe.example.test/acme/tslab');
    expect(read.majorTag).toBe('v1');
    // The token reaches git through its environment only, as an extra header for URLs under the server.
    const index = Number(read.remote.env['GIT_CONFIG_COUNT']) - 1;
    expect(read.remote.env[`GIT_CONFIG_KEY_${index}`]).toBe('http.https://ghe.example.test/.extraheader');
    expect(read.remote.env[`GIT_CONFIG_VALUE_${index}`]).toBe(
      `AUTHORIZATION: basic ${Buffer.from('x-access-token:secret-token').toString('base64')}`,
    );
  });

  it.each([
    ['VERSION', '1.2.0', 'VERSION: "1.2.0" — must be vMAJOR.MINOR.PATCH, e.g. v1.2.3'],
    ['SOURCE_SHA', 'HEAD', 'SOURCE_SHA: "HEAD" — must be a full commit SHA'],
    ['TAG_CREATED', '', 'TAG_CREATED: "" — must be true or false (github.event.created)'],
    ['DEFAULT_BRANCH', '', 'DEFAULT_BRANCH: "" — must be a branch name'],
    [
      'GITHUB_SERVER_URL',
      'https://github.example.com/x',
      'GITHUB_SERVER_URL: "https://github.example.com/x" — must be',
    ],
    ['GITHUB_REPOSITORY', 'tslab', 'GITHUB_REPOSITORY: "tslab" — must be OWNER/REPO'],
  ])('refuse %s=%j, naming it, its value and the rule', (name, value, message) => {
    expect(() => readSettings({ ...ENV, SOURCE_SHA: 'a'.repeat(40), [name]: value })).toThrow(message);
  });
});
