// tslab's Tailscale API client with a federated identity (docs/design/workload-identity.md §1): it gets an OIDC token
// (the job's GitHub token through @actions/core, or TAILSCALE_IDENTITY_TOKEN), exchanges it at
// POST /api/v2/oauth/token-exchange for an access token, sends that as a bearer token and keeps it until shortly before
// it expires. Failures name the federated identity, never the token.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tailscaleApiFor } from '../../src/targets/aws/default-dependencies.ts';
import {
  TailscaleApiError,
  createTailscaleApiClient,
  type TailscaleApiOptions,
} from '../../src/clients/tailscale/api-client.ts';
import {
  IDENTITY_TOKEN_ENV,
  identityTokenFromEnvironment,
  type IdentityTokenSource,
} from '../../src/clients/tailscale/identity-token.ts';
import { startFakeGithubOidc, type FakeGithubOidc } from '../fakes/github-oidc.ts';
import { startFakeTailscaleApi, type FakeTailscaleApi } from '../fakes/tailscale-api.ts';

const CLIENT_ID = 'kFEDCI7001';
const AUDIENCE = 'api.tailscale.com/fed-aud-7001';
const EXCHANGE = '/api/v2/oauth/token-exchange';

let api: FakeTailscaleApi;
let github: FakeGithubOidc;
let stdout: string[];
let restoreStdout: () => void;
const savedEnv = { ...process.env };

beforeEach(async () => {
  github = await startFakeGithubOidc();
  api = await startFakeTailscaleApi({
    tailnet: 'example.com',
    federatedIdentity: { clientId: CLIENT_ID, jwt: github.jwtFor(AUDIENCE) },
  });
  // @actions/core reads the runner's variables from process.env, and masks on stdout.
  Object.assign(process.env, github.env());
  delete process.env[IDENTITY_TOKEN_ENV];
  stdout = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  restoreStdout = () => {
    process.stdout.write = write;
  };
});
afterEach(async () => {
  restoreStdout();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  await Promise.all([api.close(), github.close()]);
});

function federatedClient(overrides: Partial<TailscaleApiOptions> = {}, identityToken?: IdentityTokenSource) {
  return tailscaleApiFor(
    { id: CLIENT_ID, audience: AUDIENCE },
    {
      baseUrl: api.url,
      retry: { maxAttempts: 3, baseMs: 1, sleep: async () => {} },
      ...overrides,
      ...(identityToken ? { identityToken } : {}),
    },
  );
}

describe('Tailscale API client with a federated identity', () => {
  it("exchanges the job's GitHub OIDC token (its audience) and calls the API with the access token", async () => {
    await federatedClient().listDevices();

    expect(github.requests).toEqual([
      { audience: AUDIENCE, authorization: `Bearer ${github.requestToken}`, status: 200 },
    ]);
    const [exchange, list] = api.requests;
    expect(exchange).toMatchObject({ method: 'POST', path: EXCHANGE, status: 200, authorization: undefined });
    expect(exchange!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(exchange!.body);
    expect([...form.keys()].sort()).toEqual(['client_id', 'jwt']);
    expect(form.get('client_id')).toBe(CLIENT_ID);
    expect(form.get('jwt')).toBe(github.jwtFor(AUDIENCE));
    expect(list).toMatchObject({ path: '/api/v2/tailnet/-/devices', status: 200 });
    expect(list!.authorization).toMatch(/^Bearer tskey-api-fake1-/);
    expect(api.requests.some((r) => r.path === '/api/v2/oauth/token')).toBe(false);
    expect(api.exchangesIssued()).toBe(1);
  });

  it('masks the GitHub token on the runner before it is sent', async () => {
    await federatedClient().listDevices();
    expect(stdout).toContain(`::add-mask::${github.jwtFor(AUDIENCE)}\n`);
  });

  it('keeps the access token until shortly before expires_in, then exchanges a freshly fetched token', async () => {
    await api.close();
    api = await startFakeTailscaleApi({
      tokenLifetimeSeconds: 600,
      federatedIdentity: { clientId: CLIENT_ID, jwt: github.jwtFor(AUDIENCE) },
    });
    let now = Date.parse('2026-11-27T10:00:00Z');
    const client = federatedClient({ now: () => now });
    await client.listDevices();
    await Promise.all([client.getSplitDns(), client.listDevices()]);
    now += 530_000; // before expires_in minus the one-minute margin
    await client.listDevices();
    expect(api.exchangesIssued()).toBe(1);
    expect(github.requests).toHaveLength(1);

    now += 15_000; // past 600 s - 60 s
    await client.listDevices();
    expect(api.exchangesIssued()).toBe(2);
    expect(github.requests).toHaveLength(2);
    const bearers = new Set(api.requests.filter((r) => r.authorization).map((r) => r.authorization));
    expect(bearers.size).toBe(2);
  });

  it('exchanges again after the API revokes the token (401)', async () => {
    const client = federatedClient();
    await client.listDevices();
    api.revokeTokens();
    await expect(client.listDevices()).rejects.toMatchObject({ status: 401 });
    await client.listDevices();
    expect(api.exchangesIssued()).toBe(2);
  });

  it('a refused exchange names the federated identity and the endpoint, never the token', async () => {
    // Trusts another audience's token: ours is refused.
    api.federatedIdentity = { clientId: CLIENT_ID, jwt: github.jwtFor('some-other-audience') };
    const error = await federatedClient()
      .listDevices()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TailscaleApiError);
    expect(error).toMatchObject({ status: 401, path: EXCHANGE, method: 'POST' });
    const message = (error as Error).message;
    expect(message).toContain(`federated identity ${CLIENT_ID}`);
    expect(message).not.toContain(github.jwtFor(AUDIENCE));
    expect(message).not.toContain(AUDIENCE);
    // Refused, not transient: asked once.
    expect(api.requests.filter((r) => r.path === EXCHANGE)).toHaveLength(1);
  });

  it('blanks the token out of an error body that echoes it', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJlY2hvIn0.echoedSignatureZZ9';
    const echo = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: `bad token ${new URLSearchParams(body).get('jwt')}` }));
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = echo.address() as AddressInfo;
      const error = await federatedClient({ baseUrl: `http://127.0.0.1:${port}` }, async () => jwt)
        .listDevices()
        .catch((e: unknown) => e);
      expect((error as Error).message).toContain('bad token [redacted]');
      expect((error as Error).message).not.toContain(jwt);
      expect((error as Error).message).toContain(CLIENT_ID);
    } finally {
      echo.closeAllConnections();
      echo.close();
    }
  });

  it('without id-token permission (no runner OIDC variables) says what to set, before any API call', async () => {
    delete process.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
    delete process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
    const error = (await federatedClient()
      .listDevices()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`federated identity ${CLIENT_ID}`);
    expect(error.message).toContain('id-token: write');
    expect(error.message).toContain(IDENTITY_TOKEN_ENV);
    expect(api.requests).toEqual([]);
  });

  it("a refused GitHub token request names the identity, not the runner's request token", async () => {
    process.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] = 'ghs-wrong-request-token-123';
    const error = (await federatedClient()
      .listDevices()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/federated identity kFEDCI7001: GitHub Actions gave no OIDC token/);
    expect(error.message).not.toContain('ghs-wrong-request-token-123');
    expect(api.requests).toEqual([]);
  });

  it('outside Actions, TAILSCALE_IDENTITY_TOKEN is the token exchanged (not masked on stdout there)', async () => {
    const jwt = github.jwtFor(AUDIENCE);
    const env = { [IDENTITY_TOKEN_ENV]: ` ${jwt}\n` };
    await federatedClient({}, identityTokenFromEnvironment(env)).listDevices();
    expect(new URLSearchParams(api.requests[0]!.body).get('jwt')).toBe(jwt);
    expect(github.requests).toEqual([]);
    expect(stdout.join('')).not.toContain(jwt);
  });

  it('TAILSCALE_IDENTITY_TOKEN on a runner is masked before use', async () => {
    const jwt = github.jwtFor(AUDIENCE);
    const source = identityTokenFromEnvironment({ [IDENTITY_TOKEN_ENV]: jwt, GITHUB_ACTIONS: 'true' });
    expect(await source(AUDIENCE)).toBe(jwt);
    expect(stdout).toContain(`::add-mask::${jwt}\n`);
  });

  it('needs exactly one of an OAuth secret and a federated identity', () => {
    const federated = { audience: AUDIENCE, identityToken: async () => 'x' };
    expect(() => createTailscaleApiClient({ clientId: CLIENT_ID })).toThrow(/either an OAuth client secret/);
    expect(() =>
      createTailscaleApiClient({ clientId: CLIENT_ID, clientSecret: 'tskey-client-s', federated }),
    ).toThrow(/either an OAuth client secret/);
    expect(() => createTailscaleApiClient({ clientId: CLIENT_ID, federated })).not.toThrow();
  });
});
