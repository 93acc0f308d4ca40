// A repository server standing in for GitHub in the release tests, with no network: a bare repository that git
// reaches at https://ghe.example.test/acme/tslab through url.<base>.insteadOf (so the scripts use the URL they build
// from GITHUB_SERVER_URL, a server that is not github.com), test/release/fake-gh.ts as `gh` for its releases, and a
// maintainer's clone whose commits carry this working tree's release files, with pins and a provider lock file
// computed from stand-in bytes (aws-ready.ts). Runs of release.yml are played by run-job.ts: a push of a tag starts
// one, and a run can be re-run (its failed jobs, or all) with its artifacts kept.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RemoteTag } from '../../scripts/release-plan.ts';
import { remoteTags } from '../../scripts/release-remote.ts';
import { REPO_ROOT, workflow } from '../workflows/workflow-files.ts';
import { refreshed, writePrerequisites, type AwsPrerequisites } from './aws-ready.ts';
import type { ReleaseRecord } from './fake-gh.ts';
import { runJob, type GithubContext, type JobRun } from './run-job.ts';

export const SERVER_URL = 'https://ghe.example.test';
export const REPOSITORY = 'acme/tslab';
export const TOKEN = 'ghs_fakeRunToken0123456789';

/**
 * What the steps of release.yml run from the checkout: the scripts, and the engine's lock check with what it reads
 * (the pins file and the provider lock file are written per commit, see commit()).
 */
const SOURCE_FILES = [
  'package.json',
  '.github/workflows/release.yml',
  'scripts/pins.sh',
  'scripts/release.ts',
  'scripts/release-git.ts',
  'scripts/release-plan.ts',
  'scripts/release-publish.ts',
  'scripts/release-readiness.ts',
  'scripts/release-remote.ts',
  'src/engine/provider-lock.ts',
  'src/engine/provider-lock-file.ts',
  'src/engine/stack-providers.ts',
  'infra/providers/versions.tf.json',
];

export interface WorkflowRun {
  id: number;
  github: GithubContext;
  attempts: { build?: JobRun; release?: JobRun }[];
}

export class ScratchGitHub {
  readonly root = mkdtempSync(join(tmpdir(), 'tslab-release-github-'));
  readonly bare = join(this.root, 'tslab.git');
  readonly ghDir = join(this.root, 'gh');
  private readonly maintainer = join(this.root, 'maintainer');
  private readonly bin = join(this.root, 'bin');
  private runs = 0;

  /** A new server, or a copy of `from`'s repository, maintainer's clone and releases (its runs are not copied). */
  constructor(from?: ScratchGitHub) {
    mkdirSync(this.ghDir);
    mkdirSync(this.bin);
    mkdirSync(join(this.root, 'home'));
    mkdirSync(join(this.root, 'tmp'));
    writeFileSync(
      join(this.root, 'gitconfig'),
      `[url "${this.bare}"]\n\tinsteadOf = ${SERVER_URL}/${REPOSITORY}\n[advice]\n\tdetachedHead = false\n`,
    );
    for (const [name, script] of [
      ['gh', 'fake-gh.ts'],
      ['npm', 'fake-npm.ts'],
    ] as const) {
      const stub = join(this.bin, name);
      writeFileSync(
        stub,
        `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'test', 'release', script)}" "$@"\n`,
      );
      chmodSync(stub, 0o755);
    }
    if (from) {
      cpSync(from.bare, this.bare, { recursive: true });
      cpSync(from.maintainer, this.maintainer, { recursive: true });
      cpSync(from.ghDir, this.ghDir, { recursive: true });
      return;
    }
    this.git(this.root, 'init', '--quiet', '--bare', '--initial-branch=main', this.bare);
    this.git(this.root, 'clone', '--quiet', `${SERVER_URL}/${REPOSITORY}`, this.maintainer);
    this.git(this.maintainer, 'config', 'user.name', 'Maintainer');
    this.git(this.maintainer, 'config', 'user.email', 'maintainer@example.invalid');
  }

  /** The environment of every process: the stand-ins first on PATH, this server's git configuration only. */
  get env(): NodeJS.ProcessEnv {
    return {
      PATH: `${this.bin}:${dirname(process.execPath)}:${process.env['PATH']}`,
      HOME: join(this.root, 'home'),
      // Release trees and the scripts' scratch files stay under this server's directory.
      TMPDIR: join(this.root, 'tmp'),
      GIT_CONFIG_GLOBAL: join(this.root, 'gitconfig'),
      GIT_CONFIG_NOSYSTEM: '1',
      FAKE_GH_DIR: this.ghDir,
      FAKE_GH_REPOSITORY: `${new URL(SERVER_URL).host}/${REPOSITORY}`,
      FAKE_GH_REMOTE: this.bare,
      FAKE_NPM_LOG: join(this.root, 'npm.log'),
    };
  }

  git(cwd: string, ...args: string[]): string {
    const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: this.env });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  }

  /**
   * A maintainer's commit on `branch` (this working tree's release files and one line of CHANGES), pushed. Its pins
   * and provider lock file are as the refresh workflow leaves them, unless `prerequisites` says otherwise (as they are
   * before its first run: notRefreshed()).
   */
  commit(message: string, branch = 'main', prerequisites: AwsPrerequisites = refreshed()): string {
    const exists = this.git(this.maintainer, 'branch', '--list', branch) !== '';
    this.git(this.maintainer, 'checkout', '--quiet', ...(exists ? [branch] : ['-b', branch]));
    for (const file of SOURCE_FILES) {
      const target = join(this.maintainer, file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(REPO_ROOT, file), target);
      chmodSync(target, statSync(join(REPO_ROOT, file)).mode);
    }
    writePrerequisites(this.maintainer, prerequisites);
    const changes = join(this.maintainer, 'CHANGES');
    writeFileSync(changes, `${existsSync(changes) ? readFileSync(changes, 'utf8') : ''}${message}\n`);
    this.git(this.maintainer, 'add', '--all');
    this.git(this.maintainer, 'commit', '--quiet', '-m', message);
    this.git(this.maintainer, 'push', '--quiet', 'origin', branch);
    return this.git(this.maintainer, 'rev-parse', 'HEAD');
  }

  /** Pushes a tag as a maintainer does (annotated unless asked); `created` is what the push event would say. */
  pushTag(
    version: string,
    commit: string,
    how: { force?: boolean; lightweight?: boolean } = {},
  ): { created: boolean } {
    const created = !this.tags().has(version);
    const annotate = how.lightweight ? [] : ['--annotate', '-m', version];
    this.git(this.maintainer, 'tag', '--force', ...annotate, version, commit);
    this.git(
      this.maintainer,
      'push',
      '--quiet',
      ...(how.force ? ['--force'] : []),
      'origin',
      `refs/tags/${version}`,
    );
    return { created };
  }

  /** Removes everything this server wrote. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  deleteTag(version: string): void {
    this.git(this.maintainer, 'push', '--quiet', 'origin', `:refs/tags/${version}`);
  }

  tags(): Map<string, RemoteTag> {
    return remoteTags(this.root, { url: this.bare, ghRepository: '', env: this.env });
  }

  /** The commit a remote tag names, peeled. */
  commitOf(tag: string): string | undefined {
    return this.tags().get(tag)?.commit;
  }

  parentOf(commit: string): string {
    return this.git(this.bare, 'rev-parse', `${commit}^`);
  }

  release(version: string): ReleaseRecord | undefined {
    const file = join(this.ghDir, 'releases', `${version}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ReleaseRecord) : undefined;
  }

  putRelease(record: ReleaseRecord): void {
    mkdirSync(join(this.ghDir, 'releases'), { recursive: true });
    writeFileSync(join(this.ghDir, 'releases', `${record.tagName}.json`), JSON.stringify(record));
  }

  /** Makes `gh release <subcommand>` fail as a server error would, until called again with false. */
  failGh(subcommand: 'view' | 'create', failing: boolean): void {
    const marker = join(this.ghDir, `fail-${subcommand}`);
    if (failing) writeFileSync(marker, '');
    else rmSync(marker, { force: true });
  }

  /** The run a push of `version` on `commit` starts: build, then release if build succeeded. */
  startRun(version: string, commit: string, created: boolean): WorkflowRun {
    const run: WorkflowRun = {
      id: ++this.runs,
      github: {
        ref_name: version,
        sha: commit,
        token: TOKEN,
        server_url: SERVER_URL,
        repository: REPOSITORY,
        event: { created, repository: { default_branch: 'main' } },
      },
      attempts: [],
    };
    return this.rerun(run, 'all');
  }

  /** Tags `commit` and plays the run the push starts. */
  tagAndRelease(version: string, commit: string, how: { lightweight?: boolean } = {}): WorkflowRun {
    return this.startRun(version, commit, this.pushTag(version, commit, how).created);
  }

  /** Re-runs the run's failed jobs (GitHub reuses the successful ones) or all of them, as a new attempt. */
  rerun(run: WorkflowRun, which: 'failed' | 'all'): WorkflowRun {
    const last = run.attempts.at(-1);
    const release = workflow('release.yml');
    const attempt: { build?: JobRun; release?: JobRun } = {};
    const home = (job: string) => join(this.root, 'runs', `${run.id}-${run.attempts.length + 1}-${job}`);
    const context = (job: string) => ({
      github: run.github,
      artifacts: join(this.root, 'artifacts', String(run.id)),
      home: home(job),
      env: this.env,
    });
    mkdirSync(join(this.root, 'artifacts', String(run.id)), { recursive: true });
    const buildAgain = which === 'all' || last?.build?.result !== 'success';
    attempt.build = buildAgain ? runJob(release, 'build', context('build')) : last!.build!;
    if (attempt.build.result === 'success') attempt.release = runJob(release, 'release', context('release'));
    run.attempts.push(attempt);
    return run;
  }
}
