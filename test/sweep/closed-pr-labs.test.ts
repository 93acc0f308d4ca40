// Which labs the sweeper takes for a closed pull request's: only a lab its manifest proves to be that PR's
// (pr-<n>, made by a pull_request run of this repository); every look-alike waits for its expiry. And what a sweep
// says when it could not ask GitHub, or could not remove a lab.
import { getOctokit } from '@actions/github';
import { describe, expect, it } from 'vitest';
import type { LabManifest } from '../../src/engine/manifest.ts';
import {
  isRunOfRepository,
  pullRequestLookup,
  repositoryFromEnv,
  type GitHubRepository,
  type PullRequestsApi,
} from '../../src/github/pull-requests.ts';
import { LabConfigError } from '../../src/lab/errors.ts';
import { closedPullRequestLabs, pullRequestOfLab } from '../../src/sweep/closed-pr-labs.ts';
import { describeLeft, outcomeLine, sweepFailure } from '../../src/sweep/report.ts';
import { sweep } from '../../src/sweep/sweep.ts';
import { resolveLab } from '../../src/lab/config.ts';
import { TeardownIncompleteError } from '../../src/targets/aws/incomplete.ts';
import { FakePullRequests, OWNER, REPO, TOKEN } from './fake-pull-requests.ts';

// Compile-time: @actions/github's Octokit is a PullRequestsApi (tsc checks this file).
const octokitFits: PullRequestsApi = getOctokit('x');
void octokitFits;

const now = new Date('2026-06-01T12:00:00Z');
const repository: GitHubRepository = { owner: OWNER, repo: REPO, serverUrl: 'https://github.com' };
const RUN = `https://github.com/${OWNER}/${REPO}/actions/runs/123`;

function manifest(lab: string, overrides: Partial<LabManifest> = {}): LabManifest {
  return {
    schema: 1,
    lab,
    slot: 1,
    region: 'us-east-1',
    routes: [],
    createdAt: '2026-06-01T00:00:00Z',
    expiresAt: '2026-06-02T00:00:00Z',
    owner: 'octo-cat',
    trigger: 'pull_request',
    runUrl: RUN,
    stacks: {},
    ...overrides,
  };
}

function source(fake: FakePullRequests) {
  return { repository, lookup: pullRequestLookup(fake.api, repository, TOKEN) };
}

describe('a pull request lab', () => {
  it('is one only when id, trigger and run URL all prove it', () => {
    expect(pullRequestOfLab(manifest('pr-7'), repository)).toBe(7);
    // GitHub names compare without regard to case.
    expect(
      pullRequestOfLab(
        manifest('pr-7', { runUrl: 'https://github.com/ACME/TSLab/actions/runs/9' }),
        repository,
      ),
    ).toBe(7);
    const notPrLabs: [string, LabManifest][] = [
      ['a look-alike id', manifest('pr-12x')],
      ['a zero-padded id', manifest('pr-07')],
      ['a prefix only', manifest('pr-')],
      ['another prefix', manifest('xpr-7')],
      ['made by workflow_dispatch', manifest('pr-7', { trigger: 'workflow_dispatch' })],
      ['made by pull_request_target', manifest('pr-7', { trigger: 'pull_request_target' })],
      ['made by hand', manifest('pr-7', { trigger: 'manual' })],
      ['without a run URL', manifest('pr-7', { runUrl: undefined as unknown as string })],
      ['of another repository', manifest('pr-7', { runUrl: 'https://github.com/acme/other/actions/runs/1' })],
      ['of another owner', manifest('pr-7', { runUrl: 'https://github.com/evil/tslab/actions/runs/1' })],
      [
        'of another server',
        manifest('pr-7', { runUrl: 'https://ghe.example.com/acme/tslab/actions/runs/1' }),
      ],
      ['with a run URL that is no run', manifest('pr-7', { runUrl: 'https://github.com/acme/tslab/pull/7' })],
      ['with a garbled run URL', manifest('pr-7', { runUrl: 'not a url' })],
    ];
    for (const [why, m] of notPrLabs) expect(pullRequestOfLab(m, repository), why).toBeUndefined();
    expect(isRunOfRepository(`${RUN}?x=1`, repository)).toBe(false);
    expect(isRunOfRepository(`${RUN}/extra`, repository)).toBe(false);
  });

  it('is swept when its pull request is closed or merged, and kept while it is open', async () => {
    const fake = new FakePullRequests({ 7: 'closed', 8: 'merged', 9: 'open' });
    const scan = await closedPullRequestLabs(
      [manifest('pr-7'), manifest('pr-8'), manifest('pr-9')],
      source(fake),
      now,
    );
    expect(scan.labs.map((l) => [l.lab, l.reason])).toEqual([
      ['pr-7', 'pull request #7 closed'],
      ['pr-8', 'pull request #8 merged'],
    ]);
    expect(scan).toMatchObject({ checked: true, notes: [] });
  });

  it('never asks about a look-alike, nor about a lab that goes anyway because it expired', async () => {
    const fake = new FakePullRequests({ 7: 'closed', 12: 'closed' });
    const scan = await closedPullRequestLabs(
      [
        manifest('pr-12x'),
        manifest('pr-7', { trigger: 'workflow_dispatch' }),
        manifest('pr-7', { runUrl: 'https://github.com/other/tslab/actions/runs/1' }),
        manifest('pr-12', { expiresAt: '2026-06-01T11:00:00Z' }),
      ],
      source(fake),
      now,
    );
    expect(scan.labs).toEqual([]);
    expect(fake.asked).toEqual([]);
  });

  it('keeps a lab whose pull request cannot be found, and says so', async () => {
    const fake = new FakePullRequests({ 8: 'closed' });
    const scan = await closedPullRequestLabs([manifest('pr-7'), manifest('pr-8')], source(fake), now);
    expect(scan.labs.map((l) => l.lab)).toEqual(['pr-8']);
    expect(scan.checked).toBe(false);
    expect(scan.notes).toEqual([expect.stringMatching(/^lab pr-7 kept: .*pulls\/7: Not Found/)]);
  });

  it('stops asking, and says the token lacks pull-requests: read, on a 403', async () => {
    const fake = new FakePullRequests({ 7: 'closed', 8: 'closed' });
    fake.forbidden = true;
    const scan = await closedPullRequestLabs([manifest('pr-7'), manifest('pr-8')], source(fake), now);
    expect(scan.labs).toEqual([]);
    expect(fake.asked).toEqual([7]);
    expect(scan.notes).toEqual([
      expect.stringMatching(/not checked: .*acme\/tslab \(HTTP 403; it needs pull-requests: read\)/),
    ]);
  });

  it('says clearly that closed pull requests were not checked without a token', async () => {
    const scan = await closedPullRequestLabs(
      [manifest('pr-7')],
      { unavailable: 'GITHUB_TOKEN is not set' },
      now,
    );
    expect(scan).toEqual({
      labs: [],
      checked: false,
      notes: ['labs of closed pull requests were not checked: GITHUB_TOKEN is not set'],
    });
  });

  it('never puts the token in an error message', async () => {
    const api: PullRequestsApi = {
      rest: {
        pulls: {
          get: async () => {
            throw Object.assign(new Error(`request with token ${TOKEN} failed`), { status: 500 });
          },
        },
      },
    };
    const error = await pullRequestLookup(api, repository, TOKEN)(7).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain(TOKEN);
    expect((error as Error).message).toContain('token *** failed');
  });
});

describe('the repository of the run', () => {
  it('comes from GITHUB_REPOSITORY and GITHUB_SERVER_URL; bad values are named before any call', () => {
    expect(repositoryFromEnv({})).toBeUndefined();
    expect(repositoryFromEnv({ GITHUB_REPOSITORY: 'acme/tslab' })).toEqual(repository);
    expect(
      repositoryFromEnv({ GITHUB_REPOSITORY: 'acme/tslab', GITHUB_SERVER_URL: 'https://ghe.example.com/' }),
    ).toMatchObject({ serverUrl: 'https://ghe.example.com' });
    for (const [variable, env] of [
      ['GITHUB_REPOSITORY', { GITHUB_REPOSITORY: 'acme' }],
      ['GITHUB_REPOSITORY', { GITHUB_REPOSITORY: 'acme/tslab/x' }],
      ['GITHUB_REPOSITORY', { GITHUB_REPOSITORY: 'ac me/tslab' }],
      ['GITHUB_SERVER_URL', { GITHUB_REPOSITORY: 'acme/tslab', GITHUB_SERVER_URL: 'github.com' }],
    ] as const) {
      const error = (() => {
        try {
          repositoryFromEnv(env);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(LabConfigError);
      expect((error as LabConfigError).issues[0]).toMatchObject({ field: variable });
    }
  });
});

describe('a sweep that cannot remove a lab', () => {
  const lab = resolveLab({ lab: 'old', region: 'us-east-1', stateBucket: 'tslab-state' });
  const left = {
    stacks: ['cluster (failed)', 'network (applied)'],
    leftovers: ['eni eni-1'],
    tailnetDevices: ['tslab-old-operator'],
    tagged: ['arn:aws:ec2:us-east-1:1:vpc/vpc-1'],
  };

  it('fails naming each lab, what is left and why; overdue labs first', async () => {
    const outcomes = await sweep(
      [
        {
          lab: 'pr-7',
          expiresAt: '2026-06-02T00:00:00Z',
          foundIn: ['manifest'],
          reason: 'pull request #7 closed',
        },
        { lab: 'old', expiresAt: '2026-06-01T06:00:00Z', foundIn: ['manifest', 'tags'] },
        { lab: 'fine', expiresAt: '2026-06-01T06:00:00Z', foundIn: ['tags'] },
      ],
      {
        dryRun: false,
        concurrency: 1,
        now,
        teardown: async (l) => {
          if (l.lab === 'old')
            throw new TeardownIncompleteError(lab, new Error('DependencyViolation: vpc-1\nmore'), left);
          if (l.lab === 'pr-7') throw new Error('lab pr-7 is busy: a teardown holds its run lock');
        },
      },
    );
    expect(outcomes.map((o) => [o.lab, o.result, o.overdue])).toEqual([
      ['pr-7', 'failed', false],
      ['old', 'failed', true],
      ['fine', 'removed', undefined],
    ]);
    expect(outcomes[1]).toMatchObject({ why: 'DependencyViolation: vpc-1', left });
    const failure = sweepFailure(outcomes)!;
    expect(failure.split('\n')).toEqual([
      '2 lab(s) could not be removed, 1 of them past their expiry (old): they keep costing money until someone acts',
      '- old (expired 2026-06-01T06:00:00Z): DependencyViolation: vpc-1',
      `  left: ${describeLeft(left)}`,
      '- pr-7 (pull request #7 closed; expires 2026-06-02T00:00:00Z): lab pr-7 is busy: a teardown holds its run lock',
      '  left: unknown (the teardown did not say)',
    ]);
    expect(describeLeft(left)).toBe(
      'stacks with resources: cluster (failed), network (applied); resources blocking the VPC: eni eni-1; ' +
        'tailnet devices: tslab-old-operator; tagged AWS resources: arn:aws:ec2:us-east-1:1:vpc/vpc-1',
    );
    expect(outcomeLine(outcomes[1]!)).toBe(
      `failed       old (expired; expires 2026-06-01T06:00:00Z): DependencyViolation: vpc-1 — left: ${describeLeft(left)}`,
    );
    expect(sweepFailure(outcomes.slice(2))).toBeUndefined();
  });
});
