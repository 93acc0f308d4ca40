// The release path, proven twice in a repository that already has tags: release.yml's jobs run step by step against a
// scratch server (scratch-github.ts), first for v0.1.0 and v1.0.0, then for a second round of four versions. Nothing
// here depends on the tags of the checkout the tests run in.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ScratchGitHub, TOKEN, type WorkflowRun } from './scratch-github.ts';

// A run plays two jobs' steps, each a few processes (git, node, the stand-ins): seconds, more on a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const gh = new ScratchGitHub();
afterAll(() => gh.remove());

/** Each version tag's object (what the ref names), by tag. */
function versionObjects(): Map<string, string> {
  return new Map(
    [...gh.tags()].filter(([tag]) => /^v\d+\.\d+\.\d+$/.test(tag)).map(([tag, t]) => [tag, t.object]),
  );
}

function logOf(run: WorkflowRun): string {
  const attempt = run.attempts.at(-1)!;
  return `${attempt.build?.log ?? ''}\n${attempt.release?.log ?? ''}`;
}

const released = new Map<string, string>();

/** Commits a change on main, tags it, plays the run, and checks what a release must be. */
function release(version: string, lightweight = false): { source: string; commit: string; run: WorkflowRun } {
  const source = gh.commit(`change for ${version}`);
  const before = versionObjects();
  const run = gh.tagAndRelease(version, source, { lightweight });
  expect(run.attempts.at(-1)!.release?.result, logOf(run)).toBe('success');
  expect(logOf(run)).not.toContain(TOKEN);

  const commit = gh.commitOf(version)!;
  expect(commit).not.toBe(source);
  expect(gh.parentOf(commit)).toBe(source);
  expect(gh.git(gh.bare, 'diff', '--name-only', source, commit).split('\n').sort()).toEqual([
    'actions/provision/dist/index.js',
    'actions/teardown/dist/index.js',
    'actions/validate/dist/index.js',
  ]);
  expect(gh.release(version)).toMatchObject({ tagName: version, isDraft: false, commit });
  // Every version released before is exactly where it was: same tag object, same commit.
  const after = versionObjects();
  for (const [tag, object] of before) if (tag !== version) expect(after.get(tag), tag).toBe(object);
  released.set(version, after.get(version)!);
  return { source, commit, run };
}

describe('a first release of each major', () => {
  it('v0.1.0 and v1.0.0: each version tag names a release commit of its tagged commit, each major tag on it', () => {
    const v010 = release('v0.1.0');
    expect(gh.commitOf('v0')).toBe(v010.commit);
    const v100 = release('v1.0.0');
    expect(gh.commitOf('v1')).toBe(v100.commit);
    expect(gh.commitOf('v0')).toBe(v010.commit);
    expect([gh.release('v0.1.0')?.latest, gh.release('v1.0.0')?.latest]).toEqual(['true', 'true']);
  });
});

describe('a second round in the repository that now has v0.1.0, v0, v1.0.0 and v1', () => {
  it.each([
    // version, the release the major tag names afterwards, marked Latest (no newer version of any major), how tagged
    ['v0.1.1', 'v0.1.1', 'false', 'annotated'],
    ['v1.1.0', 'v1.1.0', 'true', 'annotated'],
    ['v1.0.1', 'v1.1.0', 'false', 'annotated'],
    ['v0.2.0', 'v0.2.0', 'false', 'lightweight'],
  ])('%s: released; its major names %s; Latest %s (tag pushed %s)', (version, majorNames, latest, how) => {
    const major = version.split('.')[0]!;
    const otherMajor = major === 'v0' ? 'v1' : 'v0';
    const otherBefore = gh.tags().get(otherMajor);
    release(version, how === 'lightweight');
    expect(gh.commitOf(major)).toBe(gh.commitOf(majorNames));
    expect(gh.tags().get(otherMajor)).toEqual(otherBefore);
    expect(gh.release(version)?.latest).toBe(latest);
  });

  it('leaves every version tag as its own release made it: no release moved another', () => {
    expect([...released.keys()].sort()).toEqual(['v0.1.0', 'v0.1.1', 'v0.2.0', 'v1.0.0', 'v1.0.1', 'v1.1.0']);
    const now = versionObjects();
    for (const [version, object] of released) expect(now.get(version), version).toBe(object);
  });
});

describe('a version already released', () => {
  it('pushed again over its tag (a forced push): refused before anything is installed, and the run moves nothing', () => {
    const source = gh.commit('a change after v0.1.1');
    expect(gh.pushTag('v0.1.1', source, { force: true })).toEqual({ created: false });
    const pushed = gh.tags();
    const run = gh.startRun('v0.1.1', source, false);
    const build = run.attempts[0]!.build!;
    expect(build.result).toBe('failure');
    expect(build.log).toContain('v0.1.1 was pushed over an existing tag');
    expect(build.steps.find((s) => s.name === 'npm ci')?.outcome).toBe('skipped');
    expect(run.attempts[0]!.release).toBeUndefined();
    expect(gh.tags()).toEqual(pushed);
  });

  it('deleted and pushed again on another commit: refused, since it has a GitHub release', () => {
    const source = gh.commit('a change after v1.0.0');
    gh.deleteTag('v1.0.0');
    const { created } = gh.pushTag('v1.0.0', source);
    expect(created).toBe(true);
    const pushed = gh.tags();
    const build = gh.startRun('v1.0.0', source, created).attempts[0]!.build!;
    expect(build.result).toBe('failure');
    expect(build.log).toMatch(
      /v1\.0\.0 has a GitHub release \(\S+\), yet its tag names \w+, the commit pushed/,
    );
    expect(build.log).toContain('tag a new version');
    expect(gh.tags()).toEqual(pushed);
  });
});

describe('a tag off the default branch', () => {
  it('is refused before anything is installed, naming the branch; nothing is pushed or released', () => {
    const source = gh.commit('work in progress', 'topic');
    const v1 = gh.tags().get('v1');
    const run = gh.tagAndRelease('v1.2.0', source);
    const build = run.attempts[0]!.build!;
    expect(build.result).toBe('failure');
    expect(build.log).toContain(`${source}, the commit v1.2.0 was pushed on, is not on the history of main`);
    expect(build.steps.find((s) => s.name === 'npm ci')?.outcome).toBe('skipped');
    expect(gh.commitOf('v1.2.0')).toBe(source);
    expect(gh.tags().get('v1')).toEqual(v1);
    expect(gh.release('v1.2.0')).toBeUndefined();
  });
});
