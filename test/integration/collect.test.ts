import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../src/relay.js';
import { createClickRepository } from '../../src/store/clicks.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { cli, runCli } from '../helpers/processes.js';
import { ADMIN_HEADERS as admin, cliEnv, ENCRYPTION_KEY, startRelayNode, startTestRelay, type TestRelay } from '../helpers/relay.js';

const ORIGIN = 'https://shop.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140';

/**
 * The shared rate limit's bucket of one (tenant, client IP), as every node derives it: an HMAC under a key
 * derived from the encryption key, which is never stored (src/store/collect-rate-windows.ts).
 */
function expectedBucket(tenantId: string, ip: string): string {
  const bucketKey = createHmac('sha256', ENCRYPTION_KEY).update('capi-relay /v1/collect rate limit').digest();
  return createHmac('sha256', bucketKey).update(`${tenantId}|${ip}`).digest('base64url');
}

describe.each(dialects)('POST /v1/collect on $name', (dialect) => {
  let t: TestRelay;
  let tenant: { id: string; ingestKey: string; publishableKey: string };

  async function setup(overrides: Record<string, unknown> = {}, policy: Record<string, unknown> = {}, clock?: () => number) {
    t = await startTestRelay(dialect, { collectRatePerMinute: 3, ...overrides }, clock);
    tenant = await t.relay.tenants.createTenant('Store', policy);
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '111111111111', accessToken: 'tok-A-0123456789' });
    const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin: `${ORIGIN}/any/path` } });
    expect(res.statusCode).toBe(201);
    expect(res.json().origins).toEqual([ORIGIN]);
  }
  afterEach(async () => t?.close());

  /** A beacon from `remoteAddress` (light-my-request's default: 127.0.0.1). */
  function collect(body: unknown, headers: Record<string, string> = {}, relay: Relay = t.relay, remoteAddress?: string) {
    // text/plain, as navigator.sendBeacon sends it.
    return relay.app.inject({
      method: 'POST',
      url: '/v1/collect',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA, ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
      ...(remoteAddress ? { remoteAddress } : {}),
    });
  }
  const view = (extra: Record<string, unknown> = {}) => ({
    key: tenant.publishableKey, event: 'ViewContent', event_id: 'v-1', url: `${ORIGIN}/p/1`, fbp: 'fb.1.1700000000000.1234567890',
    fbc: 'fb.1.1700000000000.AbC123xyz', value: 10, currency: 'EUR', items: [{ id: 'sku-1', price: 10 }], consent: true, ...extra,
  });

  describe('with the default config', () => {
    beforeEach(async () => setup());

    it('answers 401 without a key or with the ingest key', async () => {
      expect((await collect({ event: 'PageView' })).json().error.code).toBe('unauthorized');
      const wrong = await collect({ key: tenant.ingestKey, event: 'PageView' });
      expect(wrong.statusCode).toBe(401);
    });

    it('answers 403 origin_not_allowed for an origin not on the allow-list, or none', async () => {
      const res = await collect(view(), { origin: 'https://evil.example' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('origin_not_allowed');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const none = await t.relay.app.inject({ method: 'POST', url: '/v1/collect', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(view()) });
      expect(none.statusCode).toBe(403);
    });

    it('answers preflights only for allowed origins', async () => {
      const ok = await t.relay.app.inject({ method: 'OPTIONS', url: '/v1/collect', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
      expect(ok.statusCode).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(ORIGIN);
      const bad = await t.relay.app.inject({ method: 'OPTIONS', url: '/v1/collect', headers: { origin: 'https://evil.example' } });
      expect(bad.statusCode).toBe(403);
    });

    it('accepts a good event as source "browser" with the IP and user agent of the request, ignoring X-Forwarded-For from an untrusted peer', async () => {
      const res = await collect(view(), { 'x-forwarded-for': '198.51.100.7' });
      expect(res.statusCode).toBe(202);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.json().results).toEqual([{ event_id: 'v-1', status: 'accepted' }]);
      const row = await t.relay.store.db.selectFrom('events').selectAll().where('event_id', '=', 'v-1').executeTakeFirstOrThrow();
      expect(row.source).toBe('browser');
      expect(row.event_name).toBe('ViewContent');
      // IP and user agent wait apart from the event, until every pixel has sent it.
      const clear = await t.relay.store.db.selectFrom('event_clear_fields').selectAll().where('tenant_id', '=', row.tenant_id).where('seq', '=', row.seq).executeTakeFirstOrThrow();
      expect(clear.client_ip_address).toBe('127.0.0.1');
      expect(clear.client_user_agent).toBe(UA);
      const payload = JSON.parse(row.payload);
      expect(payload.user_data).toMatchObject({ fbp: 'fb.1.1700000000000.1234567890', fbc: 'fb.1.1700000000000.AbC123xyz' });
      expect(payload.custom_data).toMatchObject({ value: 10, currency: 'EUR', content_ids: ['sku-1'] });
      const clicks = await t.relay.store.db.selectFrom('click_ids').selectAll().execute();
      expect(clicks).toEqual([{ tenant_id: tenant.id, fbp: 'fb.1.1700000000000.1234567890', kind: 'fbclid', click_id: 'AbC123xyz', first_seen_at: 1700000000000 }]);
    });

    it('gives the browser Purchase of order 1001 the webhook id purchase:1001: one event, the second a duplicate', async () => {
      await t.relay.tenants.setPolicy(tenant.id, { eventIdTemplates: { Purchase: 'purchase:{order_id}' } });
      const api = await t.relay.app.inject({
        method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` },
        payload: { event: 'purchase', order_id: '1001', value: 42.5, currency: 'EUR', url: `${ORIGIN}/thanks`, user: { email: 'jane@example.com', user_agent: UA } },
      });
      expect(api.json().results).toEqual([{ event_id: 'purchase:1001', status: 'accepted' }]);
      const browser = await collect({ key: tenant.publishableKey, event: 'Purchase', order_id: '1001', value: 42.5, currency: 'EUR', fbp: 'fb.1.1700000000000.1234567890', consent: true });
      expect(browser.json().results).toEqual([{ event_id: 'purchase:1001', status: 'duplicate' }]);
      const rows = await t.relay.store.db.selectFrom('events').select(['event_id', 'source', 'channels']).execute();
      expect(rows).toEqual([{ event_id: 'purchase:1001', source: 'api', channels: JSON.stringify(['api', 'browser']) }]);
      const link = await t.relay.store.db.selectFrom('order_browsers').select(['order_id', 'fbp']).execute();
      expect(link).toEqual([{ order_id: '1001', fbp: 'fb.1.1700000000000.1234567890' }]);
    });

    it('credits an order to the latest click still inside its window (Meta 28 days, Google 90 days)', async () => {
      const day = 86_400_000;
      const now = Date.now();
      const fbp = 'fb.1.1700000000000.555';
      await collect(view({ event_id: 'a-1', fbp, fbc: `fb.1.${now - 40 * day}.OldClick`, gclid: 'G-old', gclid_at: now - 50 * day }));
      await collect(view({ event_id: 'a-2', fbp, fbc: `fb.1.${now - 2 * day}.NewClick` }));
      await collect({ key: tenant.publishableKey, event: 'Purchase', order_id: 'o-9', value: 5, currency: 'EUR', url: `${ORIGIN}/thanks`, fbp, consent: true });
      const credit = await createClickRepository(t.relay.store).clicksForOrder(tenant.id, 'o-9', now);
      expect(credit).toEqual({ fbclid: { clickId: 'NewClick', firstSeenAt: now - 2 * day }, gclid: { clickId: 'G-old', firstSeenAt: now - 50 * day } });
      expect(await createClickRepository(t.relay.store).clicksForOrder(tenant.id, 'o-9', now + 27 * day)).toEqual({ gclid: { clickId: 'G-old', firstSeenAt: now - 50 * day } });
    });

    it('serves the snippet as JavaScript for a publishable key only', async () => {
      const ok = await t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.publishableKey}` });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['content-type']).toMatch(/^application\/javascript/);
      expect(ok.headers['cache-control']).toContain('max-age');
      expect(ok.body).toContain(tenant.publishableKey);
      expect(ok.body).toContain('"pixelIds":[],"loadPixel":false');
      expect((await t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.ingestKey}` })).statusCode).toBe(401);
      expect((await t.relay.app.inject({ method: 'GET', url: '/sdk.js' })).statusCode).toBe(401);
    });

    it('loads the Pixel from /sdk.js only when the tenant setting loadPixel is on (admin API), for its enabled pixels', async () => {
      const sdk = async () => (await t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.publishableKey}` })).body;
      const settings = (method: 'GET' | 'PUT', payload?: object | string, id = tenant.id) =>
        t.relay.app.inject({ method, url: `/api/v1/tenants/${id}/snippet`, headers: { ...admin, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, payload: typeof payload === 'string' ? payload : payload === undefined ? undefined : JSON.stringify(payload) });
      expect((await settings('GET')).json()).toEqual({ loadPixel: false, cookieDomain: null, acceptSandboxedPixel: false });
      // The old per-page switch no longer loads it: the tenant's setting is the one place.
      expect((await t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.publishableKey}&pixel=1` })).body).toContain('"pixelIds":[],"loadPixel":false');

      const second = await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '222222222222', accessToken: 'tok-B-0123456789' });
      await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '999999999999', accessToken: 'tok-C-0123456789' }).then((p) => t.relay.tenants.setPixelStatus(p.id, 'disabled'));
      const on = await settings('PUT', { loadPixel: true });
      expect(on.statusCode).toBe(200);
      expect(on.json()).toEqual({ loadPixel: true, cookieDomain: null, acceptSandboxedPixel: false });
      expect((await settings('GET')).json()).toEqual({ loadPixel: true, cookieDomain: null, acceptSandboxedPixel: false });
      expect(await sdk()).toContain('"pixelIds":["111111111111","222222222222"],"loadPixel":true');
      await t.relay.tenants.setPixelStatus(second.id, 'disabled');
      expect(await sdk()).toContain('"pixelIds":["111111111111"],"loadPixel":true');

      // Validated: a boolean, nothing unknown, something to change; a known tenant; the admin token.
      for (const bad of [{ loadPixel: 'yes' }, { loadPixel: true, pixel: 1 }, {}, '"true"']) {
        const res = await settings('PUT', bad);
        expect(res.statusCode, JSON.stringify(bad)).toBe(400);
        expect(res.json().error.code).toBe('invalid_body');
      }
      expect((await settings('PUT', { loadPixel: false }, 'no-such-tenant')).json().error.code).toBe('not_found');
      expect((await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/snippet`, payload: { loadPixel: false } })).statusCode).toBe(401);
      expect((await settings('PUT', { loadPixel: false })).json()).toEqual({ loadPixel: false, cookieDomain: null, acceptSandboxedPixel: false });
      expect(await sdk()).toContain('"pixelIds":[],"loadPixel":false');
      // Stored per tenant: the row survives in the database, other tenants keep the default.
      const other = await t.relay.tenants.createTenant('Other');
      expect((await settings('GET', undefined, other.id)).json()).toEqual({ loadPixel: false, cookieDomain: null, acceptSandboxedPixel: false });
      expect(await t.relay.store.db.selectFrom('browser_settings').select(['tenant_id', 'load_pixel']).execute()).toEqual([{ tenant_id: tenant.id, load_pixel: 0 }]);
    });
  });

  it('rate-limits per IP and tenant with 429 rate_limited, and allows again in the next minute', async () => {
    const clock = steppedClock(Date.UTC(2030, 0, 1, 12, 0, 30));
    await setup({}, {}, clock.now);
    for (let i = 0; i < 3; i++) expect((await collect(view({ event_id: `r-${i}` }))).statusCode).toBe(202);
    const res = await collect(view({ event_id: 'r-3' }));
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('rate_limited');
    expect(res.headers['retry-after']).toBe('1');
    // Another tenant has its own count.
    const other = await t.relay.tenants.createTenant('Other');
    await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${other.id}/origins`, headers: admin, payload: { origin: ORIGIN } });
    expect((await collect({ ...view({ event_id: 'o-1' }), key: other.publishableKey })).statusCode).toBe(202);
    clock.advance(60_000);
    expect((await collect(view({ event_id: 'r-4' }))).statusCode).toBe(202);
  });

  if (dialect.name === 'postgres') {
    it('holds one limit across two nodes sharing the database, counted under a keyed hash (no IP stored)', async () => {
      const clock = steppedClock(Date.UTC(2030, 0, 1, 12, 0, 30));
      await setup({ deliveryEnabled: false }, {}, clock.now);
      // A second node: its own process state, the same database and encryption key.
      const nodeB = await startRelayNode(t.db, { collectRatePerMinute: 3, deliveryEnabled: false }, clock.now);
      try {
        const nodes = [t.relay, nodeB, t.relay];
        for (const [i, node] of nodes.entries()) expect((await collect(view({ event_id: `n-${i}` }), {}, node)).statusCode).toBe(202);
        // Three hits in this minute between them: both nodes now refuse, though each saw fewer than three.
        expect((await collect(view({ event_id: 'n-3' }), {}, nodeB)).statusCode).toBe(429);
        expect((await collect(view({ event_id: 'n-4' }), {}, t.relay)).statusCode).toBe(429);
        const windows = await t.relay.store.db.selectFrom('collect_rate_windows').selectAll().execute();
        expect(windows).toHaveLength(1);
        expect(windows[0]).toMatchObject({ window_start: Date.UTC(2030, 0, 1, 12, 0, 0), hits: 5 });
        // Another client IP of the tenant is counted apart: a bucket of its own, not yet over the limit.
        const otherIp = '198.51.100.23';
        expect((await collect(view({ event_id: 'n-ip' }), {}, nodeB, otherIp)).statusCode).toBe(202);
        // No IP (nor tenant) is stored, in any encoding: each bucket is the keyed hash of tenant and IP, one per IP.
        const rows = await t.relay.store.db.selectFrom('collect_rate_windows').selectAll().orderBy('hits').execute();
        const stored = JSON.stringify(rows);
        for (const clear of ['127.0.0.1', otherIp, tenant.id]) {
          for (const encoding of ['utf8', 'hex', 'base64url'] as const) expect(stored, `${clear} as ${encoding}`).not.toContain(Buffer.from(clear).toString(encoding));
        }
        expect(rows.map((r) => ({ bucket: r.bucket, hits: r.hits }))).toEqual([{ bucket: expectedBucket(tenant.id, otherIp), hits: 1 }, { bucket: expectedBucket(tenant.id, '127.0.0.1'), hits: 5 }]);

        // The next minute starts a new window on both nodes, and the past one is deleted.
        clock.advance(60_000);
        expect((await collect(view({ event_id: 'n-5' }), {}, nodeB)).statusCode).toBe(202);
        expect((await collect(view({ event_id: 'n-6' }), {}, t.relay)).statusCode).toBe(202);
        const after = await t.relay.store.db.selectFrom('collect_rate_windows').select(['window_start', 'hits']).execute();
        expect(after).toEqual([{ window_start: Date.UTC(2030, 0, 1, 12, 1, 0), hits: 2 }]);
        // Racing requests on both nodes: the upsert counts atomically, so exactly the one hit left goes through.
        const raced = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => collect(view({ event_id: `race-${i}` }), {}, i % 2 ? nodeB : t.relay)));
        expect(raced.map((r) => r.statusCode).sort()).toEqual([202, 429, 429, 429, 429, 429]);
      } finally {
        await nodeB.close();
      }
    });
  } else {
    it('keeps the limit in memory on SQLite (one node): nothing is written per request', async () => {
      await setup();
      expect((await collect(view({ event_id: 'm-1' }))).statusCode).toBe(202);
      expect(await t.relay.store.db.selectFrom('collect_rate_windows').selectAll().execute()).toEqual([]);
    });

    // The CLI writes through the same repository as the admin API (tested on both dialects): one run suffices.
    it('sets loadPixel and the cookie domain from the CLI, which refuses a bad value', async () => {
      await setup();
      const env = cliEnv(t.db);
      expect(JSON.parse(await cli(env, 'snippet', 'set', '--tenant', tenant.id, '--load-pixel', 'on', '--json'))).toEqual({ loadPixel: true, cookieDomain: null, acceptSandboxedPixel: false });
      const refused = await runCli(env, ['snippet', 'set', '--tenant', tenant.id, '--load-pixel', 'maybe']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/--load-pixel/);
      // What the CLI stored is what the running relay serves.
      const js = (await t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.publishableKey}` })).body;
      expect(js).toContain('"pixelIds":["111111111111"],"loadPixel":true');
      // The click cookies' domain: normalized, shown, refused when it is not a domain name, back to automatic.
      expect(JSON.parse(await cli(env, 'snippet', 'set', '--tenant', tenant.id, '--cookie-domain', '.Example.co.uk', '--json'))).toEqual({ loadPixel: true, cookieDomain: 'example.co.uk', acceptSandboxedPixel: false });
      expect((await t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.publishableKey}` })).body).toContain('"cookieDomain":"example.co.uk"');
      expect(await cli(env, 'snippet', 'show', '--tenant', tenant.id)).toContain('cookie domain: example.co.uk');
      const badDomain = await runCli(env, ['snippet', 'set', '--tenant', tenant.id, '--cookie-domain', 'https://example.co.uk/']);
      expect(badDomain.code).not.toBe(0);
      expect(badDomain.stderr).toContain('--cookie-domain: cookieDomain must be a domain name');
      expect(JSON.parse(await cli(env, 'snippet', 'set', '--tenant', tenant.id, '--cookie-domain', 'auto', '--json'))).toEqual({ loadPixel: true, cookieDomain: null, acceptSandboxedPixel: false });
    }, 180_000); // seven CLI processes: on a loaded machine each takes seconds to start
  }

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    await setup({ trustedProxies: '127.0.0.1' });
    const res = await collect(view({ event_id: 'x-1' }), { 'x-forwarded-for': '198.51.100.7, 127.0.0.1' });
    expect(res.statusCode).toBe(202);
    const row = await t.relay.store.db
      .selectFrom('events')
      .innerJoin('event_clear_fields as c', (j) => j.onRef('c.tenant_id', '=', 'events.tenant_id').onRef('c.seq', '=', 'events.seq'))
      .select('c.client_ip_address')
      .where('event_id', '=', 'x-1')
      .executeTakeFirstOrThrow();
    expect(row.client_ip_address).toBe('198.51.100.7');
  });

  it("names its https address in /sdk.js behind a trusted TLS proxy, and ignores the header from anyone else", async () => {
    await setup({ trustedProxies: '127.0.0.1' });
    const sdk = (remoteAddress: string) =>
      t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.publishableKey}`, headers: { host: 'relay.example', 'x-forwarded-proto': 'https' }, remoteAddress });
    expect((await sdk('127.0.0.1')).body).toContain('"endpoint":"https://relay.example"');
    expect((await sdk('203.0.113.5')).body).toContain('"endpoint":"http://relay.example"');
  });

  it('skips events without consent when the tenant requires it, and keeps no click ids', async () => {
    await setup({}, { consent: { advertisingCategory: 'marketing' } });
    const res = await collect(view({ event_id: 'c-1', consent: false }));
    expect(res.json().results[0]).toMatchObject({ status: 'skipped', code: 'no_consent' });
    expect(await t.relay.store.db.selectFrom('click_ids').selectAll().execute()).toEqual([]);
  });
});
