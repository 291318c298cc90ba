/**
 * The store owner's Overview page and the alerts banner (issue #16), in real Chromium against a relay that
 * delivers to the Graph API emulator: events from every channel (the snippet on a store page, the HTTP API and a
 * signed Shopify webhook) counted by channel; a pixel paused by an expired token, shown on another page and fixed
 * from the alert itself; failed deliveries retried from the alert. No fixed sleeps: every wait is for an element,
 * a text or a count.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsAnswer, TenantOverview } from '../../src/core/overview-api.js';
import { chromiumAvailable, launchChromium, screenshot, signIn } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, createTenantViaApi, startEmulatedRelay, type ApiTenant, type EmulatedRelay } from '../helpers/relay.js';
import { startStorePage, type StorePage } from './store-page.js';

const PASSWORD = 'dashboard-password-42';
const PIXEL = '424242424242';
const PIXEL_NAME = 'Demo Shop main pixel';
const OLD_TOKEN = 'tok-overview-old-0123456789';
const NEW_TOKEN = 'tok-overview-new-0123456789';
const SHOPIFY_SECRET = 'overview-test-shopify-secret';
const available = chromiumAvailable('dashboard overview browser test');
const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.skipIf(!available).each(sqlite)('dashboard overview and alerts in Chromium on $name', (dialect) => {
  let t: EmulatedRelay;
  let browser: Browser;
  let page: Page;
  let base: string;
  let shop: ApiTenant;
  let pixelRowId: string;
  let sourceId: string;
  let store: StorePage;

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => t.relay.app.inject({ method, url, headers: ADMIN_HEADERS, ...(payload === undefined ? {} : { payload }) });
  const overview = async () => (await api('GET', `/api/v1/tenants/${shop.id}/overview`)).json<TenantOverview>();
  const alerts = async () => (await api('GET', `/api/v1/tenants/${shop.id}/alerts`)).json<AlertsAnswer>().alerts;
  const banner = () => page.locator('#alerts');

  /** Events from the store's server (POST /v1/events). */
  async function ingest(events: object[]): Promise<void> {
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shop.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(202);
  }
  const purchase = (orderId: string) => ({ event: 'purchase', order_id: orderId, value: 20, currency: 'EUR', url: `${store.url}/thanks`, user: { email: 'buyer@example.com', ip: '203.0.113.7', user_agent: 'Mozilla/5.0' } });

  /** A Shopify orders/create webhook, signed with `secret` (the source's own, or a wrong one). */
  async function shopifyOrder(orderId: string, secret = SHOPIFY_SECRET): Promise<number> {
    const body = JSON.stringify({ id: orderId, created_at: new Date().toISOString(), total_price: '20.00', currency: 'EUR', email: 'buyer@example.com', order_status_url: 'https://shop.example/orders/1' });
    const res = await fetch(`${base}/v1/webhooks/shopify/${sourceId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': randomUUID(), 'x-shopify-shop-domain': 'shop.myshopify.com',
        'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
      },
      body,
    });
    return res.status;
  }


  beforeAll(async () => {
    t = await startEmulatedRelay(dialect, { emulator: { pixels: { [PIXEL]: { name: PIXEL_NAME, tokens: [OLD_TOKEN, NEW_TOKEN] } } }, relay: { adminPassword: PASSWORD } });
    base = await t.relay.listen();
    store = await startStorePage();
    shop = await createTenantViaApi(t, 'Demo Shop');
    // These tests are about the overview and alerts, not the merge window: a Purchase reported from both sides
    // would otherwise wait up to 60 s for its partner before the pixel's pause or death could show.
    expect((await api('PUT', `/api/v1/tenants/${shop.id}/policy`, { channelMerge: { windowSeconds: 0 } })).statusCode).toBe(200);
    const pixel = await api('POST', `/api/v1/tenants/${shop.id}/pixels`, { pixelId: PIXEL, accessToken: OLD_TOKEN });
    expect(pixel.statusCode).toBe(201);
    pixelRowId = pixel.json<{ id: string }>().id;
    // Test connection is where the relay learns Meta's name for the pixel.
    expect((await api('POST', `/api/v1/pixels/${pixelRowId}/test-connection`)).json()).toMatchObject({ ok: true, name: PIXEL_NAME });
    expect((await api('POST', `/api/v1/tenants/${shop.id}/origins`, { origin: store.origin })).statusCode).toBe(201);
    const source = await api('POST', `/api/v1/tenants/${shop.id}/sources`, { platform: 'shopify', secret: SHOPIFY_SECRET });
    expect(source.statusCode).toBe(201);
    sourceId = source.json<{ id: string }>().id;
    store.setSdkUrl(`${base}/sdk.js?key=${encodeURIComponent(shop.publishableKey)}`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await t?.close();
  });

  it('opens on the Overview with the events of every channel, delivery health by pixel name and the refused requests', async () => {
    // Browser: the thank-you page's snippet reports its PageView, a ViewContent and the Purchase of order 7001.
    const shopper = await browser.newPage();
    await shopper.goto(`${store.url}/thanks?order=7001&value=20&currency=EUR&email=buyer@example.com`);
    await expect.poll(async () => (await overview()).events.last7Days.browser).toBe(3);
    await shopper.close();
    // Server: the store's server reports order 7001 too (one event, two channels) and order 7002; Shopify order 7003.
    await ingest([purchase('7001'), purchase('7002')]);
    expect(await shopifyOrder('7003')).toBe(200);
    // Refused: a webhook signed with another secret, and a beacon with this store's key from a site it does not
    // list (another store lists it: an origin no store lists is refused before the key is read, under no store).
    expect(await shopifyOrder('7004', 'not-the-secret')).toBe(401);
    const neighbour = await createTenantViaApi(t, 'Neighbour Shop');
    expect((await api('POST', `/api/v1/tenants/${neighbour.id}/origins`, { origin: 'https://elsewhere.example' })).statusCode).toBe(201);
    const beacon = await t.relay.app.inject({
      method: 'POST', url: '/v1/collect',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://elsewhere.example' },
      payload: JSON.stringify({ key: shop.publishableKey, event: 'PageView', url: 'https://elsewhere.example/' }),
    });
    expect(beacon.statusCode).toBe(403);
    const expected = { browser: 2, server: 2, both: 1, total: 5 };
    await expect.poll(async () => (await overview()).events.last7Days).toEqual(expected);
    // Everything sent (an order reported twice may go out twice: Meta counts it once by its event_id).
    await expect.poll(async () => (await overview()).deliveries.pending, { timeout: 15_000 }).toBe(0);

    // The first page after signing in, and the first link of the menu.
    await signIn(page, base, PASSWORD, 'Overview: Demo Shop');
    expect(await page.locator('#nav a').first().textContent()).toBe('Overview');
    expect(await page.locator('#nav a').first().getAttribute('aria-current')).toBe('page');
    for (const [channel, n] of Object.entries(expected)) {
      expect(await page.getByTestId(`today-${channel}`).textContent()).toBe(String(n));
      expect(await page.getByTestId(`week-${channel}`).textContent()).toBe(String(n));
    }
    expect(await page.locator('tr[data-channel="both"] th').textContent()).toContain('Both');
    expect(await page.getByTestId('last-event').textContent()).toMatch(/Last event received: just now \(.+\)/);
    const pixelRow = page.locator(`tr[data-pixel-row="${PIXEL}"]`);
    expect(await pixelRow.textContent()).toContain(PIXEL_NAME);
    expect(await pixelRow.locator('.status').textContent()).toBe('sending');
    expect(await page.getByTestId('dead').textContent()).toContain('No deliveries failed — will not retry');
    expect(await page.locator('[data-refused="origin_not_allowed"] .figure').textContent()).toBe('1');
    expect(await page.locator('[data-refused="signature_refused"] .figure').textContent()).toBe('1');
    expect(await page.locator('[data-refused="rate_limited"] .figure').textContent()).toBe('0');
    const hourRow = page.locator('tr[data-hour]');
    expect(await hourRow.count()).toBe(1);
    expect(await hourRow.locator('td').allTextContents()).toEqual([expect.any(String), '1', '1', '0', '']);
    expect(await banner().isVisible()).toBe(false);
    await screenshot(page, '30-overview');

    // It refreshes itself: a new server event shows without a reload.
    await ingest([purchase('7005')]);
    await expect.poll(() => page.getByTestId('week-server').textContent(), { timeout: 15_000 }).toBe('3');
  });

  it('says when the figures are not updated while the relay cannot be reached, and draws itself again once it can', async () => {
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await expect.poll(() => page.getByTestId('overview-updated').textContent(), { timeout: 25_000 }).toMatch(/^Not updated since .*Cannot reach the relay/);
    // The figures drawn before stay on the page.
    expect(await page.getByTestId('week-total').textContent()).toBe('6');
    // Opened while the relay is away, the page says so and draws itself once the relay answers.
    await page.getByRole('link', { name: 'Stores' }).click();
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByRole('heading', { name: 'Cannot reach the relay' }).waitFor();
    await page.unroute('**/api/v1/**');
    await page.getByRole('heading', { name: 'Overview: Demo Shop' }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('overview-updated').textContent()).toMatch(/^Updated /);
  });

  it('fits a 390 px phone screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, base, PASSWORD, 'Overview: Demo Shop');
    await phone.getByTestId('week-total').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    // Not even inside a table: the columns that matter least are hidden instead.
    for (const wrap of await phone.locator('main .table-wrap').all()) expect(await wrap.evaluate((w) => [w.querySelector('caption')?.textContent, w.scrollWidth - w.clientWidth])).toEqual([expect.any(String), 0]);
    await screenshot(phone, '32-overview-phone');
    await phone.close();
  });

  it('shows a paused pixel on every page, and takes its new access token from the alert', async () => {
    // Meta refuses the token: the next delivery pauses the pixel and its events wait.
    t.emulator.state.setFaults({ expireToken: OLD_TOKEN });
    await ingest([purchase('7101')]);
    await expect.poll(async () => (await alerts()).map((a) => a.code), { timeout: 15_000 }).toEqual(['pixel_paused']);

    // Another page than the overview: the banner is on top of every page.
    await page.getByRole('link', { name: 'Event log' }).click();
    await page.getByRole('heading', { name: 'Event log: Demo Shop' }).waitFor();
    const alert = banner().locator('li[data-alert="pixel_paused"]');
    await alert.waitFor();
    expect(await alert.getAttribute('class')).toBe('alert critical');
    expect(await alert.textContent()).toContain('Critical');
    expect(await alert.textContent()).toContain(PIXEL_NAME);
    expect(await banner().getAttribute('role')).toBe('region');
    // Announced once to screen readers (the banner itself is not a live region).
    expect(await page.locator('#announce').textContent()).toMatch(/^Alert: Pixel "Demo Shop main pixel" \(424242424242\) is paused/);
    await screenshot(page, '31-alert-paused-pixel');
    // On a phone too, the alert and its form fit the screen.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, base, PASSWORD, 'Overview: Demo Shop');
    await phone.locator('#alerts li[data-alert="pixel_paused"]').getByLabel('New access token').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await screenshot(phone, 'alert-paused-pixel-phone', { docs: false });
    await phone.close();

    await alert.getByLabel('New access token').fill(NEW_TOKEN);
    await alert.getByRole('button', { name: 'Set a new access token' }).click();
    await expect.poll(() => banner().locator('li').count()).toBe(0);
    expect(await banner().isVisible()).toBe(false);
    expect((await overview()).pixels[0]?.status).toBe('active');
    // What waited is sent with the new token.
    await expect.poll(() => t.emulator.state.events({ pixelId: PIXEL }).some((e) => e.event.event_id === 'purchase:7101'), { timeout: 15_000 }).toBe(true);
    expect(await page.getByRole('heading', { name: 'Event log: Demo Shop' }).count()).toBe(1);
  });

  it('shows failed deliveries on the overview and in the alert, and retries them all from the alert', async () => {
    const engine = t.relay.engine;
    if (!engine) throw new Error('delivery is off');
    // An event Meta refuses (a real 400 from the emulator): it fails and will not be retried.
    await engine.stop();
    await ingest([purchase('7201')]);
    const row = await t.relay.store.db.selectFrom('events').select(['id', 'payload']).where('tenant_id', '=', shop.id).where('event_id', '=', 'purchase:7201').executeTakeFirstOrThrow();
    await t.relay.store.db.updateTable('events').set({ payload: JSON.stringify({ ...JSON.parse(row.payload), advertiser_tracking_enabled: true }) }).where('id', '=', row.id).execute();
    engine.start();
    await expect.poll(async () => (await overview()).deliveries.dead, { timeout: 15_000 }).toBe(1);

    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByRole('heading', { name: 'Overview: Demo Shop' }).waitFor();
    const alert = banner().locator('li[data-alert="dead_deliveries"]');
    await alert.waitFor();
    expect(await alert.getAttribute('class')).toBe('alert warning');
    await expect.poll(() => page.getByTestId('dead').textContent()).toContain('1 delivery: failed — will not retry');
    expect(await page.locator(`tr[data-pixel-row="${PIXEL}"] td`).nth(4).textContent()).toBe('1');

    // The overview's own Retry all asks first too; Escape keeps everything as it is.
    await page.getByTestId('dead').getByRole('button', { name: /^Retry all/ }).click();
    await page.getByTestId('dead').getByRole('button', { name: 'Retry now' }).waitFor();
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('dead').locator('.confirm').count()).toBe(0);
    expect((await overview()).deliveries.dead).toBe(1);

    // Whatever Meta refused is put right (here: the payload as sent), then Retry all from the alert, which asks first.
    await t.relay.store.db.updateTable('events').set({ payload: row.payload }).where('id', '=', row.id).execute();
    await alert.getByRole('button', { name: /^Retry all/ }).click();
    await alert.getByRole('button', { name: 'Cancel' }).click();
    expect(await alert.locator('.confirm').count()).toBe(0);
    await alert.getByRole('button', { name: /^Retry all/ }).click();
    await alert.getByRole('button', { name: 'Retry now' }).click();
    await expect.poll(() => banner().locator('li').count()).toBe(0);
    await expect.poll(() => t.emulator.state.events({ pixelId: PIXEL }).some((e) => e.event.event_id === 'purchase:7201'), { timeout: 15_000 }).toBe(true);
    // The overview redraws itself after the fix.
    await expect.poll(() => page.getByTestId('dead').textContent(), { timeout: 15_000 }).toContain('No deliveries failed — will not retry');
  });

  it("shows the operator every store's alerts, and a store-key session only its own", async () => {
    const other = await createTenantViaApi(t, 'Other Shop');
    const otherPixel = (await api('POST', `/api/v1/tenants/${other.id}/pixels`, { pixelId: '535353535353', accessToken: 'tok-other-0123456789' })).json<{ id: string }>().id;
    await t.relay.store.db.updateTable('pixels').set({ status: 'paused', pause_reason: 'token: expired' }).where('id', '=', otherPixel).execute();
    await page.getByRole('link', { name: 'Stores' }).click();
    await page.getByRole('heading', { name: 'Stores' }).waitFor();
    const alert = banner().locator(`li[data-tenant="${other.id}"]`);
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Other Shop: ');

    const owner = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(owner, base, shop.ingestKey, 'Overview: Demo Shop');
    const asked: string[] = [];
    owner.on('request', (r) => { if (r.url().includes('alerts')) asked.push(new URL(r.url()).pathname); });
    const checked = owner.waitForResponse((r) => r.url().endsWith(`/api/v1/tenants/${shop.id}/alerts`) && r.status() === 200);
    await owner.getByRole('link', { name: 'Stores' }).click();
    await owner.getByRole('heading', { name: 'Stores' }).waitFor();
    await checked;
    expect(asked.every((path) => path === `/api/v1/tenants/${shop.id}/alerts`)).toBe(true);
    expect(await owner.locator('#alerts li').count()).toBe(0);
    expect(await owner.locator('#alerts').isVisible()).toBe(false);
    await owner.close();
  });
});
