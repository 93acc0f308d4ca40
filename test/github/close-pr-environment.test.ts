// The close-environment job's entry, run as the workflow runs it (node --import tsx), with the real Octokit of
// @actions/github talking to a loopback stand-in for api.github.com (GITHUB_API_URL): proves the request paths,
// paging parameters and bodies the real client sends, not just the fake's.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentMarker } from '../../src/github/pr-comment.ts';
import { REPO_ROOT } from '../workflows/workflow-files.ts';

interface Logged {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

let server: Server;
let url: string;
let requests: Logged[];
let dir: string;
const comments = [
  { id: 1, body: 'hello', user: { login: 'alice', type: 'User' } },
  { id: 2, body: `${commentMarker(42)}\nold`, user: { login: 'github-actions[bot]', type: 'Bot' } },
];
const deployments = [{ id: 501 }, { id: 502 }];

function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve(text ? (JSON.parse(text) as unknown) : undefined);
    });
  });
}

beforeEach(async () => {
  requests = [];
  dir = mkdtempSync(join(tmpdir(), 'tslab-close-'));
  server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const u = new URL(request.url ?? '/', 'http://x');
      requests.push({
        method: request.method ?? 'GET',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        body,
        authorization: request.headers.authorization,
      });
      const send = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      const route = `${request.method} ${u.pathname}`;
      if (route === 'GET /repos/octo/tslab/issues/42/comments') return send(200, comments);
      if (route === 'PATCH /repos/octo/tslab/issues/comments/2') return send(200, { ...comments[1], body });
      if (route === 'POST /repos/octo/tslab/issues/42/comments')
        return send(201, { id: 3, body, user: null });
      if (route === 'GET /repos/octo/tslab/deployments') return send(200, deployments);
      if (/^POST \/repos\/octo\/tslab\/deployments\/\d+\/statuses$/.test(route))
        return send(201, { id: 9, state: 'inactive' });
      return send(404, { message: `no route ${route}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function runEntry(teardownResult: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const eventPath = join(dir, 'event.json');
  writeFileSync(
    eventPath,
    JSON.stringify({ action: 'closed', pull_request: { number: 42, head: { sha: 'abc123' } } }),
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/github/close-pr-environment.ts'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'],
        GITHUB_TOKEN: 'ghs_faketoken',
        GITHUB_API_URL: url,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'octo/tslab',
        GITHUB_RUN_ID: '99',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventPath,
        LAB: 'pr-42',
        TEARDOWN_RESULT: teardownResult,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('close-pr-environment entry', () => {
  it('updates the sticky comment and marks every pr-<n> deployment inactive after a teardown', async () => {
    const { code, stdout, stderr } = await runEntry('success');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('sticky comment updated (id 2)');

    const list = requests.find((r) => r.path === '/repos/octo/tslab/issues/42/comments')!;
    expect(list.query).toMatchObject({ per_page: '100', page: '1' });
    expect(list.authorization).toBe('token ghs_faketoken');
    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect((patch.body as { body: string }).body).toContain('torn down');

    expect(requests.find((r) => r.path === '/repos/octo/tslab/deployments')!.query).toMatchObject({
      environment: 'pr-42',
    });
    const statuses = requests.filter((r) => r.path.endsWith('/statuses'));
    expect(statuses.map((r) => r.path)).toEqual([
      '/repos/octo/tslab/deployments/501/statuses',
      '/repos/octo/tslab/deployments/502/statuses',
    ]);
    expect(statuses.every((r) => (r.body as { state: string }).state === 'inactive')).toBe(true);
  });

  it('after a failed teardown, says so in the comment and touches no deployment', async () => {
    const { code } = await runEntry('failure');
    expect(code).toBe(0);
    expect((requests.find((r) => r.method === 'PATCH')!.body as { body: string }).body).toContain(
      'teardown FAILED',
    );
    expect(requests.some((r) => r.path.includes('/deployments'))).toBe(false);
  });
});
