import { describe, expect, it } from 'vitest';
import { deactivateEnvironment, prEnvironment, recordDeployment } from '../../src/github/deployment.ts';
import { createFakeGitHub } from './fake-octokit.ts';

const repo = { owner: 'octo', repo: 'tslab' };
const runUrl = 'https://github.com/octo/tslab/actions/runs/99';

function record(state: 'success' | 'failure') {
  return {
    ...repo,
    ref: 'abcdef1234567890',
    environment: prEnvironment(42),
    state,
    environmentUrl: runUrl,
    logUrl: runUrl,
    description: `tslab lab pr-42: validation ${state === 'success' ? 'passed' : 'failed'}`,
  };
}

describe('PR deployment', () => {
  it('lives in environment pr-<n>', () => {
    expect(prEnvironment(42)).toBe('pr-42');
  });

  it('is created for the PR head in pr-<n>, transient, not production, without merging or waiting for checks', async () => {
    const gh = createFakeGitHub();
    const { deploymentId } = await recordDeployment(gh.api, record('success'));
    expect(gh.callsTo('repos.createDeployment')[0]!.params).toMatchObject({
      ref: 'abcdef1234567890',
      environment: 'pr-42',
      auto_merge: false,
      required_contexts: [],
      transient_environment: true,
      production_environment: false,
    });
    expect(gh.deployments.find((d) => d.id === deploymentId)!.statuses).toEqual([
      {
        state: 'success',
        environment_url: runUrl,
        log_url: runUrl,
        description: 'tslab lab pr-42: validation passed',
        auto_inactive: true,
      },
    ]);
  });

  it('records a failed validation as a failure status', async () => {
    const gh = createFakeGitHub();
    const { deploymentId } = await recordDeployment(gh.api, record('failure'));
    expect(gh.deployments.find((d) => d.id === deploymentId)!.statuses.map((s) => s.state)).toEqual([
      'failure',
    ]);
  });

  it('says why when GitHub answers 202 instead of creating the deployment', async () => {
    const gh = createFakeGitHub();
    gh.answerNextDeploymentWith202();
    await expect(recordDeployment(gh.api, record('success'))).rejects.toThrow(
      /did not create a deployment for pr-42 \(HTTP 202\): Auto-merged/,
    );
    expect(gh.callsTo('repos.createDeploymentStatus')).toHaveLength(0);
  });

  it('marks every deployment of the environment inactive on close, across pages, and only that environment', async () => {
    const gh = createFakeGitHub();
    for (let i = 0; i < 130; i++) await recordDeployment(gh.api, record(i % 2 ? 'success' : 'failure'));
    const other = await recordDeployment(gh.api, { ...record('success'), environment: 'pr-7' });

    const ids = await deactivateEnvironment(gh.api, { ...repo, environment: 'pr-42' });
    expect(ids).toHaveLength(130);
    expect(gh.callsTo('repos.listDeployments').map((c) => c.params['page'])).toEqual([1, 2]);
    for (const deployment of gh.deployments.filter((d) => d.environment === 'pr-42')) {
      expect(deployment.statuses.at(-1)!.state).toBe('inactive');
    }
    expect(gh.deployments.find((d) => d.id === other.deploymentId)!.statuses.at(-1)!.state).toBe('success');
  });

  it('deactivating an environment with no deployments is a no-op', async () => {
    const gh = createFakeGitHub();
    expect(await deactivateEnvironment(gh.api, { ...repo, environment: 'pr-9' })).toEqual([]);
    expect(gh.callsTo('repos.createDeploymentStatus')).toHaveLength(0);
  });
});
