import { describe, expect, it } from 'vitest';
import { createAuthThrottle, DEFAULT_AUTH_THROTTLE, throttleKey } from './auth-throttle.js';

function setup(opts: Partial<typeof DEFAULT_AUTH_THROTTLE> = {}) {
  let now = 1_000_000;
  const throttle = createAuthThrottle({ ...DEFAULT_AUTH_THROTTLE, ...opts }, () => now);
  return { throttle, advance: (ms: number) => (now += ms) };
}

describe('auth throttle', () => {
  it('lets 5 failures through, then waits 1 s, 2 s, 4 s … up to 15 min', () => {
    const { throttle, advance } = setup();
    for (let i = 0; i < 5; i++) {
      expect(throttle.retryAfterMs('198.51.100.1')).toBe(0);
      throttle.fail('198.51.100.1');
    }
    expect(throttle.retryAfterMs('198.51.100.1')).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      throttle.fail('198.51.100.1');
      const wait = throttle.retryAfterMs('198.51.100.1');
      waits.push(wait);
      advance(wait);
      expect(throttle.retryAfterMs('198.51.100.1')).toBe(0);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900].map((s) => s * 1000));
  });

  it('never makes a client wait that has not failed, however many others have', () => {
    const { throttle } = setup();
    for (let ip = 0; ip < 200; ip++) for (let i = 0; i < 20; i++) throttle.fail(`203.0.113.${ip % 250}.${ip}`);
    expect(throttle.retryAfterMs('192.0.2.1')).toBe(0);
  });

  it('clears a client on success and forgets it a day after its last failure', () => {
    const { throttle, advance } = setup();
    for (let i = 0; i < 8; i++) throttle.fail('198.51.100.7');
    expect(throttle.retryAfterMs('198.51.100.7')).toBeGreaterThan(0);
    throttle.succeed('198.51.100.7');
    expect(throttle.retryAfterMs('198.51.100.7')).toBe(0);
    for (let i = 0; i < 8; i++) throttle.fail('198.51.100.8');
    advance(DEFAULT_AUTH_THROTTLE.forgetAfterMs);
    expect(throttle.retryAfterMs('198.51.100.8')).toBe(0);
    expect(throttle.trackedClients()).toBe(0);
  });

  it('counts an IPv6 /64 as one client', () => {
    expect(throttleKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:0db8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
    expect(throttleKey('203.0.113.9')).toBe('203.0.113.9');
    const { throttle } = setup();
    for (let i = 0; i < 6; i++) throttle.fail(`2001:db8:1:2::${i + 1}`);
    expect(throttle.retryAfterMs('2001:db8:1:2:ffff::1')).toBeGreaterThan(0);
    expect(throttle.retryAfterMs('2001:db8:1:3::1')).toBe(0);
  });

  it('keeps memory bounded: at most maxTrackedClients, the stalest forgotten first', () => {
    const { throttle, advance } = setup({ maxTrackedClients: 100 });
    for (let i = 0; i < 10_000; i++) {
      throttle.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      advance(1);
    }
    expect(throttle.trackedClients()).toBe(100);
    expect(throttle.retryAfterMs('10.0.0.0')).toBe(0);
  });
});
