import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createOriginRepository } from '../../src/store/origins.js';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { waitUntil } from '../helpers/processes.js';
import { ADMIN_TOKEN, startTestRelay, type TestRelay } from '../helpers/relay.js';
import { COLLECT_COUNTER, FBEVENTS_STUB, FBEVENTS_URL, startScriptServer, startStorePage, type StorePage } from './store-page.js';
import { deliveryStates } from '../../src/store/delivery-state.js';

const PIXEL = '333333333333';
const hasChromium = chromiumAvailable('browser snippet tests');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const FIXTURES = new URL('../fixtures/', import.meta.url);
// The Shopify test secret the shared fixtures are signed with (fixtures/README.md).
const SHOPIFY_SECRET = 'capi-relay-test-shopify-secret';

type FbqCall = [string, ...unknown[]];
interface SnippetWindow {
  capiRelay: { version?: number; track(name: string, data?: object, options?: object): string; consent(v: boolean): void };
  __fbqCalls?: FbqCall[];
  __collectCalls?: number;
  __pixelLoaded?: boolean;
  __pageOk?: boolean;
  fbq?: unknown;
}

/**
 * Shopify's published orders/create sample, signed as Shopify signs it. Its times are moved to a minute ago
 * (Meta refuses events older than 7 days); the 64-bit order id stays as written, a JSON number beyond 2^53.
 */
function shopifyOrderWebhook(at: number): { headers: Record<string, string>; body: string } {
  const sample = readFileSync(new URL('shopify-orders-create.json', FIXTURES), 'utf8');
  const body = sample.split('2021-12-31T19:00:00-05:00').join(new Date(at).toISOString());
  const headers = JSON.parse(readFileSync(new URL('shopify-orders-create.headers.json', FIXTURES), 'utf8')) as Record<string, string>;
  return {
    headers: { ...headers, 'X-Shopify-Webhook-Id': randomUUID(), 'X-Shopify-Hmac-Sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64') },
    body,
  };
}

describe.skipIf(!hasChromium)('the snippet in a real Chromium', () => {
  let emulator: Emulator;
  let t: TestRelay;
  let relayUrl: string;
  let store: StorePage;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    emulator = createEmulator({ pixels: { [PIXEL]: { name: 'Shop', tokens: ['tok-browser-0123'] } } });
    const graphUrl = await emulator.listen(0);
    t = await startTestRelay(dialects[0]!, { graphUrl, graphVersion: 'v24.0' });
    relayUrl = await t.relay.listen();
    const tenant = await t.relay.tenants.createTenant('Browser Store');
    key = tenant.publishableKey;
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'tok-browser-0123' });
    store = await startStorePage();
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(key)}`);
    await createOriginRepository(t.relay.store).add(tenant.id, store.origin);
    browser = await launchChromium();
  });
  // Tests that point the store page at another tenant's snippet (or a dead relay) are undone here.
  afterEach(() => store?.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(key)}`));
  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await t?.close();
    await emulator?.close();
  });

  /** Opens a store page; `prepare` runs first (network routes, init scripts). */
  async function openPage(path: string, prepare?: (page: Page) => Promise<void>): Promise<{ page: Page; errors: Error[] }> {
    const page = await browser.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    await prepare?.(page);
    await page.goto(`${store.url}${path}`);
    return { page, errors };
  }
  const snippetReady = (page: Page) => page.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1);
  const fbqCalls = async (page: Page) => (await page.evaluate(() => (window as unknown as SnippetWindow).__fbqCalls)) ?? [];
  const received = (id: string) => emulator.state.events({ pixelId: PIXEL }).find((r) => r.event.event_id === id);
  /** Polls a condition (the relay and the emulator work in the background): no fixed sleeps. */
  const waitFor = (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000) =>
    waitUntil(ok, timeoutMs, () => `${what}; emulator rejections: ${JSON.stringify(emulator.state.rejections())}`, 50);
  const waitForEvents = (ids: string[]) => waitFor(`events ${ids.join(', ')} at the emulator`, () => ids.every((id) => received(id)));
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${relayUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** A tenant with the emulator's pixel, the store page's origin, and the store page pointed at its snippet. */
  async function storeTenant(name: string) {
    const tenant = await t.relay.tenants.createTenant(name);
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'tok-browser-0123' });
    await createOriginRepository(t.relay.store).add(tenant.id, store.origin);
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(tenant.publishableKey)}`);
    return tenant;
  }

  it('sets _fbc from fbclid, fires the funnel with one event_id shared by the Pixel and the server', async () => {
    const { page, errors } = await openPage('/?fbclid=AbC123xyz');
    await snippetReady(page);
    const cookies = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c.value]));
    // Meta's format: fb.<subdomain index>.<creation time in ms>.<fbclid, case kept>.
    expect(cookies._fbc).toMatch(/^fb\.1\.\d{13}\.AbC123xyz$/);
    expect(cookies._fbp).toMatch(/^fb\.1\.\d{13}\.\d+$/);

    const ids = await page.evaluate(() => {
      const r = (window as unknown as SnippetWindow).capiRelay;
      const item = { id: 'sku-1', price: 21.25, quantity: 2 };
      return [
        r.track('ViewContent', { items: [item], value: 21.25, currency: 'EUR' }),
        r.track('AddToCart', { items: [item], value: 42.5, currency: 'EUR' }),
        r.track('InitiateCheckout', { items: [item], value: 42.5, currency: 'EUR' }),
        r.track('Purchase', { order_id: '1001', items: [item], value: 42.5, currency: 'EUR', email: 'Jane@Example.com' }),
      ];
    });
    expect(ids[3]).toBe('purchase:1001');
    await waitForEvents(ids);

    const tracked = (await fbqCalls(page)).filter((c) => c[0] === 'track') as [string, string, Record<string, unknown>, { eventID: string }][];
    const names = ['ViewContent', 'AddToCart', 'InitiateCheckout', 'Purchase'];
    names.forEach((name, i) => {
      const call = tracked.find((c) => c[1] === name && c[3].eventID === ids[i]);
      expect(call, `fbq call for ${name}`).toBeDefined();
      const server = received(ids[i]!)!.event;
      expect(server.event_name).toBe(name);
      expect(server.event_id).toBe(call![3].eventID);
      const ud = server.user_data as Record<string, unknown>;
      expect(ud.fbc).toBe(cookies._fbc);
      expect(ud.fbp).toBe(cookies._fbp);
      expect(ud.client_ip_address).toBe('127.0.0.1');
      expect(String(ud.client_user_agent)).toContain('Chrome');
    });
    expect(tracked.find((c) => c[1] === 'Purchase')![2]).toMatchObject({ order_id: '1001', value: 42.5, currency: 'EUR', content_ids: ['sku-1'] });
    // Contact data reaches Meta hashed only (and the Pixel never gets it).
    expect((received('purchase:1001')!.event.user_data as Record<string, unknown>).em).toEqual([sha256('jane@example.com')]);
    expect(JSON.stringify(tracked)).not.toContain('Jane@Example.com');
    expect(JSON.stringify(received('purchase:1001')!.event).toLowerCase()).not.toContain('jane@example.com');
    // The events are logged as browser events.
    const sources = await t.relay.store.db.selectFrom('events').select('source').distinct().execute();
    expect(sources).toEqual([{ source: 'browser' }]);

    // A later page with the same fbclid keeps the first click time.
    await page.goto(`${store.url}/cart?fbclid=AbC123xyz`);
    await snippetReady(page);
    const again = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c.value]));
    expect(again._fbc).toBe(cookies._fbc);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('gives the thank-you page Purchase and the signed Shopify order webhook one event_id: Meta gets the order once', async () => {
    const tenant = await storeTenant('Shopify Store');
    const source = await admin('POST', `/tenants/${tenant.id}/sources`, { platform: 'shopify', secret: SHOPIFY_SECRET });
    expect(source.status).toBe(201);
    const sourceId = ((await source.json()) as { id: string }).id;
    const orderId = '820982911946154508'; // the sample order's id, beyond 2^53
    const eventId = `purchase:${orderId}`;

    // The customer lands on the thank-you page: the page tracks the order's Purchase (Pixel + relay).
    const { page, errors } = await openPage(`/thanks?order=${orderId}&value=404.95&currency=USD&email=jon@example.com`);
    await snippetReady(page);
    const pixelPurchase = (await fbqCalls(page)).find((c) => c[0] === 'track' && c[1] === 'Purchase') as [string, string, object, { eventID: string }] | undefined;
    expect(pixelPurchase?.[3].eventID).toBe(eventId);
    const stored = () => t.relay.store.db.selectFrom('events').select(['id', 'event_id', 'source', 'channels']).where('tenant_id', '=', tenant.id).where('event_name', '=', 'Purchase').execute();
    await waitFor('the browser Purchase to be stored', async () => (await stored()).length === 1);

    // Then Shopify posts orders/create for the same order, signed with the source's secret.
    const hook = shopifyOrderWebhook(Date.now() - 60_000);
    const res = await fetch(`${relayUrl}/v1/webhooks/shopify/${sourceId}`, { method: 'POST', headers: hook.headers, body: hook.body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: unknown[] }).results).toEqual([{ event_id: eventId, status: 'duplicate' }]);

    // One event, reported by both channels, delivered once.
    const rows = await stored();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.event_id).toBe(eventId);
    expect(JSON.parse(rows[0]!.channels)).toEqual(['browser', 'webhook:shopify']);
    const deliveries = async () => (await deliveryStates(t.relay.store.db, tenant.id)).filter((d) => d.eventRowId === rows[0]!.id).map((d) => ({ status: d.status }));
    await waitFor('the Purchase delivery', async () => (await deliveries()).some((d) => d.status === 'sent'));
    expect(await deliveries()).toEqual([{ status: 'sent' }]);
    const atMeta = emulator.state.events({ pixelId: PIXEL }).filter((r) => r.event.event_id === eventId);
    expect(atMeta).toHaveLength(1);
    expect(atMeta[0]!.event).toMatchObject({ event_name: 'Purchase', custom_data: { value: 404.95, currency: 'USD' } });
    expect((atMeta[0]!.event.user_data as Record<string, unknown>).em).toEqual([sha256('jon@example.com')]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('loads the Meta Pixel for the tenant\'s pixels when the tenant turns loadPixel on', async () => {
    const tenant = await storeTenant('Pixel Store');
    const off = await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '444444444444', accessToken: 'tok-disabled-0123' });
    await t.relay.tenants.setPixelStatus(off.id, 'disabled');
    expect(await (await admin('PUT', `/tenants/${tenant.id}/snippet`, { loadPixel: true })).json()).toEqual({ loadPixel: true, cookieDomain: null, acceptSandboxedPixel: false });

    // The store has no Pixel tag of its own (nopixel=1): the snippet loads Meta's, served here by a stub.
    const pixelRequests: string[] = [];
    const { page, errors } = await openPage('/?nopixel=1', async (p) => {
      await p.route(FBEVENTS_URL, async (route) => {
        pixelRequests.push(route.request().url());
        await route.fulfill({ contentType: 'application/javascript', body: FBEVENTS_STUB });
      });
    });
    await page.waitForFunction(() => (window as unknown as SnippetWindow).__pixelLoaded === true);
    const id = await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('AddToCart', { items: [{ id: 'sku-2' }], value: 7, currency: 'EUR' }));
    await waitForEvents([id]);
    expect(pixelRequests).toEqual([FBEVENTS_URL]);

    const calls = await fbqCalls(page);
    // Every enabled pixel is initialised, before any event; the disabled one is not.
    expect(calls.filter((c) => c[0] === 'init')).toEqual([['init', PIXEL]]);
    expect(calls.findIndex((c) => c[0] === 'init')).toBe(0);
    // The queued calls (made before fbevents.js arrived) and the later ones all reached the Pixel.
    expect(calls.filter((c) => c[0] === 'track').map((c) => c[1])).toEqual(['ViewContent', 'PageView', 'AddToCart']);
    const addToCart = calls.find((c) => c[0] === 'track' && c[1] === 'AddToCart') as [string, string, object, { eventID: string }];
    expect(addToCart[3].eventID).toBe(id);
    expect(received(id)!.event.event_id).toBe(addToCart[3].eventID);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps working when an ad blocker stops the Pixel the snippet loads: the server copy still goes', async () => {
    const tenant = await storeTenant('Blocked Pixel Store');
    expect((await admin('PUT', `/tenants/${tenant.id}/snippet`, { loadPixel: true })).status).toBe(200);
    let blocked = 0;
    const { page, errors } = await openPage('/?nopixel=1', async (p) => {
      await p.route(FBEVENTS_URL, async (route) => {
        blocked++;
        await route.abort('blockedbyclient');
      });
    });
    await snippetReady(page);
    const id = await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('InitiateCheckout', { value: 5, currency: 'EUR' }));
    await waitForEvents([id]);
    expect(blocked).toBe(1);
    expect(await page.evaluate(() => (window as unknown as SnippetWindow).__pixelLoaded)).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as SnippetWindow).__pageOk)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps working without any Pixel (the store has none, the tenant loads none): the server copy still goes', async () => {
    const { page, errors } = await openPage('/?nopixel=1');
    await snippetReady(page);
    const id = await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('AddToCart', { value: 5, currency: 'EUR' }));
    await waitForEvents([id]);
    // loadPixel is off by default: the snippet added no fbq (it would have, synchronously, when it ran).
    expect(await page.evaluate(() => (window as unknown as SnippetWindow).fbq)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is refused for a store origin not on the tenant allow-list: 403, nothing stored, the page unharmed', async () => {
    const elsewhere = await t.relay.tenants.createTenant('Other Origin Store');
    await createOriginRepository(t.relay.store).add(elsewhere.id, 'https://shop.example');
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(elsewhere.publishableKey)}`);
    const refused: number[] = [];
    const { page, errors } = await openPage('/', async (p) => {
      p.on('response', (r) => {
        if (r.url().endsWith('/v1/collect')) refused.push(r.status());
      });
    });
    await snippetReady(page);
    // The page's early ViewContent and the automatic PageView both went, and both were refused.
    await waitFor('two answers from /v1/collect', () => refused.length === 2);
    expect(refused).toEqual([403, 403]);
    expect(await t.relay.store.db.selectFrom('events').select('id').where('tenant_id', '=', elsewhere.id).execute()).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends nothing before consent when the tenant requires it, then everything held once granted', async () => {
    const strict = await t.relay.tenants.createTenant('Consent Store', { consent: { advertisingCategory: 'marketing' } });
    // A pixel, so the consented events are queued rather than skipped for want of one.
    await t.relay.tenants.addPixel({ tenantId: strict.id, pixelId: PIXEL, accessToken: 'tok-browser-0123' });
    await createOriginRepository(t.relay.store).add(strict.id, store.origin);
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(strict.publishableKey)}`);
    const { page, errors } = await openPage('/', async (p) => {
      await p.addInitScript(COLLECT_COUNTER);
    });
    await snippetReady(page);
    const id = await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('Purchase', { order_id: '3003', value: 9, currency: 'EUR' }));
    // The snippet sends synchronously inside track(): counting the calls as they leave shows nothing left,
    // with no waiting to see whether something arrives.
    expect(await page.evaluate(() => (window as unknown as SnippetWindow).__collectCalls)).toBe(0);
    expect((await fbqCalls(page)).filter((c) => c[0] === 'track')).toEqual([]);
    const stored = () => t.relay.store.db.selectFrom('events').select(['event_id', 'drop_code']).where('tenant_id', '=', strict.id).execute();

    await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.consent(true));
    // The held ViewContent (page script), PageView and Purchase all go at once, consented (not dropped).
    expect(await page.evaluate(() => (window as unknown as SnippetWindow).__collectCalls)).toBe(3);
    await waitFor('the three held events to be stored', async () => (await stored()).length === 3);
    const rows = await stored();
    expect(rows.map((r) => r.event_id)).toContain(id);
    expect(rows.every((r) => r.drop_code === null)).toBe(true);
    const fbqIds = (await fbqCalls(page)).filter((c) => c[0] === 'track').map((c) => (c[3] as { eventID: string }).eventID);
    expect(fbqIds).toContain(id);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('never breaks the page when the relay is down, before or after the snippet loaded', async () => {
    // Down before: the script tag fails; the paste-in stub keeps calls from throwing.
    store.setSdkUrl('http://127.0.0.1:9/sdk.js?key=x');
    const down = await openPage('/');
    expect(await down.page.evaluate(() => (window as unknown as SnippetWindow).__pageOk)).toBe(true);
    await down.page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('Lead'));
    expect(down.errors).toEqual([]);
    await down.page.close();

    // Down after: the snippet loaded, then its relay went away; track() still returns quietly.
    const js = await (await fetch(`${relayUrl}/sdk.js?key=${encodeURIComponent(key)}`)).text();
    const gone = await startScriptServer(js);
    store.setSdkUrl(`${gone.url}/sdk.js`);
    const later = await openPage('/');
    await snippetReady(later.page);
    await gone.close();
    const beaconFailed = later.page.waitForEvent('requestfailed', (r) => r.url().endsWith('/v1/collect'));
    const id = await later.page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('Purchase', { order_id: '2002', value: 1, currency: 'EUR' }));
    expect(id).toBe('purchase:2002');
    // The beacon's failure has happened (a positive signal), and nothing of it reached the page.
    await beaconFailed;
    expect(later.errors).toEqual([]);
    expect(await later.page.evaluate(() => (window as unknown as SnippetWindow).__pageOk)).toBe(true);
    await later.page.close();
  });
});
