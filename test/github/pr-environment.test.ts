import { getOctokit } from '@actions/github';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { GitHubApi } from '../../src/github/github-api.ts';
import { commentMarker, commentState } from '../../src/github/pr-comment.ts';
import {
  prRunFrom,
  reportClosed,
  reportProvisionEnded,
  reportProvisionStarted,
  reportValidation,
  reportValidationUnfinished,
  type PrRun,
} from '../../src/github/pr-environment.ts';
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

  it('provision start: the previous commit’s ✅ is gone at once, and the run’s deployment is in progress', async () => {
    const gh = createFakeGitHub();
    await reportValidation(
      gh.api,
      { ...run, headSha: 'old0001' },
      'pr-42',
      sampleReport([check('a', 'pass')]),
    );
    const { comment, deploymentId } = await reportProvisionStarted(gh.api, run, 'pr-42');
    expect(comment.action).toBe('updated');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain('provisioning');
    expect(gh.comments[0]!.body).not.toContain('validation passed');
    expect(gh.comments[0]!.body).toContain(`[workflow run](${run.runUrl})`);
    expect(gh.comments[0]!.body).toContain('commit `abcdef123456`');
    const deployment = gh.deployments.find((d) => d.id === deploymentId)!;
    expect(deployment).toMatchObject({ environment: 'pr-42', ref: run.headSha });
    expect(deployment.statuses).toEqual([
      expect.objectContaining({ state: 'in_progress', log_url: run.runUrl, environment_url: run.runUrl }),
    ]);
  });

  it('validation ends the deployment provision opened: one deployment per run', async () => {
    const gh = createFakeGitHub();
    const { deploymentId } = await reportProvisionStarted(gh.api, run, 'pr-42');
    const validated = await reportValidation(
      gh.api,
      run,
      'pr-42',
      sampleReport([check('a', 'pass')]),
      deploymentId,
    );
    expect(validated.deploymentId).toBe(deploymentId);
    expect(gh.deployments).toHaveLength(1);
    expect(gh.deployments[0]!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(gh.comments[0]!.body).toContain('validation passed');
  });

  it.each([
    ['failure', 'provisioning FAILED', 'provision failed'],
    ['cancelled', 'provisioning CANCELLED', 'provision cancelled'],
  ] as const)(
    'provision %s: the comment says so with the run’s link, the run’s deployment ends in failure',
    async (end, headline, description) => {
      const gh = createFakeGitHub();
      await reportValidation(
        gh.api,
        { ...run, headSha: 'old0001' },
        'pr-42',
        sampleReport([check('a', 'pass')]),
      );
      const { deploymentId } = await reportProvisionStarted(gh.api, run, 'pr-42');
      const ended = await reportProvisionEnded(gh.api, run, 'pr-42', end, deploymentId);
      expect(ended.deploymentId).toBe(deploymentId);
      const body = gh.comments[0]!.body!;
      expect(gh.comments).toHaveLength(1);
      expect(body).toContain(headline);
      expect(body).not.toContain('validation passed');
      expect(body).toContain(`[workflow run](${run.runUrl})`);
      expect(body).toMatch(/closing this PR tears it down/);
      const deployment = gh.deployments.find((d) => d.id === deploymentId)!;
      expect(deployment.statuses.at(-1)).toMatchObject({ state: 'failure', log_url: run.runUrl });
      expect(deployment.statuses.at(-1)!.description).toContain(description);
      expect(gh.deployments.filter((d) => d.ref === run.headSha)).toHaveLength(1);
    },
  );

  it('provision lost with its outputs: the newest deployment of the commit is ended, not another one', async () => {
    const gh = createFakeGitHub();
    await reportProvisionStarted(gh.api, { ...run, headSha: 'other' }, 'pr-42');
    const { deploymentId } = await reportProvisionStarted(gh.api, run, 'pr-42');
    await reportProvisionStarted(gh.api, { ...run, headSha: 'other' }, 'pr-42');
    const ended = await reportProvisionEnded(gh.api, run, 'pr-42', 'failure');
    expect(ended.deploymentId).toBe(deploymentId);
    expect(gh.callsTo('repos.listDeployments')[0]!.params).toMatchObject({
      environment: 'pr-42',
      sha: run.headSha,
    });
    expect(gh.deployments.find((d) => d.id === deploymentId)!.statuses.at(-1)!.state).toBe('failure');
    expect(gh.callsTo('repos.createDeployment')).toHaveLength(3);
  });

  it('provision failed before it could open a deployment: a failed one is created for the commit', async () => {
    const gh = createFakeGitHub();
    const { deploymentId } = await reportProvisionEnded(gh.api, run, 'pr-42', 'failure');
    expect(gh.deployments).toEqual([
      expect.objectContaining({ id: deploymentId, ref: run.headSha, environment: 'pr-42' }),
    ]);
    expect(gh.deployments[0]!.statuses.map((s) => s.state)).toEqual(['failure']);
    expect(gh.comments[0]!.body).toContain('provisioning FAILED');
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

describe("the close's last word", () => {
  it('a validation that never reported: the comment stops saying provisioning, the deployment ends in error', async () => {
    const gh = createFakeGitHub();
    const { deploymentId } = await reportProvisionStarted(gh.api, run, 'pr-42');
    const ended = await reportValidationUnfinished(gh.api, run, 'pr-42', 'cancelled', deploymentId);
    expect(ended.comment.action).toBe('updated');
    expect(commentState(gh.comments[0]!.body)).toBe('validation-unfinished');
    expect(gh.comments[0]!.body).toContain('validation did NOT finish');
    expect(gh.comments[0]!.body).not.toContain('provisioning (validation follows)');
    expect(gh.deployments.find((d) => d.id === deploymentId)!.statuses.at(-1)).toMatchObject({
      state: 'error',
      description: 'tslab lab pr-42: validation cancelled',
    });
  });

  it.each([
    [
      'a validation report',
      (gh: ReturnType<typeof createFakeGitHub>, id: number) =>
        reportValidation(gh.api, run, 'pr-42', sampleReport([check('a', 'fail')]), id),
    ],
    [
      'an unfinished validation',
      (gh: ReturnType<typeof createFakeGitHub>, id: number) =>
        reportValidationUnfinished(gh.api, run, 'pr-42', 'failure', id),
    ],
    [
      'a failed provision',
      (gh: ReturnType<typeof createFakeGitHub>, id: number) =>
        reportProvisionEnded(gh.api, run, 'pr-42', 'failure', id),
    ],
  ] as const)('%s landing after the close changes neither the comment nor a deployment', async (_, late) => {
    const gh = createFakeGitHub();
    const { deploymentId } = await reportProvisionStarted(gh.api, run, 'pr-42');
    await reportClosed(gh.api, run, 'pr-42', true);
    const closedBody = gh.comments[0]!.body;
    const statuses = JSON.stringify(gh.deployments.map((d) => d.statuses));

    const report = await late(gh, deploymentId!);
    expect(report.comment.action).toBe('skipped');
    expect(report.deploymentId).toBeUndefined();
    expect(gh.comments[0]!.body).toBe(closedBody);
    expect(commentState(closedBody)).toBe('torn-down');
    expect(JSON.stringify(gh.deployments.map((d) => d.statuses))).toBe(statuses);
  });

  it('a new run after a reopen or the label put back takes the comment back; a push that started before the close does not', async () => {
    for (const eventAction of ['reopened', 'labeled']) {
      const gh = createFakeGitHub();
      await reportClosed(gh.api, run, 'pr-42', true);
      const started = await reportProvisionStarted(gh.api, { ...run, headSha: 'f00d', eventAction }, 'pr-42');
      expect(started.comment.action).toBe('updated');
      expect(started.deploymentId).toBeDefined();
      expect(commentState(gh.comments[0]!.body)).toBe('provisioning');
    }
    const gh = createFakeGitHub();
    await reportClosed(gh.api, run, 'pr-42', true);
    const deployments = gh.deployments.length;
    const late = await reportProvisionStarted(gh.api, { ...run, eventAction: 'synchronize' }, 'pr-42');
    expect(late.comment.action).toBe('skipped');
    expect(late.deploymentId).toBeUndefined();
    expect(gh.deployments).toHaveLength(deployments);
    expect(commentState(gh.comments[0]!.body)).toBe('torn-down');
  });

  it('a comment written before states were marked is updated as before', async () => {
    const gh = createFakeGitHub();
    await reportClosed(gh.api, run, 'pr-42', true);
    gh.comments[0]!.body = gh.comments[0]!.body!.replace(/<!-- tslab:state=[a-z-]+ -->\n/, '');
    expect(commentState(gh.comments[0]!.body)).toBeUndefined();
    const late = await reportValidation(gh.api, run, 'pr-42', sampleReport([check('a', 'pass')]));
    expect(late.comment.action).toBe('updated');
  });
});
