import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, nextRetryDelayMs } from './backoff.js';

const almostOne = () => 0.999999999;

describe('nextRetryDelayMs', () => {
  it('doubles from 1 s for retryable errors', () => {
    expect([1, 2, 3, 4].map((a) => nextRetryDelayMs(a, 'retryable', almostOne))).toEqual([999, 1999, 3999, 7999]);
  });

  it('starts at 30 s for rate limits', () => {
    expect(nextRetryDelayMs(1, 'rate_limited', almostOne)).toBe(29_999);
    expect(nextRetryDelayMs(2, 'rate_limited', almostOne)).toBe(59_999);
  });

  it('applies full jitter', () => {
    expect(nextRetryDelayMs(3, 'retryable', () => 0)).toBe(0);
    expect(nextRetryDelayMs(3, 'retryable', () => 0.5)).toBe(2000);
  });

  it('caps at 15 minutes', () => {
    expect(nextRetryDelayMs(50, 'rate_limited', almostOne)).toBe(MAX_RETRY_DELAY_MS - 1);
    expect(nextRetryDelayMs(1e9, 'retryable', almostOne)).toBeLessThan(MAX_RETRY_DELAY_MS);
  });

  it('stays within [0, cap) for any attempt and random', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 10_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.boolean(), (attempt, r, rl) => {
        const d = nextRetryDelayMs(attempt, rl ? 'rate_limited' : 'retryable', () => r);
        return Number.isInteger(d) && d >= 0 && d < MAX_RETRY_DELAY_MS;
      }),
    );
  });
});
