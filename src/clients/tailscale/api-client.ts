// A small typed client of Tailscale API v2 (docs/design/tailscale-api.md), authenticated with an OAuth client or a
// federated identity (an OIDC token exchanged for an access token, docs/design/workload-identity.md §1).
// Every call goes through one retrying request path; errors name the call and the API's message, never a credential.
import { z } from 'zod';
import { errorMessage } from '../../lab/errors.ts';
import { retry, sleep as realSleep } from '../../util/retry.ts';
import {
  TailscaleApiError,
  apiMessageOf,
  isTransientTailscaleError,
  parseRetryAfter,
  redact,
} from './api-error.ts';
import {
  deviceRoutesSchema,
  deviceSchema,
  devicesResponseSchema,
  splitDnsSchema,
  type Device,
  type DeviceRoutes,
  type SplitDns,
} from './device.ts';
import type { IdentityTokenSource } from './identity-token.ts';

export { findDevicesByHostname, ipv4Of } from './device.ts';
export type { ClientConnectivity, Device, DeviceRoutes, SplitDns } from './device.ts';
export { TailscaleApiError } from './api-error.ts';
export type { IdentityTokenSource } from './identity-token.ts';

export const DEFAULT_TAILSCALE_API_URL = 'https://api.tailscale.com';

export interface TailscaleApiOptions {
  /** The OAuth client's or the federated identity's client ID. */
  clientId: string;
  /** An OAuth client's secret: the client-credentials grant. Exactly one of this and `federated`. */
  clientSecret?: string | undefined;
  /** A federated identity: the audience its OIDC token carries, and where that token comes from. */
  federated?: { audience: string; identityToken: IdentityTokenSource } | undefined;
  /** The tailnet name; "-" (the default) means the OAuth client's own tailnet. */
  tailnet?: string;
  /** Narrows the token; by default it carries every scope of the OAuth client. */
  scopes?: readonly string[];
  baseUrl?: string;
  retry?: {
    maxAttempts?: number;
    baseMs?: number;
    maxDelayMs?: number;
    sleep?: (ms: number) => Promise<void>;
  };
  /** Per attempt; a timed-out attempt counts as a network error and is retried. */
  requestTimeoutMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

export interface AuthKeyRequest {
  reusable: boolean;
  ephemeral: boolean;
  preauthorized: boolean;
  /** Required for keys minted by an OAuth client (the tailnet owns them). */
  tags: readonly string[];
  expirySeconds: number;
  description?: string;
}

const authKeySchema = z.object({
  id: z.string(),
  /** The secret itself: returned once, never logged. */
  key: z.string(),
  created: z.string().optional(),
  expires: z.string().optional(),
  description: z.string().optional(),
});
export type AuthKey = z.infer<typeof authKeySchema>;

/**
 * A key as `GET /api/v2/tailnet/{tailnet}/keys/{id}` describes it (docs/design/workload-identity.md §1): `keyType`
 * tells an OAuth client (`client`) from a federated identity (`federated`); the trust fields are the latter's. The
 * secret is never part of this answer, and the schema keeps no field that could hold one.
 */
const tailnetKeySchema = z.object({
  id: z.string(),
  keyType: z.string().default('auth'),
  description: z.string().optional(),
  scopes: z.array(z.string()).nullish(),
  tags: z.array(z.string()).nullish(),
  issuer: z.string().nullish(),
  subject: z.string().nullish(),
  audience: z.string().nullish(),
  customClaimRules: z.record(z.string(), z.string()).nullish(),
});
export type TailnetKey = z.infer<typeof tailnetKeySchema>;

const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().default(3600),
});

export interface TailscaleApi {
  readonly tailnet: string;
  listDevices(): Promise<Device[]>;
  /** undefined when the device does not exist (404). */
  getDevice(deviceId: string): Promise<Device | undefined>;
  getDeviceRoutes(deviceId: string): Promise<DeviceRoutes>;
  /** Replaces the device's enabled (approved) routes. */
  setDeviceRoutes(deviceId: string, routes: readonly string[]): Promise<DeviceRoutes>;
  /** A 404 means someone (the operator, an earlier run) removed it already. */
  deleteDevice(deviceId: string): Promise<'deleted' | 'already-gone'>;
  getSplitDns(): Promise<SplitDns>;
  /** Changes only the given domains; null clears a domain. Returns the whole map after the change. */
  patchSplitDns(changes: Readonly<Record<string, readonly string[] | null>>): Promise<SplitDns>;
  createAuthKey(request: AuthKeyRequest): Promise<AuthKey>;
  /** A key's metadata, never its secret; any scope may read the key in use. */
  getKey(keyId: string): Promise<TailnetKey>;
}

export function createTailscaleApiClient(options: TailscaleApiOptions): TailscaleApi {
  return new TailscaleApiClient(options);
}

/** Where a federated identity trades its OIDC token for an access token (docs/design/workload-identity.md §1). */
export const TOKEN_EXCHANGE_PATH = '/api/v2/oauth/token-exchange';

/** Refresh this long before the token's stated expiry, so a request never leaves with a token about to lapse. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;

interface CallInit {
  body?: unknown;
  form?: Record<string, string>;
  authenticated?: boolean;
}

class TailscaleApiClient implements TailscaleApi {
  readonly tailnet: string;
  private readonly baseUrl: string;
  private readonly now: () => number;
  private cachedToken: { value: string; refreshAt: number } | undefined;
  private pendingToken: Promise<string> | undefined;
  /** The last OIDC token presented, kept only to blank it out of error messages. */
  private lastIdentityToken: string | undefined;

  constructor(private readonly options: TailscaleApiOptions) {
    if (!options.clientSecret === !options.federated) {
      throw new Error(
        `Tailscale API client ${options.clientId}: needs either an OAuth client secret or a federated identity`,
      );
    }
    this.tailnet = options.tailnet ?? '-';
    this.baseUrl = (options.baseUrl ?? DEFAULT_TAILSCALE_API_URL).replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
  }

  async listDevices(): Promise<Device[]> {
    const body = await this.call('GET', `${this.tailnetPath()}/devices?fields=all`);
    return parse(devicesResponseSchema, body, 'GET devices').devices;
  }

  async getDevice(deviceId: string): Promise<Device | undefined> {
    try {
      return parse(deviceSchema, await this.call('GET', `${devicePath(deviceId)}?fields=all`), 'GET device');
    } catch (error) {
      if (error instanceof TailscaleApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async getDeviceRoutes(deviceId: string): Promise<DeviceRoutes> {
    return parse(deviceRoutesSchema, await this.call('GET', `${devicePath(deviceId)}/routes`), 'GET routes');
  }

  async setDeviceRoutes(deviceId: string, routes: readonly string[]): Promise<DeviceRoutes> {
    const body = await this.call('POST', `${devicePath(deviceId)}/routes`, { body: { routes } });
    return parse(deviceRoutesSchema, body, 'POST routes');
  }

  async deleteDevice(deviceId: string): Promise<'deleted' | 'already-gone'> {
    try {
      await this.call('DELETE', devicePath(deviceId));
      return 'deleted';
    } catch (error) {
      if (error instanceof TailscaleApiError && error.status === 404) return 'already-gone';
      throw error;
    }
  }

  async getSplitDns(): Promise<SplitDns> {
    return parse(
      splitDnsSchema,
      await this.call('GET', `${this.tailnetPath()}/dns/split-dns`),
      'GET split DNS',
    );
  }

  async patchSplitDns(changes: Readonly<Record<string, readonly string[] | null>>): Promise<SplitDns> {
    const body = await this.call('PATCH', `${this.tailnetPath()}/dns/split-dns`, { body: changes });
    return parse(splitDnsSchema, body, 'PATCH split DNS');
  }

  async createAuthKey(request: AuthKeyRequest): Promise<AuthKey> {
    const { reusable, ephemeral, preauthorized, tags, expirySeconds, description } = request;
    const payload = {
      capabilities: { devices: { create: { reusable, ephemeral, preauthorized, tags } } },
      expirySeconds,
      ...(description === undefined ? {} : { description }),
    };
    const body = await this.call('POST', `${this.tailnetPath()}/keys`, { body: payload });
    return parse(authKeySchema, body, 'POST keys');
  }

  async getKey(keyId: string): Promise<TailnetKey> {
    const body = await this.call('GET', `${this.tailnetPath()}/keys/${encodeURIComponent(keyId)}`);
    return parse(tailnetKeySchema, body, 'GET key');
  }

  private tailnetPath(): string {
    return `/api/v2/tailnet/${encodeURIComponent(this.tailnet)}`;
  }

  /** One logical call: attempts (token included) repeat on transient failures only. */
  private call(method: string, path: string, init: CallInit = {}): Promise<unknown> {
    const settings = this.options.retry ?? {};
    return retry(() => this.attempt(method, path, init), {
      label: `Tailscale API ${method} ${path}`,
      maxAttempts: settings.maxAttempts ?? 5,
      baseMs: settings.baseMs ?? 500,
      maxDelayMs: settings.maxDelayMs ?? 30_000,
      shouldRetry: isTransientTailscaleError,
      serverDelayMs: (error) =>
        error instanceof TailscaleApiError && error.retryAfterMs !== undefined
          ? Math.min(error.retryAfterMs, settings.maxDelayMs ?? 30_000)
          : undefined,
      sleep: settings.sleep ?? realSleep,
      ...(this.options.log ? { log: this.options.log } : {}),
    });
  }

  private async attempt(method: string, path: string, init: CallInit): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (init.authenticated !== false) headers.authorization = `Bearer ${await this.accessToken()}`;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }

    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (error) {
      throw this.apiError(method, path, undefined, networkFailure(error));
    }
    if (!response.ok) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
      const message = apiMessageOf(text, response.statusText || 'no message');
      const error = this.apiError(method, path, response.status, message, retryAfterMs);
      // A token revoked or expired early: forget it, so the next call starts with a fresh one.
      if (response.status === 401 && init.authenticated !== false) this.cachedToken = undefined;
      throw error;
    }
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.apiError(method, path, response.status, `response is not JSON: ${apiMessageOf(text, '')}`);
    }
  }

  private apiError(
    method: string,
    path: string,
    status: number | undefined,
    message: string,
    retryAfterMs?: number,
  ): TailscaleApiError {
    const apiMessage = redact(message, [
      this.options.clientSecret,
      this.cachedToken?.value,
      this.lastIdentityToken,
    ]);
    return new TailscaleApiError({
      method,
      path,
      status,
      apiMessage,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  /** The cached access token, or a new one; concurrent callers share one token request. */
  private async accessToken(): Promise<string> {
    if (this.cachedToken && this.now() < this.cachedToken.refreshAt) return this.cachedToken.value;
    this.pendingToken ??= this.requestToken().finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  private async requestToken(): Promise<string> {
    const issuedAt = this.now();
    const token = this.options.federated
      ? await this.exchangeIdentityToken(this.options.federated)
      : parse(
          tokenSchema,
          await this.attempt('POST', '/api/v2/oauth/token', {
            form: {
              grant_type: 'client_credentials',
              client_id: this.options.clientId,
              client_secret: this.options.clientSecret ?? '',
              ...(this.options.scopes?.length ? { scope: this.options.scopes.join(' ') } : {}),
            },
            authenticated: false,
          }),
          'POST oauth token',
        );
    const lifetimeMs = token.expires_in * 1000;
    const refreshAt = issuedAt + Math.max(lifetimeMs / 2, lifetimeMs - TOKEN_EXPIRY_MARGIN_MS);
    this.cachedToken = { value: token.access_token, refreshAt };
    return token.access_token;
  }

  /**
   * A fresh OIDC token for every exchange (GitHub's lasts minutes); a failure names the federated identity, never the
   * token. The scopes are the identity's own: the exchange takes only `client_id` and `jwt`.
   */
  private async exchangeIdentityToken(federated: {
    audience: string;
    identityToken: IdentityTokenSource;
  }): Promise<z.infer<typeof tokenSchema>> {
    const who = `federated identity ${this.options.clientId}`;
    let jwt: string;
    try {
      jwt = await federated.identityToken(federated.audience);
    } catch (error) {
      throw new Error(`Tailscale ${who}: ${errorMessage(error)}`, { cause: error });
    }
    this.lastIdentityToken = jwt;
    try {
      const body = await this.attempt('POST', TOKEN_EXCHANGE_PATH, {
        form: { client_id: this.options.clientId, jwt },
        authenticated: false,
      });
      return parse(tokenSchema, body, 'POST oauth token-exchange');
    } catch (error) {
      if (!(error instanceof TailscaleApiError)) throw error;
      throw new TailscaleApiError({
        method: error.method,
        path: error.path,
        status: error.status,
        apiMessage: `${error.apiMessage} (${who})`,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      });
    }
  }
}

function devicePath(deviceId: string): string {
  return `/api/v2/device/${encodeURIComponent(deviceId)}`;
}

/** fetch reports "fetch failed" and hides the reason (ECONNREFUSED, timeout) in `cause`. */
function networkFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? `: ${errorMessage(error.cause)}` : '';
  return `network error: ${errorMessage(error)}${cause}`;
}

/** Validates a response body; a shape mismatch is a bug or an API change, so it names what was expected. */
function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(body)';
  throw new Error(`Unexpected Tailscale API response to ${what}: ${where}: ${issue?.message ?? 'invalid'}`);
}
