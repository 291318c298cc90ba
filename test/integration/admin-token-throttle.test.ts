/**
 * Guessing the admin bearer token is throttled per client IP (as the dashboard sign-in is, with which it
 * shares its count): a guesser waits ever longer, answered 429 auth_throttled with Retry-After, while
 * every address that has not failed keeps working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, startTestRelay, type TestRelay } from '../helpers/relay.js';

const PROXY = '10.0.0.1';
const PASSWORD = 'correct horse battery staple';

describe.each(dialects)('admin token guessing on $name', (dialect) => {
  let t: TestRelay;
  const clock = steppedClock();
  beforeAll(async () => {
    t = await startTestRelay(dialect, { trustedProxies: [PROXY], adminPassword: PASSWORD }, clock.now);
  });
  afterAll(async () => t?.close());

  const tenants = (token: string | null, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.relay.app.inject({ method: 'GET', url: '/api/v1/tenants', remoteAddress, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers } });

  it('answers 1,000 wrong tokens from one IP with 6 × 401, then 429 auth_throttled; other IPs are served', async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const res = await tenants(`wrong-token-${i}-0123456789`, '198.51.100.1');
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode === 429) {
        expect(res.json().error).toMatchObject({ code: 'auth_throttled', message: expect.any(String) as unknown });
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    }
    // The 6th wrong token is still answered 401 and starts the first wait; everything after it waits.
    expect(Object.fromEntries(statuses)).toEqual({ 401: 6, 429: 994 });
    // Even the right token waits on that IP (so guessing right cannot skip the wait) …
    expect((await tenants(ADMIN_TOKEN, '198.51.100.1')).statusCode).toBe(429);
    // … while an IP that has not failed is served at once.
    expect((await tenants(ADMIN_TOKEN, '198.51.100.2')).statusCode).toBe(200);
  });

  it('doubles the wait with each further failure, and the right token after the wait clears the IP', async () => {
    const ip = '198.51.100.10';
    for (let i = 0; i < 6; i++) expect((await tenants('wrong-token-0123456789', ip)).statusCode).toBe(401);
    expect((await tenants('wrong-token-0123456789', ip)).headers['retry-after']).toBe('1');
    clock.advance(1000);
    expect((await tenants('wrong-token-0123456789', ip)).statusCode).toBe(401);
    expect((await tenants('wrong-token-0123456789', ip)).headers['retry-after']).toBe('2');
    clock.advance(2000);
    expect((await tenants(ADMIN_TOKEN, ip)).statusCode).toBe(200);
    expect((await tenants('wrong-token-0123456789', ip)).statusCode).toBe(401);
  });

  it('does not count a request that presents no token (an expired dashboard page)', async () => {
    for (let i = 0; i < 20; i++) expect((await tenants(null, '198.51.100.20')).statusCode).toBe(401);
    expect((await tenants(ADMIN_TOKEN, '198.51.100.20')).statusCode).toBe(200);
  });

  it('throttles the forwarded client behind a trusted proxy, and shares the count with the dashboard sign-in', async () => {
    const via = (client: string) => ({ 'x-forwarded-for': client });
    for (let i = 0; i < 3; i++) expect((await tenants('wrong-token-0123456789', PROXY, via('203.0.113.5'))).statusCode).toBe(401);
    for (let i = 0; i < 3; i++) {
      const res = await t.relay.app.inject({ method: 'POST', url: '/dashboard/login', remoteAddress: PROXY, headers: via('203.0.113.5'), payload: { password: 'not the password' } });
      expect(res.statusCode).toBe(401);
    }
    expect((await tenants(ADMIN_TOKEN, PROXY, via('203.0.113.5'))).statusCode).toBe(429);
    const signIn = await t.relay.app.inject({ method: 'POST', url: '/dashboard/login', remoteAddress: PROXY, headers: via('203.0.113.5'), payload: { password: PASSWORD } });
    expect(signIn.statusCode).toBe(429);
    expect(signIn.json().error.code).toBe('login_throttled');
    // The proxy's other clients are unaffected.
    expect((await tenants(ADMIN_TOKEN, PROXY, via('203.0.113.6'))).statusCode).toBe(200);
  });
});
