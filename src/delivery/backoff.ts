/**
 * Retry delays: exponential with full jitter, so many relays retrying after one Meta outage spread out
 * instead of hitting the Graph API in lockstep.
 */

export const RETRY_BASE_MS = 1_000;
// Throttling (codes 4/17/32/613, BUC) is measured over minutes by Meta (MK-RL), so start far higher.
export const RATE_LIMIT_BASE_MS = 30_000;
export const MAX_RETRY_DELAY_MS = 15 * 60_000;

/** Delay before the next try after `attempt` failed tries (1-based): uniform in [0, min(cap, base·2^(attempt-1))). */
export function nextRetryDelayMs(
  attempt: number,
  kind: 'retryable' | 'rate_limited',
  random: () => number = Math.random,
): number {
  const base = kind === 'rate_limited' ? RATE_LIMIT_BASE_MS : RETRY_BASE_MS;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // Clamp the exponent so 2^n cannot overflow to Infinity for absurd attempt counts.
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, base * 2 ** Math.min(exponent, 30));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}
