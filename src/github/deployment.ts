// A pull request's lab as a GitHub deployment: environment pr-<n>, its URL the workflow run. One deployment per run:
// provision opens it in_progress, validation (or the report of a failed provision) ends it success or failure, and a
// validation that never reported ends it in error; when the PR closes, every deployment of that environment is marked
// inactive.
import { eachPage, PAGE_SIZE, type GitHubApi, type RepoRef } from './github-api.ts';

export function prEnvironment(prNumber: number): string {
  return `pr-${prNumber}`;
}

export interface DeploymentRecord extends RepoRef {
  /** The commit deployed (the PR head). */
  ref: string;
  environment: string;
  state: 'in_progress' | 'success' | 'failure' | 'error';
  environmentUrl: string;
  logUrl?: string;
  description: string;
  /** Add the status to this deployment (the one provision opened) instead of creating a new one. */
  deploymentId?: number;
}

export async function recordDeployment(
  api: GitHubApi,
  record: DeploymentRecord,
): Promise<{ deploymentId: number }> {
  const repo = { owner: record.owner, repo: record.repo };
  const deploymentId = record.deploymentId ?? (await createDeployment(api, record));
  await api.rest.repos.createDeploymentStatus({
    ...repo,
    deployment_id: deploymentId,
    state: record.state,
    description: record.description.slice(0, 140),
    environment_url: record.environmentUrl,
    ...(record.logUrl ? { log_url: record.logUrl } : {}),
    // A new successful deployment retires the environment's earlier ones.
    auto_inactive: true,
  });
  return { deploymentId };
}

async function createDeployment(api: GitHubApi, record: DeploymentRecord): Promise<number> {
  const repo = { owner: record.owner, repo: record.repo };
  const created = await api.rest.repos.createDeployment({
    ...repo,
    ref: record.ref,
    environment: record.environment,
    description: record.description,
    // GitHub would otherwise merge the base branch into the ref first, and refuse while any check is pending
    // (this job is one of them).
    auto_merge: false,
    required_contexts: [],
    transient_environment: true,
    production_environment: false,
  });
  const deploymentId = created.data.id;
  if (deploymentId === undefined) {
    // 202: GitHub started an auto-merge instead of creating the deployment.
    throw new Error(
      `GitHub did not create a deployment for ${record.environment} (HTTP ${created.status}): ${created.data.message ?? 'no message'}`,
    );
  }
  return deploymentId;
}

/**
 * The newest deployment of the environment for a commit, if any: the one a provision opened when its id could not be
 * handed on (its runner was lost before the job's outputs were saved).
 */
export async function latestDeployment(
  api: GitHubApi,
  target: RepoRef & { environment: string; sha: string },
): Promise<number | undefined> {
  // GitHub lists deployments newest first.
  const { data } = await api.rest.repos.listDeployments({
    owner: target.owner,
    repo: target.repo,
    environment: target.environment,
    sha: target.sha,
    per_page: 1,
    page: 1,
  });
  return data[0]?.id;
}

/** Marks every deployment of the environment inactive; returns their ids. Idempotent. */
export async function deactivateEnvironment(
  api: GitHubApi,
  target: RepoRef & { environment: string; description?: string },
): Promise<number[]> {
  const repo = { owner: target.owner, repo: target.repo };
  const ids: number[] = [];
  await eachPage(
    (page) =>
      api.rest.repos.listDeployments({ ...repo, environment: target.environment, per_page: PAGE_SIZE, page }),
    (deployments) => {
      ids.push(...deployments.map((d) => d.id));
    },
  );
  for (const id of ids) {
    await api.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: id,
      state: 'inactive',
      description: (target.description ?? 'lab torn down').slice(0, 140),
    });
  }
  return ids;
}
