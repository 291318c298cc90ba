/**
 * Sign-in hardening: sessions live in the database, so a second relay on the same PostgreSQL accepts
 * (and ends) the first one's session; failed sign-ins are throttled per client IP, never globally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from '../../src/relay.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { startRelayNode, startTestRelay, type TestRelay } from '../helpers/relay.js';

const PASSWORD = 'correct horse battery staple';
const postgres = dialects.filter((d) => d.name === 'postgres');
const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.each(postgres)('dashboard sessions shared by two relays on one $name database', (dialect) => {
  let a: TestRelay;
  let b: Relay;
  beforeAll(async () => {
    a = await startTestRelay(dialect, { adminPassword: PASSWORD });
    // A second relay on the same database, as a second node behind a load balancer would be.
    b = await startRelayNode(a.db, { adminPassword: PASSWORD });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('accepts a session made on the other node, and a logout on one ends it on both', async () => {
    const login = await a.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password: PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    const csrf = login.json().csrfToken as string;
    expect((await b.app.inject({ url: '/dashboard/session', headers: { cookie } })).json().csrfToken).toBe(csrf);
    const created = await b.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'Shared' } });
    expect(created.statusCode).toBe(201);
    expect((await a.relay.app.inject({ url: '/api/v1/tenants', headers: { cookie } })).json().tenants).toHaveLength(1);
    expect((await b.app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(200);
    expect((await a.relay.app.inject({ url: '/api/v1/tenants', headers: { cookie } })).statusCode).toBe(401);
    // The table holds only a hash of the session id: the cookie's value is nowhere in it.
    const rows = JSON.stringify(await a.relay.store.db.selectFrom('dashboard_sessions').selectAll().execute());
    expect(rows).not.toContain(cookie.split('=')[1]);
  });
});

describe.each(sqlite)('dashboard sign-in throttling on $name', (dialect) => {
  let t: TestRelay;
  // A clock that stands still unless a test moves it, so the throttle's waits are exact.
  const clock = steppedClock();
  beforeAll(async () => {
    t = await startTestRelay(dialect, { adminPassword: PASSWORD }, clock.now);
  });
  afterAll(async () => t?.close());

  const attempt = (password: string, remoteAddress: string) => t.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password }, remoteAddress });

  it('answers 429 login_throttled once an IP has failed 6 times, even to the right password; other IPs go on', async () => {
    for (let i = 0; i < 6; i++) expect((await attempt('wrong password', '198.51.100.1')).statusCode).toBe(401);
    const blocked = await attempt(PASSWORD, '198.51.100.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('login_throttled');
    expect(blocked.headers['retry-after']).toBe('1');
    expect((await attempt(PASSWORD, '198.51.100.2')).statusCode).toBe(200);
    // After the wait, the right password signs in and clears the IP's failures.
    clock.advance(1000);
    expect((await attempt(PASSWORD, '198.51.100.1')).statusCode).toBe(200);
    expect((await attempt('wrong password', '198.51.100.1')).statusCode).toBe(401);
  });

  it('never locks out an IP that has not failed: 100 failures spread over 10 IPs leave a new IP free to sign in', async () => {
    for (let ip = 1; ip <= 10; ip++) {
      for (let i = 0; i < 10; i++) expect([401, 429]).toContain((await attempt('wrong password', `203.0.113.${ip}`)).statusCode);
    }
    const fresh = await attempt(PASSWORD, '192.0.2.77');
    expect(fresh.statusCode).toBe(200);
    expect((await attempt(PASSWORD, '203.0.113.1')).statusCode).toBe(429);
  });
});
