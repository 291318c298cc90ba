import { createHash } from 'node:crypto';
import { Analytics } from '@segment/analytics-node';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, type EmulatedStore, type TestRelay, useEmulatedStore } from '../helpers/relay.js';

/**
 * Segment / RudderStack HTTP Tracking API: the real @segment/analytics-node client, pointed at the relay
 * through its own httpClient option, and bodies shaped as analytics.js sends them, become Meta events at the
 * emulator through the one ingest path.
 */
const PIXEL = '111111111111';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';

describe.each(dialects)('Segment HTTP API on $name', (dialect) => {
  const clock = steppedClock();
  let emulator: Emulator;
  let t: TestRelay;
  let tenant: EmulatedStore['tenant'];

  useEmulatedStore(dialect, clock, { [PIXEL]: { name: 'A', tokens: ['tok-A'] } }, (store) => ({ emulator, t, tenant } = store));

  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const seen: { url: string; status: number; body: string }[] = [];

  /** analytics-node with its transport answered by the relay in-process; only the host changes. */
  function client(opts: { flushAt?: number } = {}) {
    return new Analytics({
      writeKey: tenant.ingestKey,
      host: 'https://relay.example.com',
      flushAt: opts.flushAt ?? 20,
      maxRetries: 0,
      httpClient: async (url, init) => {
        const res = await t.relay.app.inject({ method: 'POST', url: new URL(url).pathname, headers: init.headers, payload: init.body });
        seen.push({ url, status: res.statusCode, body: res.body });
        return { status: res.statusCode, statusText: 'ok', text: async () => res.body };
      },
    });
  }

  async function drain() {
    for (let i = 0; i < 20 && (await t.relay.engine!.tick()) > 0; i++);
  }
  const at = () => emulator.state.events({ pixelId: PIXEL });
  const iso = (agoMs = 60_000) => new Date(clock.now() - agoMs).toISOString();
  const context = { ip: '203.0.113.9', userAgent: UA, page: { url: 'https://shop.example.com/p/mug', referrer: 'https://www.google.com/' } };

  it('analytics-node: identify, then Product Viewed, Product Added, Checkout Started, Order Completed, Signed Up, page and a custom event', async () => {
    const analytics = client();
    analytics.identify({ userId: 'cust-42', traits: { email: 'Jane.Doe@Example.com', phone: '+1 650 555 1212', name: 'Jane Doe', address: { city: 'Menlo Park', state: 'CA', postalCode: '94025', country: 'US' } }, timestamp: iso() });
    analytics.track({ userId: 'cust-42', event: 'Product Viewed', messageId: 'm-view', properties: { product_id: 'SKU-1', name: 'Mug', price: 21.25, currency: 'EUR', category: 'Kitchen' }, context, timestamp: iso() });
    analytics.track({ userId: 'cust-42', event: 'Product Added', messageId: 'm-add', properties: { product_id: 'SKU-1', price: 21.25, quantity: 2, currency: 'EUR' }, context, timestamp: iso() });
    analytics.track({ userId: 'cust-42', event: 'Checkout Started', messageId: 'm-checkout', properties: { value: 42.5, revenue: 42.5, currency: 'EUR', products: [{ product_id: 'SKU-1', price: 21.25, quantity: 2 }] }, context, timestamp: iso() });
    analytics.track({ userId: 'cust-42', event: 'Order Completed', messageId: 'm-order', properties: { order_id: '1001', total: 47.5, revenue: 42.5, currency: 'EUR', products: [{ product_id: 'SKU-1', sku: 'MUG-1', name: 'Mug', price: 21.25, quantity: 2 }] }, context, timestamp: iso() });
    analytics.track({ userId: 'cust-43', event: 'Signed Up', messageId: 'm-signup', properties: {}, context: { ...context, traits: { email: 'new@example.com' } }, timestamp: iso() });
    analytics.page({ anonymousId: 'anon-1', name: 'Home', messageId: 'm-page', properties: { url: 'https://shop.example.com/' }, context: { ip: '203.0.113.10', userAgent: UA }, timestamp: iso() });
    analytics.track({ userId: 'cust-42', event: 'Coupon Applied', messageId: 'm-coupon', properties: { coupon_id: 'SPRING' }, context, timestamp: iso() });
    await analytics.closeAndFlush();
    expect(seen.every((s) => s.status === 200 && s.url.endsWith('/v1/batch'))).toBe(true);
    await drain();
    const byName = Object.fromEntries(at().map((r) => [r.event.event_name, r.event]));
    expect(Object.keys(byName).sort()).toEqual(['AddToCart', 'CompleteRegistration', 'Coupon Applied', 'InitiateCheckout', 'PageView', 'Purchase', 'ViewContent']);
    // The Purchase gets the store's Purchase event_id rule (order webhooks and the snippet produce the same id).
    expect(byName.Purchase).toMatchObject({ event_id: 'purchase:1001', action_source: 'website', event_source_url: 'https://shop.example.com/p/mug', custom_data: { value: 47.5, currency: 'EUR', order_id: '1001' } });
    expect(byName.Purchase?.custom_data?.contents).toEqual([expect.objectContaining({ id: 'SKU-1', quantity: 2 })]);
    // identify traits, remembered for the user, hashed as Meta wants them; IP and user agent in clear.
    expect(byName.Purchase?.user_data).toMatchObject({ em: [sha('jane.doe@example.com')], ph: [sha('16505551212')], fn: [sha('jane')], ln: [sha('doe')], ct: [sha('menlopark')], external_id: [sha('cust-42')], client_ip_address: '203.0.113.9', client_user_agent: UA });
    expect(byName.ViewContent).toMatchObject({ event_id: 'm-view', custom_data: { value: 21.25, currency: 'EUR' } });
    expect(byName.AddToCart).toMatchObject({ event_id: 'm-add', custom_data: { value: 42.5 } });
    expect(byName.InitiateCheckout).toMatchObject({ event_id: 'm-checkout', custom_data: { value: 42.5 } });
    expect(byName.CompleteRegistration?.user_data.em).toEqual([sha('new@example.com')]);
    expect(byName.PageView).toMatchObject({ event_id: 'm-page', event_source_url: 'https://shop.example.com/' });
    expect(byName['Coupon Applied']).toMatchObject({ event_id: 'm-coupon' });
    // Only hashes are remembered: no plain e-mail or user id in the traits table.
    const rows = await t.relay.store.db.selectFrom('user_traits').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toMatch(/jane|cust-42|Menlo/i);
    // An erasure request for the customer's e-mail deletes the remembered traits too.
    const forget = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/forget`, headers: ADMIN_HEADERS, payload: { email: 'jane.doe@example.com' } });
    expect(forget.statusCode).toBe(200);
    expect(await t.relay.store.db.selectFrom('user_traits').selectAll().execute()).toHaveLength(0);
  });

  it('analytics-node: a batch of 100 mixed calls in one request, each sent once', async () => {
    seen.length = 0;
    const analytics = client({ flushAt: 100 });
    const names = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Wishlist Shared'];
    for (let i = 0; i < 100; i++) {
      if (i % 10 === 9) analytics.page({ anonymousId: `a-${i}`, messageId: `p-${i}`, context, timestamp: iso() });
      else if (i % 10 === 8) analytics.identify({ userId: `u-${i}`, traits: { email: `u${i}@example.com` }, messageId: `i-${i}` });
      else analytics.track({ userId: `u-${i}`, event: names[i % names.length]!, messageId: `t-${i}`, properties: { order_id: `o-${i}`, product_id: `SKU-${i}`, price: 10, total: 10, currency: 'USD' }, context: { ...context, traits: { email: `u${i}@example.com` } }, timestamp: iso() });
    }
    await analytics.closeAndFlush();
    expect(seen).toHaveLength(1);
    const answer = JSON.parse(seen[0]!.body) as { success: boolean; results: { status: string }[] };
    expect(answer.success).toBe(true);
    expect(answer.results).toHaveLength(100);
    expect(answer.results.filter((r) => r.status === 'remembered')).toHaveLength(10);
    expect(answer.results.filter((r) => r.status === 'accepted')).toHaveLength(90);
    await drain();
    const received = at();
    expect(received).toHaveLength(90);
    expect(new Set(received.map((r) => `${r.event.event_name}|${r.event.event_id}`)).size).toBe(90);
    expect(received.filter((r) => r.event.event_name === 'Purchase').map((r) => r.event.event_id)).toEqual(expect.arrayContaining(['purchase:o-3', 'purchase:o-93']));
    expect(received.filter((r) => r.event.event_name === 'Purchase')).toHaveLength(10);
  });

  it('bodies as analytics.js sends them (anonymousId, context.page, library, consent) on /v1/track, /v1/page, /v1/identify', async () => {
    const ajs = { anonymousId: 'f8c1e0b2-3b61-4a9c-9d7e-6b1c2f9a0e11', context: { library: { name: 'analytics.js', version: 'next-1.70.0' }, locale: 'en-US', userAgent: UA, page: { path: '/p/mug', referrer: '', search: '', title: 'Mug', url: 'https://shop.example.com/p/mug' }, consent: { categoryPreferences: { Advertising: true, Analytics: false } }, ip: '198.51.100.4' }, integrations: {}, sentAt: iso(1000), originalTimestamp: iso(2000), timestamp: iso(2000) };
    const post = (path: string, body: unknown, key = tenant.ingestKey) => t.relay.app.inject({ method: 'POST', url: path, headers: { authorization: basic(key), 'content-type': 'text/plain' }, payload: JSON.stringify(body) });
    const page = await post('/v1/page', { ...ajs, type: 'page', messageId: 'ajs-next-1', properties: { path: '/p/mug', url: 'https://shop.example.com/p/mug', title: 'Mug' } });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({ success: true, results: [{ status: 'accepted', event_id: 'ajs-next-1' }] });
    const id = await post('/v1/identify', { ...ajs, type: 'identify', messageId: 'ajs-next-2', userId: 'cust-9', traits: { email: 'nine@example.com' } });
    expect(id.json().results[0].status).toBe('remembered');
    const track = await post('/v1/track', { ...ajs, type: 'track', messageId: 'ajs-next-3', userId: 'cust-9', event: 'Product Added', properties: { product_id: 'SKU-9', price: 5, quantity: 3, currency: 'USD' } });
    expect(track.json().results[0]).toMatchObject({ status: 'accepted', event_id: 'ajs-next-3' });
    await drain();
    const [pv, atc] = [at().find((r) => r.event.event_name === 'PageView'), at().find((r) => r.event.event_name === 'AddToCart')];
    expect(pv?.event.user_data).toMatchObject({ client_ip_address: '198.51.100.4', client_user_agent: UA });
    expect(atc?.event.user_data).toMatchObject({ em: [sha('nine@example.com')] });
    expect(atc?.event.custom_data).toMatchObject({ value: 15, currency: 'USD' });
  });

  it('refuses a wrong write key before reading the body, and explains bad calls per call', async () => {
    const bad = await t.relay.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic('nope'), 'content-type': 'application/json' }, payload: '{' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('unauthorized');
    const none = await t.relay.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json' }, payload: { batch: [] } });
    expect(none.statusCode).toBe(401);
    const res = await t.relay.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(tenant.ingestKey), 'content-type': 'application/json' }, payload: { batch: [{ type: 'track', event: 'X' }, { type: 'group', userId: 'u', groupId: 'g' }, { type: 'launch', userId: 'u' }, 'junk'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().results.map((r: { status: string }) => r.status)).toEqual(['rejected', 'ignored', 'rejected', 'rejected']);
    const deep = await t.relay.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic(tenant.ingestKey), 'content-type': 'application/json' }, payload: { userId: 'u', event: 'X', properties: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: 1 } } } } } } } } } } } } });
    expect(deep.statusCode).toBe(200);
    expect(deep.json().results[0]).toMatchObject({ status: 'rejected', code: 'invalid_call' });
    const nul = await t.relay.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic(tenant.ingestKey), 'content-type': 'application/json' }, payload: { userId: 'u\u0000', event: 'X' } });
    expect(nul.json().results[0].status).toBe('rejected');
    const wrongType = await t.relay.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic(tenant.ingestKey), 'content-type': 'application/json' }, payload: { type: 'page', userId: 'u' } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.code).toBe('invalid_body');
  });
});
