// The provision-report job's entry, run as the workflow runs it (node --import tsx), with the real Octokit of
// @actions/github talking to a loopback stand-in for api.github.com (GITHUB_API_URL): after a failed, cancelled or
// lost provision the sticky comment says so with the run's link, and the run's deployment ends in failure.
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
  body: Record<string, unknown> | undefined;
}

const RUN_URL = 'https://github.com/octo/tslab/actions/runs/99';
let server: Server;
let url: string;
let requests: Logged[];
let dir: string;
/** Deployments of pr-42 GitHub holds for the commit, newest first. */
let deploymentsOfCommit: { id: number }[];

function readBody(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve(text ? (JSON.parse(text) as Record<string, unknown>) : undefined);
    });
  });
}

beforeEach(async () => {
  requests = [];
  deploymentsOfCommit = [];
  dir = mkdtempSync(join(tmpdir(), 'tslab-report-provision-'));
  const sticky = {
    id: 2,
    body: `${commentMarker(42)}\n### tslab lab \`pr-42\`: ✅ lab up, validation passed`,
    user: { login: 'github-actions[bot]', type: 'Bot' },
  };
  server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const u = new URL(request.url ?? '/', 'http://x');
      requests.push({
        method: request.method ?? 'GET',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        body,
      });
      const send = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      const route = `${request.method} ${u.pathname}`;
      if (route === 'GET /repos/octo/tslab/issues/42/comments') return send(200, [sticky]);
      if (route === 'PATCH /repos/octo/tslab/issues/comments/2') return send(200, { ...sticky, ...body });
      if (route === 'GET /repos/octo/tslab/deployments') return send(200, deploymentsOfCommit);
      if (route === 'POST /repos/octo/tslab/deployments') return send(201, { id: 900 });
      if (/^POST \/repos\/octo\/tslab\/deployments\/\d+\/statuses$/.test(route))
        return send(201, { id: 9, state: body?.['state'] });
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

function runEntry(env: {
  PROVISION_RESULT: string;
  DEPLOYMENT_ID?: string;
}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const eventPath = join(dir, 'event.json');
  writeFileSync(
    eventPath,
    JSON.stringify({ action: 'synchronize', pull_request: { number: 42, head: { sha: 'abc123' } } }),
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/github/report-provision.ts'], {
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
        DEPLOYMENT_ID: '',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const patchedBody = () => String(requests.find((r) => r.method === 'PATCH')?.body?.['body'] ?? '');
const statusPosts = () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/statuses'));

describe('report-provision entry', () => {
  it('a failed provision: the comment says FAILED with the run link, its deployment ends in failure', async () => {
    const { code, stdout, stderr } = await runEntry({ PROVISION_RESULT: 'failure', DEPLOYMENT_ID: '501' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('sticky comment updated (id 2)');
    expect(patchedBody()).toContain('provisioning FAILED');
    expect(patchedBody()).not.toContain('validation passed');
    expect(patchedBody()).toContain(`[workflow run](${RUN_URL})`);
    expect(statusPosts().map((r) => r.path)).toEqual(['/repos/octo/tslab/deployments/501/statuses']);
    expect(statusPosts()[0]!.body).toMatchObject({ state: 'failure', log_url: RUN_URL });
    expect(requests.some((r) => r.path === '/repos/octo/tslab/deployments')).toBe(false);
  });

  it('a cancelled provision whose outputs were lost: the commit’s newest deployment ends in failure', async () => {
    deploymentsOfCommit = [{ id: 612 }];
    const { code } = await runEntry({ PROVISION_RESULT: 'cancelled' });
    expect(code).toBe(0);
    expect(patchedBody()).toContain('provisioning CANCELLED');
    const list = requests.find((r) => r.method === 'GET' && r.path === '/repos/octo/tslab/deployments')!;
    expect(list.query).toMatchObject({ environment: 'pr-42', sha: 'abc123' });
    expect(statusPosts().map((r) => r.path)).toEqual(['/repos/octo/tslab/deployments/612/statuses']);
    expect(statusPosts()[0]!.body).toMatchObject({ state: 'failure' });
  });

  it('a provision that never opened a deployment: a failed one is created for the commit', async () => {
    const { code } = await runEntry({ PROVISION_RESULT: 'failure' });
    expect(code).toBe(0);
    const created = requests.find((r) => r.method === 'POST' && r.path === '/repos/octo/tslab/deployments')!;
    expect(created.body).toMatchObject({ ref: 'abc123', environment: 'pr-42', auto_merge: false });
    expect(statusPosts().map((r) => r.path)).toEqual(['/repos/octo/tslab/deployments/900/statuses']);
  });

  it('refuses to report a provision that succeeded, and writes nothing', async () => {
    const { code, stdout } = await runEntry({ PROVISION_RESULT: 'success', DEPLOYMENT_ID: '501' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^::error title=tslab::.*PROVISION_RESULT is 'success'/m);
    expect(requests).toEqual([]);
  });
});
