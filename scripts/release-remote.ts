// What the release reads from and writes to the repository's server: its tags and branches over git, its GitHub
// release through gh. The run token reaches git as one http.<server>/.extraheader in the environment of each git
// command (never an argument, never .git/config), so no command line or error message can show it.
import { spawnSync } from 'node:child_process';
import type { GitHubRelease, RemoteTag } from './release-plan.ts';
import { ReleaseError, run } from './release-git.ts';

export interface Remote {
  /** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}`: what git fetches from and pushes to. */
  url: string;
  /** `[HOST/]OWNER/REPO` for gh --repo. */
  ghRepository: string;
  /** The environment of every git command that talks to the remote. */
  env: NodeJS.ProcessEnv;
}

/**
 * The environment that hands `token` to git for URLs under `serverUrl`, appended to any GIT_CONFIG_* entries already
 * set. The header's value is masked in the job's log first.
 */
export function gitAuthEnv(serverUrl: string, token: string | undefined): NodeJS.ProcessEnv {
  if (!token) return process.env;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  if (process.env['GITHUB_ACTIONS'] === 'true') console.log(`::add-mask::${basic}`);
  const index = Number(process.env['GIT_CONFIG_COUNT'] ?? '0') || 0;
  return {
    ...process.env,
    GIT_CONFIG_COUNT: String(index + 1),
    [`GIT_CONFIG_KEY_${index}`]: `http.${serverUrl}/.extraheader`,
    [`GIT_CONFIG_VALUE_${index}`]: `AUTHORIZATION: basic ${basic}`,
  };
}

/** Every tag on the remote: annotated tags peeled (`^{}` lines), lightweight ones as they are. */
export function remoteTags(cwd: string, remote: Remote): Map<string, RemoteTag> {
  const tags = new Map<string, RemoteTag>();
  const listed = run('git', ['ls-remote', '--tags', remote.url], cwd, remote.env);
  for (const line of listed.split('\n').filter(Boolean)) {
    const [object = '', ref = ''] = line.split('\t');
    const name = ref.replace(/^refs\/tags\//, '');
    if (name.endsWith('^{}')) {
      const tag = name.slice(0, -3);
      tags.set(tag, { object: tags.get(tag)?.object ?? object, commit: object });
    } else {
      tags.set(name, { object, commit: tags.get(name)?.commit ?? object });
    }
  }
  return tags;
}

/** Fetches one ref of the remote into `local` (a ref outside refs/tags and refs/heads) and returns its commit. */
export function fetchRef(cwd: string, remote: Remote, ref: string, local: string): string {
  run('git', ['fetch', '--quiet', '--no-tags', remote.url, `+${ref}:${local}`], cwd, remote.env);
  return run('git', ['rev-parse', `${local}^{commit}`], cwd);
}

/** Whether `commit` is on the history of `tip` (git merge-base --is-ancestor). */
export function isAncestor(cwd: string, commit: string, tip: string): boolean {
  const result = spawnSync('git', ['merge-base', '--is-ancestor', commit, tip], { cwd, encoding: 'utf8' });
  if (result.status === 0 || result.status === 1) return result.status === 0;
  throw new ReleaseError(`git merge-base --is-ancestor ${commit} ${tip}: ${result.stderr.trim()}`);
}

/**
 * The GitHub release of `version`, drafts included (gh looks for both), or undefined when there is none. gh says
 * "release not found" for none; any other failure (no token, no network) stops the run rather than passing for none.
 */
export function githubRelease(version: string, remote: Remote): GitHubRelease | undefined {
  const view = spawnSync(
    'gh',
    ['release', 'view', version, '--repo', remote.ghRepository, '--json', 'tagName,isDraft,url'],
    { encoding: 'utf8' },
  );
  if (view.error) throw new ReleaseError(`gh release view ${version}: ${view.error.message}`);
  if (view.status === 0) {
    const found = JSON.parse(view.stdout) as { tagName: string; isDraft: boolean; url: string };
    return { isDraft: found.isDraft, url: found.url };
  }
  if (/release not found/.test(view.stderr)) return undefined;
  throw new ReleaseError(
    `could not read the GitHub release ${version} of ${remote.ghRepository} (gh exited ${view.status}): ` +
      view.stderr.trim(),
  );
}

export interface TagUpdate {
  /** The local ref holding the tag to push. */
  from: string;
  tag: string;
  /** What the remote's tag names now (its object), '' when it must not exist: the push is refused otherwise. */
  expected: string;
}

/** Pushes the tags in one atomic push: all of them or, when any is refused, none. */
export function pushTags(cwd: string, remote: Remote, updates: readonly TagUpdate[]): void {
  if (!updates.length) return;
  run(
    'git',
    [
      'push',
      '--atomic',
      '--porcelain',
      ...updates.map((u) => `--force-with-lease=refs/tags/${u.tag}:${u.expected}`),
      remote.url,
      ...updates.map((u) => `${u.from}:refs/tags/${u.tag}`),
    ],
    cwd,
    remote.env,
  );
}
