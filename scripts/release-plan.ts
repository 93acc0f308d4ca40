// Decides what a release run does, from what the remote holds and what the build job handed over: publish, finish
// what an earlier attempt left undone, or refuse, saying what exists and what to do. Pure: scripts/release-publish.ts
// reads the state and carries the plan out. docs/release.md lists the cases.
import { isVersion, majorTagOf, newer, newerOfSameMajor } from './release-git.ts';

export interface RemoteTag {
  /** What the ref names: the tag object of an annotated tag, else the commit. */
  object: string;
  commit: string;
}

export interface GitHubRelease {
  isDraft: boolean;
  url: string;
}

export interface RemoteState {
  tags: ReadonlyMap<string, RemoteTag>;
  release?: GitHubRelease;
  /** The remote's version tag names a release commit built from the source commit (an earlier attempt's). */
  versionIsReleaseOfSource: boolean;
}

/** The build job's tags, read from its bundle. */
export interface Received {
  releaseCommit: string;
  /** The tag objects, each naming releaseCommit. */
  versionTag: string;
  majorTag?: string;
}

export interface PlanInput {
  version: string;
  /** The commit the version tag was pushed on (github.sha). */
  sourceCommit: string;
  /** The push created the tag (false: it was pushed over an existing one). */
  tagCreated: boolean;
  defaultBranch: string;
  onDefaultBranch: boolean;
  remote: RemoteState;
  /** Absent when checking before the build. */
  received?: Received;
}

export interface Publish {
  action: 'publish';
  /** Known once the build has run, or when an earlier attempt pushed it. */
  releaseCommit?: string;
  pushVersion: boolean;
  pushMajor: boolean;
  createRelease: boolean;
  /** Mark the GitHub release "Latest": no newer version is tagged, of any major. */
  latest: boolean;
  /** What the run does and why, one line each. */
  notes: string[];
}

export interface Refuse {
  action: 'refuse';
  reason: string;
}

export type Plan = Publish | Refuse;

const refuse = (reason: string): Refuse => ({ action: 'refuse', reason });

export function planRelease(input: PlanInput): Plan {
  const { version, sourceCommit: source, remote, received } = input;
  const major = majorTagOf(version);
  if (!input.tagCreated) {
    return refuse(
      `${version} was pushed over an existing tag (the push event says created: false), and this workflow never ` +
        `moves a version once tagged. If ${version} was never released (no GitHub release, its tag never named a ` +
        `release commit), delete the tag and push it again; otherwise tag a new version.`,
    );
  }
  if (!input.onDefaultBranch) {
    return refuse(
      `${source}, the commit ${version} was pushed on, is not on the history of ${input.defaultBranch}: releases ` +
        `are cut from ${input.defaultBranch} only. Nothing was published. Delete the tag, merge the change into ` +
        `${input.defaultBranch}, and tag a commit of ${input.defaultBranch}.`,
    );
  }
  const tag = remote.tags.get(version);
  if (!tag) {
    return refuse(
      `${version} is no longer on the remote: it was deleted after it was pushed on ${source}. Nothing was ` +
        `published by this run. To release ${source}, push the tag on it again.`,
    );
  }
  if (remote.release?.isDraft) {
    return refuse(
      `${version} has a draft GitHub release (${remote.release.url}), which this workflow does not make: delete ` +
        `it (gh release delete ${version}), then re-run this workflow.`,
    );
  }

  const notes: string[] = [];
  let releaseCommit: string | undefined;
  if (tag.commit === source) {
    if (remote.release) {
      return refuse(
        `${version} has a GitHub release (${remote.release.url}), yet its tag names ${source}, the commit pushed, ` +
          `not a release commit: the tag was pushed again after the release. A released version is never ` +
          `moved: tag a new version.`,
      );
    }
    releaseCommit = received?.releaseCommit;
    notes.push(
      releaseCommit
        ? `${version} moves from ${source}, the commit pushed, to its release commit ${releaseCommit}.`
        : `${version} names ${source}, the commit pushed: not released yet.`,
    );
  } else if (remote.versionIsReleaseOfSource) {
    if (received && received.releaseCommit !== tag.commit) {
      return refuse(
        `${version} already names ${tag.commit}, a release commit of ${source} that an earlier attempt pushed, ` +
          `but this run's build made ${received.releaseCommit}. A pushed release commit is never replaced: ` +
          `re-run all jobs, and the build hands on ${tag.commit} instead of building again.`,
      );
    }
    releaseCommit = tag.commit;
    notes.push(
      `${version} already names its release commit ${tag.commit} (an earlier attempt pushed it): kept.`,
    );
  } else {
    return refuse(
      `${version} names ${tag.commit} on the remote, which is neither the commit this run was pushed for ` +
        `(${source}) nor a release commit built from it: the version is taken. Tag a new version.`,
    );
  }

  const newerTags = newerOfSameMajor(version, remote.tags.keys());
  const remoteMajor = remote.tags.get(major);
  let pushMajor = false;
  if (newerTags.length) {
    notes.push(`${major} stays where it is: ${newerTags[0]} is newer than ${version}.`);
  } else if (releaseCommit && remoteMajor?.commit === releaseCommit) {
    notes.push(`${major} already names ${releaseCommit}.`);
  } else if (received) {
    if (!received.majorTag) {
      return refuse(
        `${major} should move to ${version} (no newer ${major}.x is on the remote), but the build job did not tag ` +
          `it: it saw a newer ${major}.x that is gone now. Re-run all jobs, so the build tags ${major} again.`,
      );
    }
    pushMajor = true;
    notes.push(
      `${major} moves to ${releaseCommit}${remoteMajor ? ` (it named ${remoteMajor.commit})` : ' (a new tag)'}.`,
    );
  }

  if (remote.release) notes.push(`The GitHub release exists: ${remote.release.url}.`);
  const latest = ![...remote.tags.keys()].some((other) => isVersion(other) && newer(other, version));
  return {
    action: 'publish',
    ...(releaseCommit ? { releaseCommit } : {}),
    pushVersion: tag.commit === source && received !== undefined,
    pushMajor,
    createRelease: !remote.release,
    latest,
    notes,
  };
}
