// A release run that stopped halfway, re-run: it finishes what is missing without moving what was pushed, or refuses,
// saying what exists and what to do. Each case starts from a server that already has v1.0.0 released.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScratchGitHub, type WorkflowRun } from './scratch-github.ts';

// A run plays two jobs' steps, each a few processes (git, node, the stand-ins): seconds, more on a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// Each case gets its own copy of a server where v1.0.0 is released.
let base: ScratchGitHub;
let gh: ScratchGitHub;
beforeAll(() => {
  base = new ScratchGitHub();
  const run = base.tagAndRelease('v1.0.0', base.commit('first'));
  expect(run.attempts[0]!.release?.result, log(run)).toBe('success');
}, 120_000);
afterAll(() => base.remove());
beforeEach(() => {
  gh = new ScratchGitHub(base);
});
afterEach(() => gh.remove());

function log(run: WorkflowRun): string {
  const attempt = run.attempts.at(-1)!;
  return `${attempt.build?.log ?? ''}\n${attempt.release?.log ?? ''}`;
}

const step = (run: WorkflowRun, job: 'build' | 'release', name: string) =>
  run.attempts.at(-1)![job]?.steps.find((s) => s.name === name);

const PUBLISH = 'Verify the release commit and push the version and major tags';
const CREATE = 'Create the GitHub release';

/** A run of v1.1.0 whose GitHub release was not created: the tags are pushed, the create step failed. */
function tagsPushedReleaseMissing(): { run: WorkflowRun; source: string } {
  const source = gh.commit('second');
  gh.failGh('create', true);
  const run = gh.tagAndRelease('v1.1.0', source);
  gh.failGh('create', false);
  expect(step(run, 'release', PUBLISH)?.outcome).toBe('success');
  expect(step(run, 'release', CREATE)?.outcome).toBe('failure');
  expect(gh.parentOf(gh.commitOf('v1.1.0')!)).toBe(source);
  expect(gh.commitOf('v1')).toBe(gh.commitOf('v1.1.0'));
  expect(gh.release('v1.1.0')).toBeUndefined();
  return { run, source };
}

describe('tags pushed, GitHub release not created', () => {
  it('re-running the failed job creates the release and moves no tag', () => {
    const { run } = tagsPushedReleaseMissing();
    const pushed = gh.tags();
    gh.rerun(run, 'failed');
    expect(run.attempts.at(-1)!.release?.result, log(run)).toBe('success');
    expect(log(run)).toContain('v1.1.0 already names its release commit');
    expect(gh.tags()).toEqual(pushed);
    expect(gh.release('v1.1.0')).toMatchObject({ commit: gh.commitOf('v1.1.0'), latest: 'true' });
  });

  it('re-running all jobs: the build hands the pushed release commit on instead of building another', () => {
    const { run } = tagsPushedReleaseMissing();
    const pushed = gh.tags();
    gh.rerun(run, 'all');
    expect(run.attempts.at(-1)!.release?.result, log(run)).toBe('success');
    expect(run.attempts.at(-1)!.build!.log).toContain(
      `v1.1.0 already names ${gh.commitOf('v1.1.0')}, a release commit of`,
    );
    expect(gh.tags()).toEqual(pushed);
    expect(gh.release('v1.1.0')?.commit).toBe(gh.commitOf('v1.1.0'));
  });

  it('a re-run once everything exists says so and changes nothing', () => {
    const { run } = tagsPushedReleaseMissing();
    gh.rerun(run, 'failed');
    const done = { tags: gh.tags(), release: gh.release('v1.1.0') };
    gh.rerun(run, 'all');
    expect(run.attempts.at(-1)!.release?.result, log(run)).toBe('success');
    expect(log(run)).toContain('v1.1.0 is released already');
    expect(step(run, 'release', CREATE)?.outcome).toBe('skipped');
    expect({ tags: gh.tags(), release: gh.release('v1.1.0') }).toEqual(done);
  });
});

/** Makes the server refuse any update of v1 (as a tag ruleset would) until the returned function is called. */
function refuseMajorTagUpdates(): () => void {
  const marker = join(gh.root, 'refuse-v1');
  const hook = join(gh.bare, 'hooks', 'update');
  writeFileSync(hook, `#!/bin/sh\n[ "$1" = refs/tags/v1 ] && [ -e "${marker}" ] && exit 1\nexit 0\n`);
  chmodSync(hook, 0o755);
  writeFileSync(marker, '');
  return () => rmSync(marker);
}

describe('a push the server refuses', () => {
  it('changes no tag (one atomic push), and a re-run finishes', () => {
    const allow = refuseMajorTagUpdates();
    const source = gh.commit('second');
    const pushedTag = gh.pushTag('v1.1.0', source);
    const before = gh.tags();
    const run = gh.startRun('v1.1.0', source, pushedTag.created);
    expect(step(run, 'release', PUBLISH)?.outcome).toBe('failure');
    expect(gh.tags()).toEqual(before);
    expect(gh.commitOf('v1.1.0')).toBe(source);

    allow();
    gh.rerun(run, 'failed');
    expect(run.attempts.at(-1)!.release?.result, log(run)).toBe('success');
    expect(gh.parentOf(gh.commitOf('v1.1.0')!)).toBe(source);
    expect(gh.commitOf('v1')).toBe(gh.commitOf('v1.1.0'));
  });
});

describe('the version tag pushed, the major tag not', () => {
  it('a re-run pushes the major tag and creates the release', () => {
    const allow = refuseMajorTagUpdates();
    const run = gh.tagAndRelease('v1.1.0', gh.commit('second'));
    expect(step(run, 'release', PUBLISH)?.outcome).toBe('failure');
    // A maintainer then pushes the build's version tag alone, from the run's artifact: v1 stays on v1.0.0.
    const bundle = join(gh.root, 'artifacts', String(run.id), 'tslab-release', 'release.bundle');
    const maintainer = mkdtempSync(join(gh.root, 'by-hand-'));
    gh.git(maintainer, 'init', '--quiet');
    gh.git(maintainer, 'fetch', '--quiet', '--no-tags', gh.bare, 'refs/heads/main:refs/heads/main');
    gh.git(maintainer, 'fetch', '--quiet', bundle, 'refs/tags/v1.1.0:refs/tags/v1.1.0');
    gh.git(maintainer, 'push', '--quiet', '--force', gh.bare, 'refs/tags/v1.1.0');
    const v100 = gh.commitOf('v1.0.0');
    expect(gh.commitOf('v1')).toBe(v100);
    const version = gh.tags().get('v1.1.0')!;

    allow();
    gh.rerun(run, 'failed');
    expect(run.attempts.at(-1)!.release?.result, log(run)).toBe('success');
    expect(log(run)).toContain(`v1 moves to ${version.commit} (it named ${v100})`);
    expect(gh.tags().get('v1.1.0')).toEqual(version);
    expect(gh.commitOf('v1')).toBe(version.commit);
    expect(gh.release('v1.1.0')?.commit).toBe(version.commit);
  });
});

describe('refusals after a partial failure, each saying what exists and what to do', () => {
  it('the version tag moved by hand to another commit: refused, naming both commits; nothing is pushed', () => {
    const source = gh.commit('second');
    gh.failGh('view', true);
    const run = gh.tagAndRelease('v1.1.0', source);
    gh.failGh('view', false);
    // A gh failure is not read as "no release": the check stops the build.
    expect(
      step(run, 'build', 'Refuse a tag off the default branch or a version released already')?.outcome,
    ).toBe('failure');
    expect(run.attempts[0]!.build!.log).toContain('could not read the GitHub release v1.1.0');
    const other = gh.commit('third');
    gh.pushTag('v1.1.0', other, { force: true });
    const moved = gh.tags();
    gh.rerun(run, 'all');
    expect(run.attempts.at(-1)!.build!.result).toBe('failure');
    expect(log(run)).toContain(
      `v1.1.0 names ${other} on the remote, which is neither the commit this run was pushed for (${source}) ` +
        'nor a release commit built from it: the version is taken. Tag a new version.',
    );
    expect(gh.tags()).toEqual(moved);
    expect(gh.release('v1.1.0')).toBeUndefined();
  });

  it('a draft release of the version: refused, saying to delete it', () => {
    gh.putRelease({
      tagName: 'v1.1.0',
      isDraft: true,
      url: 'https://ghe.example.test/acme/tslab/releases/draft',
    });
    const source = gh.commit('second');
    const before = gh.tags();
    const run = gh.tagAndRelease('v1.1.0', source);
    expect(run.attempts[0]!.build!.result).toBe('failure');
    expect(log(run)).toContain('v1.1.0 has a draft GitHub release');
    expect(log(run)).toContain('gh release delete v1.1.0');
    expect(gh.tags().get('v1')).toEqual(before.get('v1'));
  });

  it('an earlier attempt pushed one release commit and this attempt’s bundle holds another: refused', () => {
    const { run } = tagsPushedReleaseMissing();
    const pushed = gh.tags();
    const source = gh.parentOf(gh.commitOf('v1.1.0')!);
    // A second build of the same source (as a build that did not hand the pushed one on would make): another commit.
    const other = join(gh.root, 'other-build');
    gh.git(gh.root, 'clone', '--quiet', '--no-checkout', gh.bare, other);
    gh.git(other, 'checkout', '--quiet', '--detach', source);
    for (const action of ['provision', 'validate', 'teardown']) {
      mkdirSync(join(other, 'actions', action, 'dist'), { recursive: true });
      writeFileSync(join(other, 'actions', action, 'dist', 'index.js'), `// ${action}, built again\n`);
    }
    const as = ['-c', 'user.name=b', '-c', 'user.email=b@example.invalid'];
    gh.git(other, 'add', '--force', 'actions');
    gh.git(other, ...as, 'commit', '--quiet', '-m', 'built again');
    gh.git(other, ...as, 'tag', '--force', '--annotate', 'v1.1.0', '-m', 'v1.1.0');
    const artifact = join(gh.root, 'artifacts', String(run.id), 'tslab-release', 'release.bundle');
    gh.git(other, 'bundle', 'create', '--quiet', artifact, 'refs/tags/v1.1.0', `^${source}`);

    gh.rerun(run, 'failed');
    expect(run.attempts.at(-1)!.release?.result).toBe('failure');
    expect(log(run)).toContain(
      `v1.1.0 already names ${gh.commitOf('v1.1.0')}, a release commit of ${source} that an earlier attempt pushed, ` +
        `but this run's build made ${gh.git(other, 'rev-parse', 'HEAD')}`,
    );
    expect(log(run)).toContain('re-run all jobs');
    expect(gh.tags()).toEqual(pushed);
  });
});
