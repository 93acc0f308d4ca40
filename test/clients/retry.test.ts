import { describe, expect, it } from 'vitest';
import { backoffDelay, retry } from '../../src/util/retry.ts';

class Transient extends Error {}

function recorder() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe('retry', () => {
  it('returns the first success and passes the attempt number', async () => {
    const { delays, sleep } = recorder();
    const seen: number[] = [];
    const result = await retry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new Transient('flaky');
        return 'ok';
      },
      { maxAttempts: 5, baseMs: 100, shouldRetry: (e) => e instanceof Transient, sleep, random: () => 0.5 },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(delays).toEqual([50, 100]);
  });

  it('throws a non-transient error at once, without sleeping', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new Error('bad input');
      },
      { maxAttempts: 5, baseMs: 100, shouldRetry: (e) => e instanceof Transient, sleep },
    );
    await expect(failing).rejects.toThrow('bad input');
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new Transient(`failure ${calls}`);
      },
      { maxAttempts: 3, baseMs: 10, shouldRetry: () => true, sleep },
    );
    await expect(failing).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it('waits what the server asked for instead of the backoff', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    await retry(
      async () => {
        if (++calls < 3) throw new Transient('slow down');
      },
      { maxAttempts: 3, baseMs: 10, shouldRetry: () => true, serverDelayMs: () => 4000, sleep },
    );
    expect(delays).toEqual([4000, 4000]);
  });

  it('logs each failed attempt as "attempt n of m"', async () => {
    const lines: string[] = [];
    const { sleep } = recorder();
    await retry(
      async (attempt) => {
        if (attempt === 1) throw new Transient('boom');
      },
      {
        label: 'list devices',
        maxAttempts: 2,
        baseMs: 10,
        shouldRetry: () => true,
        sleep,
        random: () => 0,
        log: (l) => lines.push(l),
      },
    );
    expect(lines).toEqual(['Retry list devices: attempt 1 of 2 failed: boom. Retrying after 0ms']);
  });

  it('keeps jittered backoff below the doubling ceiling and the cap', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(5000, 100 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, { baseMs: 100, maxDelayMs: 5000, random: () => 0.999999 })).toBeLessThan(
        ceiling,
      );
      expect(backoffDelay(attempt, { baseMs: 100, maxDelayMs: 5000, random: () => 0 })).toBe(0);
    }
    expect(backoffDelay(20, { baseMs: 100, maxDelayMs: 5000, random: () => 0.5 })).toBe(2500);
  });

  it('rejects a maxAttempts that would never run the function', async () => {
    await expect(
      retry(async () => 1, { maxAttempts: 0, baseMs: 1, shouldRetry: () => true }),
    ).rejects.toThrow(RangeError);
  });
});
