// A failed Tailscale API call, told by method, path, status and the API's own message. Built only from the response,
// never from the request, so neither the OAuth secret nor the access token can reach a log through it.

export interface TailscaleApiErrorFields {
  method: string;
  /** Path and query, e.g. /api/v2/device/123?fields=all. */
  path: string;
  /** HTTP status; undefined when no response arrived (connection refused, reset, timed out). */
  status: number | undefined;
  /** The API's `message` field, or a trimmed body, or the network failure. */
  apiMessage: string;
  /** What Retry-After asked for, in ms. */
  retryAfterMs?: number;
}

export class TailscaleApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly apiMessage: string;
  readonly retryAfterMs: number | undefined;

  constructor(fields: TailscaleApiErrorFields) {
    const outcome = fields.status === undefined ? 'no response' : `HTTP ${fields.status}`;
    super(`Tailscale API ${fields.method} ${fields.path} failed (${outcome}): ${fields.apiMessage}`);
    this.name = 'TailscaleApiError';
    this.method = fields.method;
    this.path = fields.path;
    this.status = fields.status;
    this.apiMessage = fields.apiMessage;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/**
 * Throttling, server faults and lost connections may pass; bad input never does. 501 is left out: the API uses it
 * for permanent refusals such as "cannot delete devices outside of your tailnet".
 */
export function isTransientTailscaleError(error: unknown): boolean {
  if (!(error instanceof TailscaleApiError)) return false;
  const { status } = error;
  return status === undefined || status === 429 || (status >= 500 && status !== 501);
}

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The API's JSON `message`, else the body itself (shortened: proxies answer with whole HTML pages). */
export function apiMessageOf(body: string, fallback: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
      return parsed.message;
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  const text = body.trim().replace(/\s+/g, ' ');
  if (text === '') return fallback;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Blanks out every known secret, should a server or proxy ever echo one back. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join('[redacted]');
  }
  return result;
}
