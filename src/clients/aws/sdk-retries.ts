// How every AWS SDK client of tslab retries: the SDK's standard mode (throttling, 5xx, clock skew) with more attempts
// than its default 3, since a lost call mid-provision costs a re-run. Its own module so the state bucket's client
// (src/home/place.ts) gets the same settings without loading the other clients.
export const SDK_RETRIES = { maxAttempts: 6, retryMode: 'standard' } as const;
