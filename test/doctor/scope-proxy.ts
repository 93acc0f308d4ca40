// Stands in front of the loopback Tailscale fake and answers 403 for the API paths a narrower OAuth client could
// not call, as the real API does for a token without the scope; everything else goes through to the fake.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScopeProxy {
  url: string;
  close(): Promise<void>;
}

export async function startScopeProxy(
  upstream: string,
  denied: readonly { method: string; path: RegExp }[],
  answer: { status: number; message: string } = {
    status: 403,
    message: 'insufficient permissions: missing scope',
  },
): Promise<ScopeProxy> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://proxy');
      if (denied.some((d) => d.method === request.method && d.path.test(url.pathname))) {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: answer.message }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const body = Buffer.concat(chunks);
      void fetch(`${upstream}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers,
        ...(body.length ? { body } : {}),
      }).then(async (upstreamResponse) => {
        response.writeHead(upstreamResponse.status, {
          'content-type': upstreamResponse.headers.get('content-type') ?? 'application/json',
        });
        response.end(await upstreamResponse.text());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
