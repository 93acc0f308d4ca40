// A small in-memory GitHub for the REST calls tslab makes: issue comments and deployments with their statuses,
// page-numbered lists like the real API (per_page, page), and a log of every call.
import type { DeploymentState, GitHubApi, IssueComment } from '../../src/github/github-api.ts';

export interface FakeDeployment {
  id: number;
  ref: string;
  environment: string;
  statuses: {
    state: DeploymentState;
    environment_url?: string;
    log_url?: string;
    description?: string;
    auto_inactive?: boolean;
  }[];
}

export interface Call {
  method: string;
  params: Record<string, unknown>;
}

export interface FakeGitHub {
  api: GitHubApi;
  comments: IssueComment[];
  deployments: FakeDeployment[];
  calls: Call[];
  callsTo(method: string): Call[];
  addComment(login: string, body: string, type?: string): IssueComment;
  /** The next createDeployment answers 202 (GitHub started an auto-merge) instead of creating one. */
  answerNextDeploymentWith202(): void;
}

export function createFakeGitHub(options: { owner?: string; repo?: string } = {}): FakeGitHub {
  const owner = options.owner ?? 'octo';
  const repo = options.repo ?? 'tslab';
  const comments: IssueComment[] = [];
  const deployments: FakeDeployment[] = [];
  const calls: Call[] = [];
  let nextId = 1000;
  let next202 = false;

  const record = (method: string, params: Record<string, unknown>) => {
    calls.push({ method, params });
    if (params['owner'] !== owner || params['repo'] !== repo) {
      throw Object.assign(new Error(`Not Found: ${String(params['owner'])}/${String(params['repo'])}`), {
        status: 404,
      });
    }
  };
  const page = <T>(items: T[], params: { per_page: number; page: number }): T[] => {
    if (params.per_page > 100) throw new Error('per_page above 100 is capped by GitHub');
    return items.slice((params.page - 1) * params.per_page, params.page * params.per_page);
  };

  const api: GitHubApi = {
    rest: {
      issues: {
        async listComments(params) {
          record('issues.listComments', params);
          return { data: structuredClone(page(comments, params)) };
        },
        async createComment(params) {
          record('issues.createComment', params);
          const comment: IssueComment = {
            id: nextId++,
            body: params.body,
            user: { login: 'github-actions[bot]', type: 'Bot' },
          };
          comments.push(comment);
          return { data: structuredClone(comment) };
        },
        async updateComment(params) {
          record('issues.updateComment', params);
          const comment = comments.find((c) => c.id === params.comment_id);
          if (!comment) throw Object.assign(new Error('Not Found'), { status: 404 });
          comment.body = params.body;
          return { data: structuredClone(comment) };
        },
      },
      repos: {
        async createDeployment(params) {
          record('repos.createDeployment', params);
          if (next202) {
            next202 = false;
            return { status: 202, data: { message: 'Auto-merged main into topic on deployment.' } };
          }
          const deployment: FakeDeployment = {
            id: nextId++,
            ref: params.ref,
            environment: params.environment,
            statuses: [],
          };
          deployments.push(deployment);
          return { status: 201, data: { id: deployment.id } };
        },
        async createDeploymentStatus(params) {
          record('repos.createDeploymentStatus', params);
          const deployment = deployments.find((d) => d.id === params.deployment_id);
          if (!deployment) throw Object.assign(new Error('Not Found'), { status: 404 });
          const { state, environment_url, log_url, description, auto_inactive } = params;
          // The states the REST API documents for a deployment status; anything else is a 422.
          const documented = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
          if (!documented.includes(String(state)))
            throw Object.assign(new Error(`Validation Failed: state ${String(state)}`), { status: 422 });
          deployment.statuses.push({
            state,
            ...(environment_url === undefined ? {} : { environment_url }),
            ...(log_url === undefined ? {} : { log_url }),
            ...(description === undefined ? {} : { description }),
            ...(auto_inactive === undefined ? {} : { auto_inactive }),
          });
          // GitHub's auto_inactive: a new success retires the environment's other deployments.
          if (state === 'success' && auto_inactive !== false) {
            for (const other of deployments) {
              if (other !== deployment && other.environment === deployment.environment) {
                other.statuses.push({ state: 'inactive' });
              }
            }
          }
          return { data: { id: nextId++, state } };
        },
        async listDeployments(params) {
          record('repos.listDeployments', params);
          // Newest first, like GitHub; sha filters by the deployed commit.
          const matching = deployments
            .filter((d) => d.environment === params.environment)
            .filter((d) => params.sha === undefined || d.ref === params.sha)
            .reverse();
          return { data: page(matching, params).map((d) => ({ id: d.id })) };
        },
      },
    },
  };

  return {
    api,
    comments,
    deployments,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    addComment(login, body, type = login.endsWith('[bot]') ? 'Bot' : 'User') {
      const comment: IssueComment = { id: nextId++, body, user: { login, type } };
      comments.push(comment);
      return comment;
    },
    answerNextDeploymentWith202() {
      next202 = true;
    },
  };
}
