import { getOctokit } from '@actions/github';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { GitHubApi } from '../../src/github/github-api.ts';
import { commentMarker } from '../../src/github/pr-comment.ts';
import { prRunFrom, reportClosed, reportValidation, type PrRun } from '../../src/github/pr-environment.ts';
import { createFakeGitHub } from './fake-octokit.ts';
import { check, sampleReport } from './sample-report.ts';

const run: PrRun = {
  owner: 'octo',
  repo: 'tslab',
  prNumber: 42,
  headSha: 'abcdef1234567890',
  runUrl: 'https://github.com/octo/tslab/actions/runs/99',
  secrets: ['oauth-secret-value'],
};

describe('PR environment', () => {
  it('after validation: one sticky comment with the table, and a deployment with the run as its URL', async () => {
    const gh = createFakeGitHub();
    const report = sampleReport([
      check('subnet-router.http', 'pass'),
      check('egress.http', 'fail', 'oauth-secret-value'),
    ]);
    const { comment, deploymentId } = await reportValidation(gh.api, run, 'pr-42', report);

    expect(comment.action).toBe('created');
    expect(gh.comments[0]!.body).toContain(commentMarker(42));
    expect(gh.comments[0]!.body).toContain('`egress.http`');
    expect(gh.comments[0]!.body).not.toContain('oauth-secret-value');
    const deployment = gh.deployments.find((d) => d.id === deploymentId)!;
    expect(deployment).toMatchObject({ environment: 'pr-42', ref: 'abcdef1234567890' });
    expect(deployment.statuses[0]).toMatchObject({ state: 'failure', environment_url: run.runUrl });
  });

  it('a second push updates the same comment and retires the previous deployment', async () => {
    const gh = createFakeGitHub();
    await reportValidation(gh.api, run, 'pr-42', sampleReport([check('a', 'pass')]));
    await reportValidation(
      gh.api,
      { ...run, headSha: 'fedcba' },
      'pr-42',
      sampleReport([check('a', 'pass')]),
    );
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain('commit `fedcba`');
    expect(gh.deployments.map((d) => d.statuses.at(-1)!.state)).toEqual(['inactive', 'success']);
  });

  it('on close after teardown: says the lab is gone and deactivates the deployments', async () => {
    const gh = createFakeGitHub();
    await reportValidation(gh.api, run, 'pr-42', sampleReport([check('a', 'pass')]));
    const { comment, deactivated } = await reportClosed(gh.api, run, 'pr-42', true);
    expect(comment.action).toBe('updated');
    expect(gh.comments[0]!.body).toContain('torn down');
    expect(deactivated).toHaveLength(1);
    expect(gh.deployments[0]!.statuses.at(-1)!.state).toBe('inactive');
  });

  it('on close after a failed teardown: says so, and leaves the deployments showing the lab still runs', async () => {
    const gh = createFakeGitHub();
    await reportValidation(gh.api, run, 'pr-42', sampleReport([check('a', 'pass')]));
    const { deactivated } = await reportClosed(gh.api, run, 'pr-42', false);
    expect(gh.comments[0]!.body).toContain('teardown FAILED');
    expect(deactivated).toEqual([]);
    expect(gh.callsTo('repos.listDeployments')).toHaveLength(0);
  });

  it('reads the PR run from the Actions context', () => {
    const context = {
      repo: { owner: 'octo', repo: 'tslab' },
      payload: { pull_request: { number: 42, head: { sha: 'abc' } } },
      serverUrl: 'https://github.com',
      runId: 99,
    };
    expect(prRunFrom(context)).toEqual({
      owner: 'octo',
      repo: 'tslab',
      prNumber: 42,
      headSha: 'abc',
      runUrl: 'https://github.com/octo/tslab/actions/runs/99',
    });
    expect(prRunFrom({ ...context, payload: {} })).toBeUndefined();
    expect(() => prRunFrom({ ...context, payload: { pull_request: { number: 1 } } })).toThrow(/head\.sha/);
  });

  it('works with the real Octokit of @actions/github (the narrow type is what it provides)', () => {
    // The type checker proves it: getOctokit's client is assignable to GitHubApi.
    expectTypeOf(getOctokit).returns.toExtend<GitHubApi>();
  });
});
