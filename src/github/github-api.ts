// The few GitHub REST calls tslab makes, as a narrow structural type. The Octokit of @actions/github's getOctokit
// satisfies it (test/github/pr-environment.test.ts asserts it with expectTypeOf, which tsc checks), and tests pass a
// small recording fake.
import type { getOctokit } from '@actions/github';

export type Octokit = ReturnType<typeof getOctokit>;

// Type aliases, not interfaces, for request parameters: only aliases get the implicit index signature Octokit's
// RequestParameters ({ [name: string]: unknown }) asks for.
export type RepoRef = {
  owner: string;
  repo: string;
};

export interface IssueComment {
  id: number;
  body?: string | undefined;
  user: { login: string; type?: string } | null;
  html_url?: string;
}

export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface GitHubApi {
  rest: {
    issues: {
      listComments(
        params: RepoRef & { issue_number: number; per_page: number; page: number },
      ): Promise<{ data: IssueComment[] }>;
      createComment(
        params: RepoRef & { issue_number: number; body: string },
      ): Promise<{ data: IssueComment }>;
      updateComment(params: RepoRef & { comment_id: number; body: string }): Promise<{ data: IssueComment }>;
    };
    repos: {
      createDeployment(
        params: RepoRef & {
          ref: string;
          environment: string;
          description: string;
          auto_merge: boolean;
          required_contexts: string[];
          transient_environment: boolean;
          production_environment: boolean;
        },
      ): Promise<{ status: number; data: { id?: number; message?: string } }>;
      createDeploymentStatus(
        params: RepoRef & {
          deployment_id: number;
          state: DeploymentState;
          description?: string;
          environment_url?: string;
          log_url?: string;
          auto_inactive?: boolean;
        },
      ): Promise<{ data: { id: number; state: string } }>;
      listDeployments(
        params: RepoRef & { environment: string; sha?: string; per_page: number; page: number },
      ): Promise<{ data: { id: number }[] }>;
    };
  };
}

/** GitHub's largest page; fewer items than this on a page means it was the last one. */
export const PAGE_SIZE = 100;

/** Walks a page-numbered list until a short page; stops early when `visit` returns true (found). */
export async function eachPage<T>(
  fetchPage: (page: number) => Promise<{ data: T[] }>,
  visit: (items: T[]) => boolean | void,
  maxPages = 50,
): Promise<void> {
  for (let page = 1; page <= maxPages; page++) {
    const { data } = await fetchPage(page);
    if (visit(data) === true || data.length < PAGE_SIZE) return;
  }
  throw new Error(`more than ${maxPages * PAGE_SIZE} items: giving up paging`);
}
