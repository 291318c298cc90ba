/**
 * Issue 18 in a real browser: the snippet on a thank-you page (Chromium) and Shopify's orders/create webhook report
 * the same order. With the default window (60 s) the browser's copy waits for the webhook's, and Meta (the
 * emulator) receives one Purchase: the webhook's value, currency and customer email, the browser's fbp, fbc, IP and
 * user agent.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOriginRepository } from '../../src/store/origins.js';
import { sha256Hex } from '../../src/transform/hash.js';
import { chromiumAvailable } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { waitUntil } from '../helpers/processes.js';
import { startStorePageRelay, type StorePageRelay } from '../helpers/store-page-relay.js';

const hasChromium = chromiumAvailable('channel merge of the snippet and a Shopify webhook');
const PIXEL = '525252525252';
const TOKEN = 'tok-channel-merge-0123';
const SHOPIFY_SECRET = 'capi-relay-test-shopify-secret';
const ORDER = '5252';
const FBCLID = 'IwAR0mergeTestClick';
const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

/** Shopify's orders/create sample as order ORDER, placed now, signed as Shopify signs it (total 404.95 USD, jon@example.com). */
function shopifyOrder(at: number): { headers: Record<string, string>; body: string } {
  const body = fixture('shopify-orders-create.json')
    .replace('"id": 820982911946154508,', `"id": ${ORDER},`)
    .split('2021-12-31T19:00:00-05:00').join(new Date(at).toISOString());
  const headers = JSON.parse(fixture('shopify-orders-create.headers.json')) as Record<string, string>;
  const hmac = createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64');
  return { headers: { ...headers, 'X-Shopify-Webhook-Id': randomUUID(), 'X-Shopify-Hmac-Sha256': hmac }, body };
}

describe.skipIf(!hasChromium).each(dialects)('one merged Purchase from the snippet and a Shopify webhook on $name', (dialect) => {
  let s: StorePageRelay;
  beforeAll(async () => {
    s = await startStorePageRelay(dialect, { id: PIXEL, token: TOKEN });
  });
  afterAll(async () => s?.close());

  const purchasesAtMeta = (eventId: string) => s.t.emulator.state.events({ pixelId: PIXEL }).filter((r) => r.event.event_name === 'Purchase' && r.event.event_id === eventId);

  it('sends one Purchase with the webhook\'s value and email and the browser\'s fbp, fbc, IP and user agent', async () => {
    const { t, relayUrl, store, browser, api } = s;
    const tenant = (await api('POST', '/api/v1/tenants', { name: 'Merge Store' })).json() as { id: string; ingestKey: string; publishableKey: string };
    expect((await api('POST', `/api/v1/tenants/${tenant.id}/pixels`, { pixelId: PIXEL, accessToken: TOKEN })).status).toBe(201);
    await createOriginRepository(t.relay.store).add(tenant.id, store.origin);
    const source = await api('POST', `/api/v1/tenants/${tenant.id}/sources`, { platform: 'shopify', secret: SHOPIFY_SECRET });
    expect(source.status).toBe(201);
    const sourceId = (source.json() as { id: string }).id;

    // An earlier order reported by both sides: the relay now knows this store sends Purchases from both.
    const prime = await fetch(`${relayUrl}/v1/collect`, {
      method: 'POST',
      headers: { origin: store.origin, 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ key: tenant.publishableKey, event: 'Purchase', order_id: '5000', value: 10, currency: 'USD', url: `${store.url}/thanks`, fbp: 'fb.1.1700000000000.5000', consent: true }),
    });
    expect(prime.status).toBe(202);
    const primeServer = await api('POST', '/v1/events', { event: 'purchase', order_id: '5000', value: 10, currency: 'USD', url: `${store.url}/thanks`, user: { email: 'earlier@example.com' } }, { authorization: `Bearer ${tenant.ingestKey}` });
    expect((primeServer.json() as { results: { status: string }[] }).results[0]?.status).toBe('duplicate');
    await waitUntil(() => purchasesAtMeta('purchase:5000').length === 1, 20_000, () => 'the earlier order was not sent', 50);

    // The visitor lands from an ad click (fbclid: the snippet writes _fbc and _fbp), then pays: the thank-you
    // page reports the order with the cart's stale total.
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(tenant.publishableKey)}`);
    const page = await browser.newPage();
    await page.goto(`${store.url}/?fbclid=${FBCLID}`);
    await page.waitForFunction(() => (window as unknown as { capiRelay?: { version?: number } }).capiRelay?.version === 1);
    await page.goto(`${store.url}/thanks?order=${ORDER}&value=30&currency=EUR`);
    await page.waitForFunction(() => (window as unknown as { capiRelay?: { version?: number } }).capiRelay?.version === 1);
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const cookies = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c.value]));
    expect(cookies._fbp).toMatch(/^fb\.1\./);
    expect(cookies._fbc).toContain(FBCLID);
    const held = () => t.relay.store.db.selectFrom('events').select(['seq']).where('tenant_id', '=', tenant.id).where('event_id', '=', `purchase:${ORDER}`).executeTakeFirst();
    await waitUntil(async () => (await held()) !== undefined, 20_000, () => 'the browser Purchase was not stored', 50);
    // Held for its partner: not in the log, not sent.
    expect((await held())?.seq).toBeNull();
    await page.close();
    expect(purchasesAtMeta(`purchase:${ORDER}`)).toHaveLength(0);

    // The webhook arrives: merged and sent at once (well before the 60 s window ends).
    const started = Date.now();
    const webhook = await fetch(`${relayUrl}/v1/webhooks/shopify/${sourceId}`, { method: 'POST', ...shopifyOrder(Date.now() - 30_000) });
    expect(webhook.status).toBe(200);
    await waitUntil(() => purchasesAtMeta(`purchase:${ORDER}`).length === 1, 20_000, () => `not sent; rejections: ${JSON.stringify(t.emulator.state.rejections())}`, 50);
    expect(Date.now() - started).toBeLessThan(20_000);

    const [sent] = purchasesAtMeta(`purchase:${ORDER}`);
    const e = sent!.event as { user_data: Record<string, unknown>; custom_data: Record<string, unknown> };
    expect(e.custom_data).toMatchObject({ value: 404.95, currency: 'USD', order_id: ORDER });
    expect(e.user_data.em).toEqual(expect.arrayContaining([sha256Hex('jon@example.com')]));
    expect(e.user_data).toMatchObject({ fbp: cookies._fbp, fbc: cookies._fbc, client_ip_address: '127.0.0.1', client_user_agent: userAgent });
    // Never twice: the two copies are one row of the log, and the pixel's cursor is past it once the send is
    // recorded, so nothing is left that could send it again (no held copy waiting, no open range holding it).
    const rows = await t.relay.store.db
      .selectFrom('events')
      .select(['seq', 'hold_until', 'merge_outcome'])
      .where('tenant_id', '=', tenant.id)
      .where('event_id', '=', `purchase:${ORDER}`)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ hold_until: null, merge_outcome: 'merged' });
    const seq = Number(rows[0]?.seq);
    const sentThrough = async () => Number((await t.relay.store.db.selectFrom('pixel_cursors').select('sent_through').where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow()).sent_through);
    await waitUntil(async () => (await sentThrough()) >= seq, 20_000, () => 'the send was not recorded', 50);
    expect(purchasesAtMeta(`purchase:${ORDER}`)).toHaveLength(1);
  });
});
