// The one retry loop of tslab: bounded attempts, jittered exponential backoff, and a predicate that decides which
// errors are transient. Callers never retry bad input; they say so through `shouldRetry`.

export interface RetryOptions {
  /** Names the operation in the "attempt n of m" line. */
  label?: string | undefined;
  /** Total attempts, the first included (1 = no retry). */
  maxAttempts: number;
  /** Backoff base: attempt n waits up to baseMs × 2^(n-1), capped at maxDelayMs. */
  baseMs: number;
  maxDelayMs?: number | undefined;
  /** True for transient failures only (throttling, 5xx, network); everything else is thrown at once. */
  shouldRetry(error: unknown): boolean;
  /** A delay the server asked for (Retry-After), used instead of the backoff when present. */
  serverDelayMs?(error: unknown): number | undefined;
  /** Injected so tests don't wait. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** In [0, 1); injected so tests can pin the jitter. */
  random?: (() => number) | undefined;
  log?: ((line: string) => void) | undefined;
}

export const DEFAULT_MAX_DELAY_MS = 30_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` until it succeeds, a non-transient error occurs, or maxAttempts is reached; throws the last error. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
    throw new RangeError(`retry: maxAttempts must be a positive integer, got ${options.maxAttempts}`);
  }
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= options.maxAttempts || !options.shouldRetry(error)) throw error;
      const delayMs = options.serverDelayMs?.(error) ?? backoffDelay(attempt, options);
      options.log?.(
        `Retry ${options.label ?? 'operation'}: attempt ${attempt} of ${options.maxAttempts} failed: ` +
          `${error instanceof Error ? error.message : String(error)}. Retrying after ${delayMs}ms`,
      );
      await wait(delayMs);
    }
  }
}

/** "Full jitter": a uniform delay in [0, min(cap, base × 2^(attempt-1))), so parallel clients spread out. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, options.baseMs * 2 ** (attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
