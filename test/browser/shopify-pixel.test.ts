/**
 * Issue 17: the generated Shopify custom pixel, run in Chromium inside a harness that reproduces Shopify's pixel
 * sandbox as the Web Pixels API documents it: a sandboxed iframe (scripts only, so an opaque origin) whose globals
 * are `analytics.subscribe`, `browser.cookie.get` (a Promise, answered by the top frame), `init.customerPrivacy`
 * and `api.customerPrivacy.subscribe('visitorConsentCollected')`; each event's `context` is the top page's. The
 * store's five standard events fire with Shopify's payloads, then Shopify's signed orders/create webhook for the
 * same order arrives: the relay stores the order once, with both channels, and Meta receives one Purchase.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { waitUntil } from '../helpers/processes.js';
import { ADMIN_HEADERS, startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';

const hasChromium = chromiumAvailable('Shopify custom pixel in its sandbox');
const PIXEL = '626262626262';
const TOKEN = 'tok-shopify-pixel-0123';
const SHOPIFY_SECRET = 'capi-relay-test-shopify-secret';
const FIXTURES = new URL('../fixtures/', import.meta.url);
const ORDER_ID = '820982911946154508';
// Not the default: the pixel must carry the store's own rule.
const TEMPLATE = 'shop-{order_id}-{event_name}';
const EVENT_ID = `shop-${ORDER_ID}-Purchase`;
const FIXTURE_TIME = '2022-01-01T00:00:00.000Z';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

/** The five events with Shopify's payloads, timed now (Meta refuses events older than 7 days). */
function pixelEvents(at: number): Record<string, { id: string; name: string }> {
  return JSON.parse(fixture('shopify-pixel-events.json').split(FIXTURE_TIME).join(new Date(at).toISOString())) as Record<string, { id: string; name: string }>;
}

/** Shopify's orders/create sample (the same order), a minute old, signed as Shopify signs it. */
function ordersCreate(at: number): { headers: Record<string, string>; body: string } {
  const body = fixture('shopify-orders-create.json').split('2021-12-31T19:00:00-05:00').join(new Date(at).toISOString());
  const headers = JSON.parse(fixture('shopify-orders-create.headers.json')) as Record<string, string>;
  return { headers: { ...headers, 'X-Shopify-Webhook-Id': randomUUID(), 'X-Shopify-Hmac-Sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64') }, body };
}

/**
 * The top frame: the store's page. It answers the sandbox's cookie reads (as Shopify's `browser.cookie` runs in
 * the top frame), stamps each event with its own `context` before handing it to the sandbox, and counts the
 * beacons the sandbox reports sending.
 */
const TOP_PAGE = `<!doctype html><html><head><title>Thank you</title></head><body>
<iframe id="sandbox" sandbox="allow-scripts" src="/sandbox"></iframe>
<script>
  window.__beacons = 0;
  var frame = document.getElementById('sandbox');
  window.addEventListener('message', function (e) {
    var m = e.data || {};
    if (m.type === 'cookie.get') {
      var value = '';
      document.cookie.split('; ').forEach(function (p) { var i = p.indexOf('='); if (p.slice(0, i) === m.name) value = decodeURIComponent(p.slice(i + 1)); });
      frame.contentWindow.postMessage({ type: 'cookie.value', id: m.id, value: value }, '*');
    } else if (m.type === 'beacon') {
      window.__beacons++;
    } else if (m.type === 'ready') {
      window.__sandboxOrigin = m.origin;
      window.__sandboxReady = true;
    }
  });
  window.__publish = function (event) {
    var l = location;
    event.context.document.location = { hash: l.hash, host: l.host, hostname: l.hostname, href: l.href, origin: l.origin, pathname: l.pathname, port: l.port, protocol: l.protocol, search: l.search };
    event.context.document.referrer = document.referrer;
    event.context.document.title = document.title;
    frame.contentWindow.postMessage({ type: 'event', event: event }, '*');
  };
  window.__consent = function (customerPrivacy) { frame.contentWindow.postMessage({ type: 'consent', customerPrivacy: customerPrivacy }, '*'); };
</script></body></html>`;

/** The sandbox's own globals, as Shopify documents them for custom pixels, then the generated code. */
function sandboxPage(pixelCode: string, initialPrivacy: object): string {
  const harness = `
  var subscribers = {}, consentSubscribers = [], pendingCookies = {}, nextId = 0;
  var analytics = { subscribe: function (name, callback) { (subscribers[name] = subscribers[name] || []).push(callback); return function () { return true; }; } };
  var browser = { cookie: {
    get: function (name) { return new Promise(function (resolve) { var id = ++nextId; pendingCookies[id] = resolve; parent.postMessage({ type: 'cookie.get', id: id, name: name }, '*'); }); },
    set: function () { return Promise.resolve(''); } } };
  var init = { customerPrivacy: ${JSON.stringify(initialPrivacy)}, context: {}, data: { customer: null, cart: null, shop: { name: 'Snowdevil' }, purchasingCompany: null } };
  var api = { customerPrivacy: { subscribe: function (name, callback) { if (name === 'visitorConsentCollected') consentSubscribers.push(callback); return function () { return true; }; } } };
  // Counts what leaves for /v1/collect (the sandbox cannot read the answer of a no-cors request).
  var realFetch = fetch;
  fetch = function (url, options) { if (String(url).indexOf('/v1/collect') >= 0) parent.postMessage({ type: 'beacon' }, '*'); return realFetch(url, options); };
  addEventListener('message', function (e) {
    var m = e.data || {};
    if (m.type === 'cookie.value' && pendingCookies[m.id]) { pendingCookies[m.id](m.value); delete pendingCookies[m.id]; }
    if (m.type === 'event') (subscribers[m.event.name] || []).forEach(function (cb) { cb(m.event); });
    if (m.type === 'consent') consentSubscribers.forEach(function (cb) { cb({ customerPrivacy: m.customerPrivacy }); });
  });`;
  const safe = (js: string) => js.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html><html><head><script>${safe(harness)}</script><script>${safe(pixelCode)}</script>
<script>parent.postMessage({ type: 'ready', origin: self.origin }, '*');</script></head><body></body></html>`;
}

async function startShop(): Promise<{ url: string; origin: string; setSandbox(html: string): void; close(): Promise<void> }> {
  let sandbox = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(path === '/sandbox' ? sandbox : TOP_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: origin, origin, setSandbox: (html) => (sandbox = html), close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const DECLINED = { analyticsProcessingAllowed: false, marketingAllowed: false, preferencesProcessingAllowed: false, saleOfDataAllowed: false };
const GRANTED = { analyticsProcessingAllowed: true, marketingAllowed: true, preferencesProcessingAllowed: true, saleOfDataAllowed: true };

describe.skipIf(!hasChromium)('the Shopify custom pixel in a reproduction of Shopify\'s pixel sandbox', () => {
  let t: EmulatedRelay;
  let relayUrl: string;
  let shop: Awaited<ReturnType<typeof startShop>>;
  let browser: Browser;

  beforeAll(async () => {
    t = await startEmulatedRelay(dialects[0]!, { emulator: { pixels: { [PIXEL]: { name: 'Snowdevil', tokens: [TOKEN] } } } });
    relayUrl = await t.relay.listen();
    shop = await startShop();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await t?.close();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await t.relay.app.inject({ method: method as 'POST', url: `/api/v1${path}`, headers: ADMIN_HEADERS, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, json: <T>() => res.json<T>() };
  };
  const beaconsSent = (page: Page) => page.evaluate(() => (window as unknown as { __beacons: number }).__beacons);

  it('sends the funnel once the visitor allows it, and the checkout\'s Purchase and the orders/create webhook reach Meta once', async () => {
    const tenant = (await api('POST', '/tenants', { name: 'Snowdevil' })).json<{ id: string; publishableKey: string }>();
    expect((await api('POST', `/tenants/${tenant.id}/pixels`, { pixelId: PIXEL, accessToken: TOKEN })).status).toBe(201);
    expect((await api('PUT', `/tenants/${tenant.id}/policy`, { eventIdTemplates: { Purchase: TEMPLATE } })).status).toBe(200);
    expect((await api('POST', `/tenants/${tenant.id}/origins`, { origin: shop.origin })).status).toBe(201);
    // The store opts in to beacons from Shopify's sandbox (Origin: null); off, every one is refused.
    expect((await api('PUT', `/tenants/${tenant.id}/snippet`, { acceptSandboxedPixel: true })).status).toBe(200);
    const source = await api('POST', `/tenants/${tenant.id}/sources`, { platform: 'shopify', secret: SHOPIFY_SECRET });
    expect(source.status).toBe(201);

    // The code the dashboard and the CLI give the merchant, pasted into the sandbox as Shopify runs it.
    const generated = await api('GET', `/tenants/${tenant.id}/shopify-pixel?key=${encodeURIComponent(tenant.publishableKey)}&relay_url=${encodeURIComponent(relayUrl)}`);
    expect(generated.status).toBe(200);
    const pixel = generated.json<{ code: string; keyIncluded: boolean; purchaseEventIdTemplate: string }>();
    expect(pixel).toMatchObject({ keyIncluded: true, purchaseEventIdTemplate: TEMPLATE });
    // A visitor in a region that asks first: nothing is allowed until the banner is answered.
    shop.setSandbox(sandboxPage(pixel.code, DECLINED));

    const context = await browser.newContext();
    const fbp = `fb.1.${Date.now() - 3_600_000}.1234567890`;
    const fbc = `fb.1.${Date.now() - 3_600_000}.IwAR-shopify-click`;
    await context.addCookies([{ name: '_fbp', value: fbp, url: shop.url }, { name: '_fbc', value: fbc, url: shop.url }]);
    const page = await context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(`${shop.url}/checkouts/cn/a1b2c3/thank-you`);
    await page.waitForFunction(() => (window as unknown as { __sandboxReady?: boolean }).__sandboxReady === true);
    // As in Shopify's sandbox, the pixel's requests carry an opaque origin (Origin: null), not the shop's.
    expect(await page.evaluate(() => (window as unknown as { __sandboxOrigin: string }).__sandboxOrigin)).toBe('null');

    const events = pixelEvents(Date.now() - 30_000);
    const publish = (event: unknown) => page.evaluate((e) => (window as unknown as { __publish(e: unknown): void }).__publish(e), event);
    const consent = (p: object) => page.evaluate((c) => (window as unknown as { __consent(c: object): void }).__consent(c), p);
    const refusedView = { ...events.page_viewed!, id: 'sh-refused-page-view' };

    // Undecided, then refused: held, then dropped; nothing leaves the sandbox.
    await publish(refusedView);
    await consent(DECLINED);
    // Undecided again (a later page), then granted: the held event goes, then every later one.
    await publish(events.product_viewed);
    expect(await beaconsSent(page)).toBe(0);
    await consent(GRANTED);
    for (const name of ['product_added_to_cart', 'checkout_started', 'checkout_completed', 'page_viewed']) await publish(events[name]);

    const stored = () => t.relay.store.db.selectFrom('events').select(['id', 'event_name', 'event_id', 'channels', 'source']).where('tenant_id', '=', tenant.id).execute();
    await waitUntil(async () => (await stored()).length === 5, 20_000, async () => `stored: ${JSON.stringify(await stored())}`, 50);
    const rows = await stored();
    expect(rows.map((r) => r.event_name).sort()).toEqual(['AddToCart', 'InitiateCheckout', 'PageView', 'Purchase', 'ViewContent']);
    expect(rows.every((r) => r.source === 'browser')).toBe(true);
    expect(rows.map((r) => r.event_id)).not.toContain(refusedView.id);
    expect(rows.find((r) => r.event_name === 'PageView')?.event_id).toBe(events.page_viewed!.id);
    expect(rows.find((r) => r.event_name === 'Purchase')?.event_id).toBe(EVENT_ID);
    expect(await beaconsSent(page)).toBe(5);

    // Then Shopify posts orders/create for the same order: the same event_id, answered duplicate.
    const hook = ordersCreate(Date.now() - 60_000);
    const res = await fetch(`${relayUrl}/v1/webhooks/shopify/${source.json<{ id: string }>().id}`, { method: 'POST', headers: hook.headers, body: hook.body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: unknown[] }).results).toEqual([{ event_id: EVENT_ID, status: 'duplicate' }]);
    const purchase = (await stored()).filter((r) => r.event_name === 'Purchase');
    expect(purchase).toHaveLength(1);
    expect(JSON.parse(purchase[0]!.channels)).toEqual(['browser', 'webhook:shopify']);

    // Meta receives the order once, with the shop's browser ids and the buyer's email hashed.
    const atMeta = () => t.emulator.state.events({ pixelId: PIXEL });
    await waitUntil(() => atMeta().length === 5, 20_000, () => `at Meta: ${JSON.stringify(atMeta().map((r) => r.event.event_name))}; rejections: ${JSON.stringify(t.emulator.state.rejections())}`, 50);
    const purchases = atMeta().filter((r) => r.event.event_name === 'Purchase');
    expect(purchases.map((r) => r.event.event_id)).toEqual([EVENT_ID]);
    const sent = purchases[0]!.event;
    expect(sent).toMatchObject({ action_source: 'website', custom_data: { value: 404.95, currency: 'USD', order_id: ORDER_ID } });
    expect(sent.event_source_url).toBe(`${shop.url}/checkouts/cn/a1b2c3/thank-you`);
    const ud = sent.user_data as Record<string, unknown>;
    expect(ud).toMatchObject({ fbp, fbc, em: [sha256('jon@example.com')] });
    expect(String(ud.client_user_agent)).toContain('Chrome');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses a sandboxed beacon whose page is not on the store\'s allow-list', async () => {
    const tenant = (await api('POST', '/tenants', { name: 'Elsewhere' })).json<{ id: string; publishableKey: string }>();
    // Opted in, so the page URL is what decides.
    expect((await api('PUT', `/tenants/${tenant.id}/snippet`, { acceptSandboxedPixel: true })).status).toBe(200);
    const res = await fetch(`${relayUrl}/v1/collect`, {
      method: 'POST',
      headers: { origin: 'null', 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ key: tenant.publishableKey, event: 'PageView', url: 'https://not-the-shop.example/', consent: true }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'origin_not_allowed',
      message: "The page https://not-the-shop.example of this sandboxed-frame beacon is not on this tenant's allow-list",
    });
    const rows = await t.relay.store.db.selectFrom('events').select('id').where('tenant_id', '=', tenant.id).execute();
    expect(rows).toEqual([]);
  });
});
