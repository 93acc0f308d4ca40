// The two ends of .github/workflows/release.yml around the build (docs/release.md):
//
//   node scripts/release-publish.ts check            the build job, before anything is installed: refuses a tag that
//                                                    is not on the default branch or names a version released already
//   node scripts/release-publish.ts publish BUNDLE   the release job: verifies the build job's bundle (its version tag
//                                                    names a release commit whose parent is the commit pushed), pushes
//                                                    the version and major tags that are not on the remote yet, and
//                                                    says whether the GitHub release is still to be created
//
// Both read the same state (the remote's tags and default branch, the GitHub release) and let scripts/release-plan.ts
// decide, so a re-run after a partial failure finishes what is missing or refuses, saying what exists and what to do.
// Environment: VERSION, SOURCE_SHA, TAG_CREATED, DEFAULT_BRANCH (from the push event), GITHUB_SERVER_URL,
// GITHUB_REPOSITORY, GH_TOKEN (the run token). Outputs (GITHUB_OUTPUT): release-commit, create-release, latest,
// gh-repository. Node built-ins only, run with node and no npm install.
import { appendFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitOf, escapeCommand, git, majorTagOf, releaseCommitFault, ReleaseError } from './release-git.ts';
import { planRelease, type Publish, type Received, type RemoteState } from './release-plan.ts';
import {
  fetchRef,
  gitAuthEnv,
  githubRelease,
  isAncestor,
  pushTags,
  remoteTags,
  type Remote,
  type TagUpdate,
} from './release-remote.ts';

// Where fetched refs land in the checkout: outside refs/tags and refs/heads, so nothing of the checkout's changes.
const LOCAL = 'refs/tslab-release';

export interface PublishSettings {
  version: string;
  majorTag: string;
  sourceCommit: string;
  tagCreated: boolean;
  defaultBranch: string;
  remote: Remote;
}

function required(env: NodeJS.ProcessEnv, name: string, rule: RegExp, says: string): string {
  const value = env[name] ?? '';
  if (!rule.test(value)) throw new ReleaseError(`${name}: "${value}" — must be ${says}`);
  return value;
}

export function readSettings(env: NodeJS.ProcessEnv): PublishSettings {
  const version = env['VERSION'] ?? '';
  const majorTag = majorTagOf(version, 'VERSION');
  const sourceCommit = required(env, 'SOURCE_SHA', /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a full commit SHA');
  const tagCreated = required(env, 'TAG_CREATED', /^(?:true|false)$/, 'true or false (github.event.created)');
  const defaultBranch = required(
    env,
    'DEFAULT_BRANCH',
    /^(?!.*\.\.)(?!-)[\w./-]+$/,
    'a branch name (github.event.repository.default_branch)',
  );
  const serverUrl = required(
    env,
    'GITHUB_SERVER_URL',
    /^https?:\/\/[^/\s]+$/,
    'the server’s URL without a path, e.g. https://github.example.com',
  );
  const repository = required(env, 'GITHUB_REPOSITORY', /^[\w.-]+\/[\w.-]+$/, 'OWNER/REPO');
  return {
    version,
    majorTag,
    sourceCommit,
    tagCreated: tagCreated === 'true',
    defaultBranch,
    remote: {
      url: `${serverUrl}/${repository}`,
      ghRepository: `${new URL(serverUrl).host}/${repository}`,
      env: gitAuthEnv(serverUrl, env['GH_TOKEN']),
    },
  };
}

/**
 * Takes the build job's bundle into the checkout (under refs/tslab-release) after checking it: only the version tag
 * and the major tag, both annotated, the version naming a release commit of the commit pushed, the major the same.
 */
export function receiveBundle(cwd: string, bundle: string, settings: PublishSettings): Received {
  const { version, majorTag, sourceCommit } = settings;
  if (!existsSync(bundle)) {
    throw new ReleaseError(
      `bundle: "${bundle}" — does not exist: the build job's artifact was not downloaded`,
    );
  }
  git(cwd, 'bundle', 'verify', '--quiet', bundle);
  const heads = new Map(
    git(cwd, 'bundle', 'list-heads', bundle)
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').reverse() as [string, string]),
  );
  const expected = [`refs/tags/${version}`, `refs/tags/${majorTag}`];
  const unexpected = [...heads.keys()].filter((ref) => !expected.includes(ref));
  if (unexpected.length || !heads.has(`refs/tags/${version}`)) {
    throw new ReleaseError(
      `bundle: "${bundle}" — holds ${[...heads.keys()].join(', ') || 'no refs'}; it must hold refs/tags/${version} ` +
        `and at most refs/tags/${majorTag}`,
    );
  }
  const received = [...heads.keys()].map(
    (ref) => `+${ref}:${LOCAL}/bundle/${ref.slice('refs/tags/'.length)}`,
  );
  git(cwd, 'fetch', '--quiet', '--no-tags', bundle, ...received);

  const tagObject = (tag: string): string => {
    const ref = `${LOCAL}/bundle/${tag}`;
    if (git(cwd, 'cat-file', '-t', ref) !== 'tag') {
      throw new ReleaseError(`bundle: "${bundle}" — ${tag} is not an annotated tag`);
    }
    return git(cwd, 'rev-parse', ref);
  };
  const versionTag = tagObject(version);
  const releaseCommit = commitOf(cwd, versionTag)!;
  const fault = releaseCommitFault(cwd, releaseCommit, sourceCommit);
  if (fault) {
    throw new ReleaseError(
      `bundle: "${bundle}" — ${version} names ${releaseCommit}, which is not a release commit of ${sourceCommit}, ` +
        `the commit pushed: ${fault}`,
    );
  }
  if (!heads.has(`refs/tags/${majorTag}`)) return { releaseCommit, versionTag };
  const majorTagObject = tagObject(majorTag);
  const majorCommit = commitOf(cwd, majorTagObject);
  if (majorCommit !== releaseCommit) {
    throw new ReleaseError(
      `bundle: "${bundle}" — ${majorTag} names ${majorCommit}, not ${version}'s release commit ${releaseCommit}`,
    );
  }
  return { releaseCommit, versionTag, majorTag: majorTagObject };
}

/** The remote's tags, the GitHub release, and whether the version tag names a release commit of the source. */
export function readRemote(cwd: string, settings: PublishSettings): RemoteState {
  const { version, sourceCommit, remote } = settings;
  const tags = remoteTags(cwd, remote);
  const tagged = tags.get(version);
  let versionIsReleaseOfSource = false;
  if (tagged && tagged.commit !== sourceCommit) {
    fetchRef(cwd, remote, `refs/tags/${version}`, `${LOCAL}/remote/${version}`);
    versionIsReleaseOfSource = releaseCommitFault(cwd, tagged.commit, sourceCommit) === undefined;
  }
  const release = githubRelease(version, remote);
  return { tags, ...(release ? { release } : {}), versionIsReleaseOfSource };
}

interface Decision {
  plan: Publish;
  remote: RemoteState;
}

function decide(cwd: string, settings: PublishSettings, received?: Received): Decision {
  const tip = fetchRef(
    cwd,
    settings.remote,
    `refs/heads/${settings.defaultBranch}`,
    `${LOCAL}/${settings.defaultBranch}`,
  );
  const remote = readRemote(cwd, settings);
  const plan = planRelease({
    version: settings.version,
    sourceCommit: settings.sourceCommit,
    tagCreated: settings.tagCreated,
    defaultBranch: settings.defaultBranch,
    onDefaultBranch: isAncestor(cwd, settings.sourceCommit, tip),
    remote,
    ...(received ? { received } : {}),
  });
  if (plan.action === 'refuse') throw new ReleaseError(plan.reason);
  return { plan, remote };
}

function output(values: Record<string, string>): void {
  const file = process.env['GITHUB_OUTPUT'];
  if (!file) return;
  appendFileSync(
    file,
    Object.entries(values)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
}

export function check(cwd: string, env: NodeJS.ProcessEnv): Publish {
  const { plan } = decide(cwd, readSettings(env));
  for (const note of plan.notes) console.log(note);
  return plan;
}

export function publish(cwd: string, env: NodeJS.ProcessEnv, bundle: string): Publish {
  const settings = readSettings(env);
  const received = receiveBundle(cwd, bundle, settings);
  const decision = decide(cwd, settings, received);
  const { plan } = decision;
  // Each push is refused when the remote's tag no longer names what the plan was made from.
  const now = (tag: string): string => decision.remote.tags.get(tag)?.object ?? '';
  const updates: TagUpdate[] = [];
  if (plan.pushVersion) {
    updates.push({ from: received.versionTag, tag: settings.version, expected: now(settings.version) });
  }
  if (plan.pushMajor && received.majorTag) {
    updates.push({ from: received.majorTag, tag: settings.majorTag, expected: now(settings.majorTag) });
  }
  pushTags(cwd, settings.remote, updates);
  for (const note of plan.notes) console.log(note);
  if (!updates.length && !plan.createRelease) {
    console.log(`${settings.version} is released already (${plan.releaseCommit}): nothing left to do.`);
  }
  output({
    'release-commit': plan.releaseCommit ?? received.releaseCommit,
    'create-release': String(plan.createRelease),
    latest: String(plan.latest),
    'gh-repository': settings.remote.ghRepository,
  });
  return plan;
}

function main(argv: string[]): void {
  const [command, bundle, ...rest] = argv;
  if (command === 'check' && bundle === undefined) {
    check('.', process.env);
  } else if (command === 'publish' && bundle !== undefined && rest.length === 0) {
    publish('.', process.env, resolve(bundle));
  } else {
    throw new ReleaseError('usage: node scripts/release-publish.ts check | publish <bundle>');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    // One ::error:: line the job's annotations show; the message says what exists and what to do.
    const message = error instanceof ReleaseError ? error.message : String(error);
    console.log(`::error title=tslab release::${escapeCommand(message)}`);
    process.exit(error instanceof ReleaseError ? 2 : 1);
  }
}
