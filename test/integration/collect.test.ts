import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClickRepository } from '../../src/store/clicks.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, startTestRelay, type TestRelay } from '../helpers/relay.js';

const ORIGIN = 'https://shop.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140';

describe.each(dialects)('POST /v1/collect on $name', (dialect) => {
  let t: TestRelay;
  let tenant: { id: string; ingestKey: string; publishableKey: string };

  async function setup(overrides: Record<string, unknown> = {}, policy: Record<string, unknown> = {}) {
    t = await startTestRelay(dialect, { collectRatePerMinute: 3, ...overrides });
    tenant = await t.relay.tenants.createTenant('Store', policy);
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '111111111111', accessToken: 'tok-A-0123456789' });
    const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { origin: `${ORIGIN}/any/path` } });
    expect(res.statusCode).toBe(201);
    expect(res.json().origins).toEqual([ORIGIN]);
  }
  afterEach(async () => t?.close());

  function collect(body: unknown, headers: Record<string, string> = {}) {
    // text/plain, as navigator.sendBeacon sends it.
    return t.relay.app.inject({
      method: 'POST',
      url: '/v1/collect',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA, ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
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
      expect(row.client_ip_address).toBe('127.0.0.1');
      expect(row.client_user_agent).toBe(UA);
      const payload = JSON.parse(row.payload);
      expect(payload.user_data).toMatchObject({ fbp: 'fb.1.1700000000000.1234567890', fbc: 'fb.1.1700000000000.AbC123xyz' });
      expect(payload.custom_data).toMatchObject({ value: 10, currency: 'EUR', content_ids: ['sku-1'] });
      const clicks = await t.relay.store.db.selectFrom('click_ids').selectAll().execute();
      expect(clicks).toEqual([{ tenant_id: tenant.id, fbp: 'fb.1.1700000000000.1234567890', kind: 'fbclid', click_id: 'AbC123xyz', first_seen_at: 1700000000000 }]);
    });

    it('rate-limits per IP and tenant with 429 rate_limited', async () => {
      for (let i = 0; i < 3; i++) expect((await collect(view({ event_id: `r-${i}` }))).statusCode).toBe(202);
      const res = await collect(view({ event_id: 'r-3' }));
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('rate_limited');
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
      const rows = await t.relay.store.db.selectFrom('events').select(['event_id', 'source']).execute();
      expect(rows).toEqual([{ event_id: 'purchase:1001', source: 'api' }]);
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
      expect(ok.body).toContain('"pixelIds":[]');
      const pixel = await t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.publishableKey}&pixel=1` });
      expect(pixel.body).toContain('"pixelIds":["111111111111"]');
      expect((await t.relay.app.inject({ method: 'GET', url: `/sdk.js?key=${tenant.ingestKey}` })).statusCode).toBe(401);
    });
  });

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    await setup({ trustedProxies: '127.0.0.1' });
    const res = await collect(view({ event_id: 'x-1' }), { 'x-forwarded-for': '198.51.100.7, 127.0.0.1' });
    expect(res.statusCode).toBe(202);
    const row = await t.relay.store.db.selectFrom('events').select('client_ip_address').where('event_id', '=', 'x-1').executeTakeFirstOrThrow();
    expect(row.client_ip_address).toBe('198.51.100.7');
  });

  it('drops events without consent when the tenant requires it, and keeps no click ids', async () => {
    await setup({}, { consent: { advertisingCategory: 'marketing' } });
    const res = await collect(view({ event_id: 'c-1', consent: false }));
    expect(res.json().results[0]).toMatchObject({ status: 'accepted', code: 'no_consent' });
    expect(await t.relay.store.db.selectFrom('click_ids').selectAll().execute()).toEqual([]);
  });
});
