// Pull requests of one repository as GitHub's "Get a pull request" answers them: in memory (the PullRequestsApi the
// sweeper takes) and over HTTP on a loopback port (for the action and the CLI, which make their own Octokit from
// GITHUB_API_URL). Unknown numbers answer 404; a token other than the accepted one answers 401; `forbidden` 403.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PullRequestsApi, PullRequestState } from '../../src/github/pull-requests.ts';

export const OWNER = 'acme';
export const REPO = 'tslab';
export const TOKEN = 'ghs_FAKEtoken0123456789';

export class FakePullRequests {
  readonly states = new Map<number, PullRequestState>();
  /** Every PR number asked about, in order (in memory and over HTTP). */
  readonly asked: number[] = [];
  /** Every Authorization header the HTTP fake received. */
  readonly authorizations: string[] = [];
  forbidden = false;
  private server: Server | undefined;

  constructor(states: Record<number, 'open' | 'closed' | 'merged'> = {}) {
    for (const [n, s] of Object.entries(states)) this.set(Number(n), s);
  }

  set(prNumber: number, state: 'open' | 'closed' | 'merged'): void {
    this.states.set(prNumber, { state: state === 'open' ? 'open' : 'closed', merged: state === 'merged' });
  }

  /** The answer to GET /repos/{owner}/{repo}/pulls/{n}: status and body. */
  answer(owner: string, repo: string, prNumber: number): { status: number; body: Record<string, unknown> } {
    this.asked.push(prNumber);
    if (this.forbidden) return { status: 403, body: { message: 'Resource not accessible by integration' } };
    const pr = owner === OWNER && repo === REPO ? this.states.get(prNumber) : undefined;
    if (!pr) return { status: 404, body: { message: 'Not Found' } };
    return {
      status: 200,
      body: {
        number: prNumber,
        state: pr.state,
        merged: pr.merged,
        merged_at: pr.merged ? '2026-06-01T10:00:00Z' : null,
      },
    };
  }

  readonly api: PullRequestsApi = {
    rest: {
      pulls: {
        get: async ({ owner, repo, pull_number }) => {
          const { status, body } = this.answer(owner, repo, pull_number);
          if (status !== 200)
            throw Object.assign(new Error(`${String(body['message'])} - https://docs.github.com/rest`), {
              status,
            });
          return { data: body as { number: number; state: string; merged: boolean } };
        },
      },
    },
  };

  /** Serves the API on 127.0.0.1; returns its base URL (for GITHUB_API_URL). */
  async serve(): Promise<string> {
    this.server = createServer((request, response) => {
      const auth = request.headers.authorization ?? '';
      this.authorizations.push(auth);
      const match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(request.url ?? '');
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'GET' || !match) return send(404, { message: 'Not Found' });
      if (auth !== `token ${TOKEN}`) return send(401, { message: 'Bad credentials' });
      const { status, body } = this.answer(match[1]!, match[2]!, Number(match[3]));
      send(status, body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
