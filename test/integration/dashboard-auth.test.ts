import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustedProxyCheck } from '../../src/browser/client-ip.js';
import { requestIsHttps } from '../../src/http/auth.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, startTestRelay, type TestRelay } from '../helpers/relay.js';

const PASSWORD = 'correct horse battery staple';

// Sessions live in the database, so this runs on every dialect.
describe.each(dialects)('dashboard sign-in and session auth on $name', (dialect) => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay(dialect, { adminPassword: PASSWORD });
  });
  afterAll(async () => t?.close());

  async function login(password = PASSWORD) {
    const res = await t.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password } });
    const setCookie = String(res.headers['set-cookie'] ?? '');
    return { res, setCookie, cookie: setCookie.split(';')[0] ?? '', csrf: res.statusCode === 200 ? (res.json().csrfToken as string) : '' };
  }

  it('serves the page and its assets with the right content types', async () => {
    const page = await t.relay.app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await t.relay.app.inject('/dashboard/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await t.relay.app.inject('/dashboard/app.css')).headers['content-type']).toMatch(/^text\/css/);
  });

  it('refuses a wrong password with 401 and sets no cookie', async () => {
    const { res, setCookie } = await login('wrong password, sorry');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
    expect(setCookie).toBe('');
  });

  it('accepts the password (or the admin token) and sets an HttpOnly SameSite=Strict cookie', async () => {
    const { res, setCookie, csrf } = await login();
    expect(res.statusCode).toBe(200);
    expect(setCookie).toMatch(/^capi_relay_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Max-Age=43200');
    expect(setCookie).not.toContain('Secure'); // plain http in tests; Secure is added over https
    expect(csrf.length).toBeGreaterThan(20);
    expect((await login(ADMIN_TOKEN)).res.statusCode).toBe(200);
  });

  it('lets the cookie stand in for the admin token: reads freely, writes only with the CSRF token', async () => {
    const { cookie, csrf } = await login();
    const list = await t.relay.app.inject({ url: '/api/v1/tenants', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    const noCsrf = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { cookie }, payload: { name: 'Shop' } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('csrf_token_invalid');
    const wrongCsrf = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { cookie, 'x-csrf-token': `${csrf}x` }, payload: { name: 'Shop' } });
    expect(wrongCsrf.statusCode).toBe(403);
    const ok = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'Shop' } });
    expect(ok.statusCode).toBe(201);
    expect((await t.relay.app.inject({ url: '/dashboard/session', headers: { cookie } })).json().csrfToken).toBe(csrf);
  });

  it('rejects a forged or tampered cookie', async () => {
    const { cookie } = await login();
    const tampered = cookie.replace(/=(.)/, (_m, c: string) => `=${c === 'A' ? 'B' : 'A'}`);
    expect((await t.relay.app.inject({ url: '/api/v1/tenants', headers: { cookie: tampered } })).statusCode).toBe(401);
    expect((await t.relay.app.inject({ url: '/api/v1/tenants', headers: { cookie: 'capi_relay_session=forged.sig' } })).statusCode).toBe(401);
  });

  it('guards every admin route file by the route a request matched, however its URL is spelled', async () => {
    const anonymous = [
      ['GET', '/api/v1/tenants'], // admin.ts
      ['POST', '/api/v1/tenants/x/sources'], // admin-sources.ts
      ['POST', '/api/v1/pixels/x/simulate'], // admin-simulate.ts
      ['GET', '/api/v1/tenants/x/origins'], // collect.ts (origin admin)
      ['GET', '/api/v1/tenants/x/reports/attribution'], // admin-reports.ts
      // The router decodes %61 to "a": the guard must see the route, not the raw URL.
      ['GET', '/%61pi/v1/tenants'],
      ['POST', '/%61pi/v1/tenants'],
    ] as const;
    for (const [method, url] of anonymous) {
      const res = await t.relay.app.inject({ method, url, payload: {} });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
    const { cookie } = await login();
    expect((await t.relay.app.inject({ url: '/%61pi/v1/tenants', headers: { cookie } })).statusCode).toBe(200);
    const noCsrf = await t.relay.app.inject({ method: 'POST', url: '/%61pi/v1/tenants', headers: { cookie }, payload: { name: 'Spelled' } });
    expect(noCsrf.json().error.code).toBe('csrf_token_invalid');
    // A change made through such a URL is audited like any other.
    const created = await t.relay.app.inject({ method: 'POST', url: '/%61pi/v1/tenants', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'Spelled' } });
    expect(created.statusCode).toBe(201);
    const audit = await t.relay.app.inject({ url: `/api/v1/tenants/${created.json().id as string}/audit`, headers: { cookie } });
    expect(audit.json().items).toMatchObject([{ action: 'POST /api/v1/tenants', actor: 'admin API token' }]);
  });

  it('logs out: the session stops working and the cookie is cleared', async () => {
    const { cookie, csrf } = await login();
    const noCsrf = await t.relay.app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie } });
    expect(noCsrf.statusCode).toBe(403);
    const out = await t.relay.app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await t.relay.app.inject({ url: '/api/v1/tenants', headers: { cookie } })).statusCode).toBe(401);
    expect((await t.relay.app.inject({ url: '/dashboard/session', headers: { cookie } })).statusCode).toBe(401);
  });
});

// Behind a TLS-terminating proxy: forwarding headers count only from the configured trustedProxies (Fastify's
// trustProxy stays off). The throttle and the cookie are per node and per request, so one dialect is enough.
describe.each(dialects.filter((d) => d.name === 'sqlite'))('dashboard sign-in behind a reverse proxy on $name', (dialect) => {
  const PROXY = '10.0.0.1';
  let t: TestRelay;
  beforeAll(async () => {
    // A clock that stands still: the throttle's waits never run out during the test.
    t = await startTestRelay(dialect, { adminPassword: PASSWORD, trustedProxies: [PROXY] }, steppedClock().now);
  });
  afterAll(async () => t?.close());

  const login = (password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password }, remoteAddress, headers });
  const setCookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie'] ?? '');

  it('counts failures per forwarded client behind a trusted proxy: one is throttled, another still signs in', async () => {
    const viaProxy = (password: string, client: string) => login(password, PROXY, { 'x-forwarded-for': client });
    for (let i = 0; i < 6; i++) expect((await viaProxy('wrong password', '198.51.100.1')).statusCode).toBe(401);
    const blocked = await viaProxy(PASSWORD, '198.51.100.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('login_throttled');
    // The same proxy, another browser: its own budget.
    expect((await viaProxy(PASSWORD, '198.51.100.2')).statusCode).toBe(200);
    // The nearest untrusted hop is the client, whatever an earlier hop claims.
    expect((await viaProxy(PASSWORD, '198.51.100.1, 198.51.100.3')).statusCode).toBe(200);
    expect((await viaProxy(PASSWORD, '198.51.100.3, 198.51.100.1')).statusCode).toBe(429);
  });

  it('keeps an untrusted peer on its own budget whatever X-Forwarded-For it forges', async () => {
    const peer = '192.0.2.50';
    for (let i = 0; i < 6; i++) expect((await login('wrong password', peer, { 'x-forwarded-for': `203.0.113.${i + 1}` })).statusCode).toBe(401);
    const forged = await login(PASSWORD, peer, { 'x-forwarded-for': '203.0.113.200' });
    expect(forged.statusCode).toBe(429);
    expect(forged.json().error.code).toBe('login_throttled');
    expect((await login(PASSWORD, peer)).statusCode).toBe(429);
    // Nor did its forged addresses spend anyone else's budget.
    expect((await login(PASSWORD, PROXY, { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(200);
    expect((await login(PASSWORD, '192.0.2.51')).statusCode).toBe(200);
  });

  it('marks the cookie Secure when a trusted proxy says X-Forwarded-Proto https, and only then', async () => {
    const viaTrusted = await login(PASSWORD, PROXY, { 'x-forwarded-for': '198.51.100.20', 'x-forwarded-proto': 'https' });
    expect(viaTrusted.statusCode).toBe(200);
    expect(setCookieOf(viaTrusted)).toMatch(/; Secure$/);
    // The first value of a list is the browser's side; an IPv4-mapped peer address is the same proxy.
    expect(setCookieOf(await login(PASSWORD, PROXY, { 'x-forwarded-proto': 'https, http' }))).toContain('Secure');
    expect(setCookieOf(await login(PASSWORD, `::ffff:${PROXY}`, { 'x-forwarded-proto': 'https' }))).toContain('Secure');
    expect(setCookieOf(await login(PASSWORD, PROXY, { 'x-forwarded-proto': 'http, https' }))).not.toContain('Secure');
    expect(setCookieOf(await login(PASSWORD, PROXY))).not.toContain('Secure');

    const untrusted = await login(PASSWORD, '192.0.2.60', { 'x-forwarded-proto': 'https' });
    expect(untrusted.statusCode).toBe(200);
    expect(setCookieOf(untrusted)).not.toContain('Secure');
    const plain = await login(PASSWORD, '127.0.0.1');
    expect(plain.statusCode).toBe(200);
    expect(setCookieOf(plain)).not.toContain('Secure');
  });

  it('clears the cookie with the same Secure decision on logout', async () => {
    const headers = { 'x-forwarded-proto': 'https' };
    const res = await login(PASSWORD, PROXY, headers);
    const cookie = setCookieOf(res).split(';')[0] ?? '';
    const csrf = res.json().csrfToken as string;
    const out = await t.relay.app.inject({ method: 'POST', url: '/dashboard/logout', remoteAddress: PROXY, headers: { ...headers, cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(200);
    expect(setCookieOf(out)).toContain('Max-Age=0');
    expect(setCookieOf(out)).toMatch(/; Secure$/);
    const untrusted = await t.relay.app.inject({ method: 'POST', url: '/dashboard/logout', remoteAddress: '192.0.2.60', headers });
    expect(setCookieOf(untrusted)).toContain('Max-Age=0');
    expect(setCookieOf(untrusted)).not.toContain('Secure');
  });

  it("treats the relay's own TLS socket as https without any header", () => {
    const isTrusted = createTrustedProxyCheck([PROXY]);
    const req = (socket: object, headers: Record<string, string> = {}) => ({ socket, headers }) as unknown as FastifyRequest;
    expect(requestIsHttps(req({ encrypted: true, remoteAddress: '192.0.2.9' }), isTrusted)).toBe(true);
    expect(requestIsHttps(req({ remoteAddress: '192.0.2.9' }, { 'x-forwarded-proto': 'https' }), isTrusted)).toBe(false);
    expect(requestIsHttps(req({ remoteAddress: PROXY }, { 'x-forwarded-proto': ' HTTPS ' }), isTrusted)).toBe(true);
  });
});
