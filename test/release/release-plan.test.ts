// What a release run decides from the remote's state and the build's tags: every case docs/release.md lists, each
// refusal saying what exists and what to do.
import { describe, expect, it } from 'vitest';
import { planRelease, type PlanInput, type RemoteTag } from '../../scripts/release-plan.ts';

const S = 'a'.repeat(40); // the commit pushed
const R = 'b'.repeat(40); // its release commit
const X = 'c'.repeat(40); // anything else
const OLD = 'd'.repeat(40); // an earlier release commit

const tag = (commit: string, object = `${commit.slice(0, 39)}f`): RemoteTag => ({ object, commit });

function input(overrides: Partial<PlanInput> = {}, tags: Record<string, RemoteTag> = {}): PlanInput {
  return {
    version: 'v1.2.0',
    sourceCommit: S,
    tagCreated: true,
    defaultBranch: 'main',
    onDefaultBranch: true,
    remote: {
      tags: new Map(Object.entries({ 'v1.1.0': tag(OLD), v1: tag(OLD), 'v1.2.0': tag(S), ...tags })),
      versionIsReleaseOfSource: false,
    },
    received: { releaseCommit: R, versionTag: 'e'.repeat(40), majorTag: 'f'.repeat(40) },
    ...overrides,
  };
}

function refusal(plan: ReturnType<typeof planRelease>): string {
  if (plan.action !== 'refuse') throw new Error(`expected a refusal, got ${JSON.stringify(plan)}`);
  return plan.reason;
}

describe('a first attempt', () => {
  it('moves the version tag to the release commit, the major tag with it, and creates the release', () => {
    expect(planRelease(input())).toEqual({
      action: 'publish',
      releaseCommit: R,
      pushVersion: true,
      pushMajor: true,
      createRelease: true,
      latest: true,
      notes: [
        `v1.2.0 moves from ${S}, the commit pushed, to its release commit ${R}.`,
        `v1 moves to ${R} (it named ${OLD}).`,
      ],
    });
  });

  it('leaves the major tag on a newer release of its major, and marks the release Latest only when newest', () => {
    const plan = planRelease(input({}, { 'v1.3.0': tag(X), v1: tag(X) }));
    expect(plan).toMatchObject({ pushVersion: true, pushMajor: false, latest: false });
    expect(plan.action === 'publish' && plan.notes).toContain(
      'v1 stays where it is: v1.3.0 is newer than v1.2.0.',
    );
    expect(planRelease(input({}, { 'v2.0.0': tag(X) }))).toMatchObject({ pushMajor: true, latest: false });
  });

  it('creates a major tag the remote does not have yet', () => {
    const tags = new Map(input().remote.tags);
    tags.delete('v1');
    const plan = planRelease(input({ remote: { tags, versionIsReleaseOfSource: false } }));
    expect(plan).toMatchObject({ pushMajor: true });
    expect(plan.action === 'publish' && plan.notes).toContain(`v1 moves to ${R} (a new tag).`);
  });

  it('before the build (the check) pushes nothing and says the version is not released yet', () => {
    const check = input();
    delete check.received;
    expect(planRelease(check)).toEqual({
      action: 'publish',
      pushVersion: false,
      pushMajor: false,
      createRelease: true,
      latest: true,
      notes: [`v1.2.0 names ${S}, the commit pushed: not released yet.`],
    });
  });
});

describe('a re-run after a partial failure', () => {
  const resumed = (tags: Record<string, RemoteTag>, release?: { isDraft: boolean; url: string }) =>
    input({
      remote: {
        tags: new Map(Object.entries({ 'v1.1.0': tag(OLD), v1: tag(OLD), 'v1.2.0': tag(R), ...tags })),
        versionIsReleaseOfSource: true,
        ...(release ? { release } : {}),
      },
    });

  it('version tag pushed, major tag not: pushes the major tag only, and creates the release', () => {
    expect(planRelease(resumed({}))).toMatchObject({
      action: 'publish',
      releaseCommit: R,
      pushVersion: false,
      pushMajor: true,
      createRelease: true,
    });
  });

  it('both tags pushed, no GitHub release: creates the release only', () => {
    expect(planRelease(resumed({ v1: tag(R) }))).toMatchObject({
      pushVersion: false,
      pushMajor: false,
      createRelease: true,
    });
  });

  it('everything there: nothing to do', () => {
    const plan = planRelease(resumed({ v1: tag(R) }, { isDraft: false, url: 'https://ghe.example.test/r' }));
    expect(plan).toMatchObject({ pushVersion: false, pushMajor: false, createRelease: false });
    expect(plan.action === 'publish' && plan.notes).toContain(
      'The GitHub release exists: https://ghe.example.test/r.',
    );
  });

  it('refuses a bundle with another release commit than the one pushed, saying to re-run all jobs', () => {
    const plan = resumed({});
    const reason = refusal(planRelease({ ...plan, received: { ...plan.received!, releaseCommit: X } }));
    expect(reason).toContain(
      `v1.2.0 already names ${R}, a release commit of ${S} that an earlier attempt pushed`,
    );
    expect(reason).toContain(`re-run all jobs, and the build hands on ${R} instead of building again`);
  });

  it('refuses when the major tag should move but the build did not tag it, saying to re-run all jobs', () => {
    const plan = resumed({});
    delete plan.received!.majorTag;
    expect(refusal(planRelease(plan))).toContain(
      'v1 should move to v1.2.0 (no newer v1.x is on the remote), but the build job did not tag it',
    );
  });
});

describe('refusals', () => {
  it('a tag pushed over an existing one', () => {
    const reason = refusal(planRelease(input({ tagCreated: false })));
    expect(reason).toContain('v1.2.0 was pushed over an existing tag');
    expect(reason).toContain('delete the tag and push it again; otherwise tag a new version');
  });

  it('a commit off the default branch, naming the branch', () => {
    expect(refusal(planRelease(input({ onDefaultBranch: false, defaultBranch: 'trunk' })))).toContain(
      `${S}, the commit v1.2.0 was pushed on, is not on the history of trunk: releases are cut from trunk only`,
    );
  });

  it('a version tag deleted since the push', () => {
    const tags = new Map(input().remote.tags);
    tags.delete('v1.2.0');
    expect(refusal(planRelease(input({ remote: { tags, versionIsReleaseOfSource: false } })))).toContain(
      `v1.2.0 is no longer on the remote: it was deleted after it was pushed on ${S}`,
    );
  });

  it('a draft release, saying to delete it', () => {
    const remote = { ...input().remote, release: { isDraft: true, url: 'https://ghe.example.test/d' } };
    expect(refusal(planRelease(input({ remote })))).toContain(
      'v1.2.0 has a draft GitHub release (https://ghe.example.test/d), which this workflow does not make: delete it',
    );
  });

  it('a GitHub release while the tag names the commit pushed (pushed again after its release)', () => {
    const remote = { ...input().remote, release: { isDraft: false, url: 'https://ghe.example.test/r' } };
    expect(refusal(planRelease(input({ remote })))).toContain(
      'A released version is never moved: tag a new version.',
    );
  });

  it('a version tag naming something else: the version is taken', () => {
    expect(refusal(planRelease(input({}, { 'v1.2.0': tag(X) })))).toBe(
      `v1.2.0 names ${X} on the remote, which is neither the commit this run was pushed for (${S}) nor a release ` +
        'commit built from it: the version is taken. Tag a new version.',
    );
  });
});
