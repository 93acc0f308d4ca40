// A loopback fake of GitHub Actions' OIDC token service, as @actions/core's getIDToken calls it: GET
// ACTIONS_ID_TOKEN_REQUEST_URL (which already carries a query) with `&audience=<aud>` and bearer
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, answered with JSON {value: <jwt>} (docs/design/workload-identity.md §2, §3, §7).
// Each audience gets its own JWT-shaped token, fixed for the server's life, so a Tailscale fake can trust exactly one.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcRequest {
  audience: string | undefined;
  authorization: string | undefined;
  status: number;
}

export interface FakeGithubOidc {
  /** ACTIONS_ID_TOKEN_REQUEST_URL: with a query already, as the runner gives it. */
  readonly url: string;
  readonly requestToken: string;
  readonly requests: OidcRequest[];
  /** The token this service hands out for `audience`. */
  jwtFor(audience: string): string;
  /** The two variables a job with `id-token: write` has. */
  env(): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  close(): Promise<void>;
}

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export async function startFakeGithubOidc(options: { subject?: string } = {}): Promise<FakeGithubOidc> {
  const requestToken = `ghs-oidc-request-${randomBytes(6).toString('hex')}`;
  const signature = randomBytes(24).toString('base64url');
  const expires = Math.floor(Date.now() / 1000) + 300;
  const requests: OidcRequest[] = [];
  const jwtFor = (audience: string): string => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = {
      iss: GITHUB_ISSUER,
      aud: audience,
      sub: options.subject ?? 'repo:acme/tslab:ref:refs/heads/main',
      repository: 'acme/tslab',
      exp: expires,
    };
    return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${signature}`;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const audience = url.searchParams.get('audience') ?? undefined;
    const authorization = request.headers.authorization;
    const allowed =
      request.method === 'GET' && url.pathname === '/token' && authorization === `Bearer ${requestToken}`;
    const status = allowed ? 200 : 401;
    requests.push({ audience, authorization, status });
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(
        allowed
          ? { count: 1, value: jwtFor(audience ?? 'https://github.com/acme') }
          : { message: 'Bad credentials' },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/token?api-version=2.0`;

  return {
    url,
    requestToken,
    requests,
    jwtFor,
    env: () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
