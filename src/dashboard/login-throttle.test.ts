import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './login-throttle.js';

describe('login throttle', () => {
  const options = { windowMs: 1000, perIp: 3, overall: 5 };

  it('blocks an IP after perIp failures until the oldest leaves the window', () => {
    let now = 10_000;
    const t = createLoginThrottle(options, () => now);
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfterMs('a')).toBe(0);
      t.fail('a');
      now += 100;
    }
    expect(t.retryAfterMs('a')).toBe(700); // first failure at 10 000, window 1 000, now 10 300
    expect(t.retryAfterMs('b')).toBe(0);
    now = 11_000;
    expect(t.retryAfterMs('a')).toBe(0);
  });

  it('blocks everyone after overall failures, and a success clears only that IP', () => {
    const now = 0;
    const t = createLoginThrottle(options, () => now);
    for (const ip of ['a', 'b', 'c', 'd', 'e']) t.fail(ip);
    expect(t.retryAfterMs('z')).toBe(1000);
    t.succeed('a');
    expect(t.retryAfterMs('a')).toBe(1000);
  });

  it('lets an IP in again once it signs in, below the overall cap', () => {
    const t = createLoginThrottle(options, () => 0);
    for (let i = 0; i < 3; i++) t.fail('a');
    expect(t.retryAfterMs('a')).toBe(1000);
    t.succeed('a');
    expect(t.retryAfterMs('a')).toBe(0);
  });
});
