// Git plumbing shared by the release build (scripts/release.ts) and its publication (scripts/release-publish.ts):
// versions, tags, and what makes a commit a release commit. Node built-ins only: the publishing job runs these files
// with node and no npm install (docs/release.md).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

export const RELEASED_ACTIONS = ['provision', 'validate', 'teardown'] as const;

const VERSION = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const RELEASED_PATH = new RegExp(`^actions/(${RELEASED_ACTIONS.join('|')})/dist/`);
// Used only when the machine has no git identity (a CI runner): the workflow's commits and tags are the release bot's.
const FALLBACK_IDENTITY = {
  GIT_AUTHOR_NAME: 'github-actions[bot]',
  GIT_AUTHOR_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
};

export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

export function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
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

/** A workflow command's message: %, CR and LF escaped, so a message of several lines stays one annotation. */
export function escapeCommand(message: string): string {
  return message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export const git = (cwd: string, ...args: string[]): string => run('git', args, cwd);

/** The commit a revision names (tags peeled), or undefined when it names none. */
export function commitOf(cwd: string, revision: string): string | undefined {
  const result = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], {
    cwd,
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export function isVersion(tag: string): boolean {
  return VERSION.test(tag);
}

/** v1 for v1.2.3; `field` names the input in the refusal. */
export function majorTagOf(version: string, field = 'version'): string {
  const match = VERSION.exec(version);
  if (!match) throw new ReleaseError(`${field}: "${version}" — must be vMAJOR.MINOR.PATCH, e.g. v1.2.3`);
  return `v${match[1]}`;
}

const numbers = (version: string): number[] => version.slice(1).split('.').map(Number);

export function newer(a: string, b: string): boolean {
  const [x, y] = [numbers(a), numbers(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
}

/** The versions among `tags` of the same major as `version` and newer than it, newest first. */
export function newerOfSameMajor(version: string, tags: Iterable<string>): string[] {
  const major = majorTagOf(version);
  return [...tags]
    .filter((tag) => isVersion(tag) && majorTagOf(tag) === major && newer(tag, version))
    .sort((a, b) => (newer(a, b) ? -1 : 1));
}

/**
 * Why `commit` is not a release commit of `source` (undefined when it is): a release commit has exactly one parent,
 * the source commit, and adds or changes nothing but the three actions' dist/, each with its index.js.
 */
export function releaseCommitFault(repo: string, commit: string, source: string): string | undefined {
  const [, ...parents] = git(repo, 'rev-list', '--parents', '-n', '1', commit).split(' ');
  if (parents.length !== 1 || parents[0] !== source) {
    return `its parent${parents.length === 1 ? ' is' : 's are'} ${parents.join(', ') || 'none'}, not ${source}`;
  }
  const changed = git(repo, 'diff', '--no-renames', '--name-only', source, commit)
    .split('\n')
    .filter(Boolean);
  const outside = changed.filter((path) => !RELEASED_PATH.test(path));
  if (outside.length) return `it changes files outside actions/*/dist/: ${outside.slice(0, 5).join(', ')}`;
  const missing = RELEASED_ACTIONS.filter(
    (action) =>
      spawnSync('git', ['cat-file', '-e', `${commit}:actions/${action}/dist/index.js`], { cwd: repo })
        .status !== 0,
  );
  if (missing.length) return `it has no ${missing.map((a) => `actions/${a}/dist/index.js`).join(', ')}`;
  return undefined;
}

/** The configured identity, else GIT_AUTHOR_* from the environment, else the release bot; committer = author. */
export function gitIdentity(cwd: string): NodeJS.ProcessEnv {
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
