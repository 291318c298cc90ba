import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './login-throttle.js';

describe('login throttle', () => {
  const options = { windowMs: 1000, perIp: 3, overall: 5, maxTrackedIps: 100 };

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

  it('forgets an IP once its last failure has left the window, without it ever coming back', () => {
    let now = 0;
    const t = createLoginThrottle(options, () => now);
    t.fail('a');
    now = 500;
    t.fail('b');
    expect(t.trackedIps()).toBe(2);
    now = 1000; // a's only failure leaves the window; b's is still in it
    t.fail('c');
    expect(t.trackedIps()).toBe(2);
    now = 1600;
    t.fail('d');
    expect(t.trackedIps()).toBe(2); // c and d
  });

  it('never remembers more than maxTrackedIps, forgetting the IP whose last failure is oldest', () => {
    let now = 0;
    // One failure blocks an IP, so being blocked shows it is remembered.
    const t = createLoginThrottle({ windowMs: 60_000, perIp: 1, overall: 1000, maxTrackedIps: 3 }, () => now);
    for (const ip of ['a', 'b', 'c']) {
      t.fail(ip);
      now += 10;
    }
    t.fail('a'); // a failed again: now b's last failure is the oldest
    now += 10;
    for (let i = 0; i < 50; i++) {
      t.fail(i === 0 ? 'd' : `x${i}`);
      expect(t.trackedIps()).toBeLessThanOrEqual(3);
      if (i === 0) {
        expect(t.retryAfterMs('b')).toBe(0);
        expect(t.retryAfterMs('a')).toBeGreaterThan(0);
        expect(t.retryAfterMs('c')).toBeGreaterThan(0);
      }
      now += 10;
    }
    expect(t.trackedIps()).toBe(3);
    expect(['a', 'c', 'd', 'x46'].map((ip) => t.retryAfterMs(ip) > 0)).toEqual([false, false, false, false]);
    expect(['x47', 'x48', 'x49'].map((ip) => t.retryAfterMs(ip) > 0)).toEqual([true, true, true]);
  });
});
