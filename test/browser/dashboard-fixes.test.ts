/**
 * What was seen broken in the dashboard (issue #16), each in real Chromium against a relay: a literal "null"
 * on three screens, the menu on the sign-in page, the Source and event-name filters, a store with no orders
 * shown as free of signal loss, a relay that cannot be reached, and disabled pixels offered where they cannot
 * be used. No fixed sleeps: every wait is for an element, a text or a count.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, signIn } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, addPixelViaApi, createTenantViaApi, startTestRelay, type ApiTenant, type TestRelay } from '../helpers/relay.js';

const PASSWORD = 'dashboard-password-42';
const SHOPIFY_SECRET = 'fixes-test-shopify-secret';
const available = chromiumAvailable('dashboard fixes browser test');
const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.skipIf(!available).each(sqlite)('dashboard fixes in Chromium on $name', (dialect) => {
  let t: TestRelay;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let shop: ApiTenant;

  const rows = () => page.locator('tbody tr[data-event]');
  const mainText = async () => (await page.locator('main').textContent()) ?? '';

  /** A Shopify orders/create webhook, signed as Shopify signs it. */
  async function shopifyOrder(sourceId: string, orderId: string): Promise<void> {
    const body = JSON.stringify({ id: orderId, created_at: new Date().toISOString(), total_price: '20.00', currency: 'EUR', email: 'buyer@example.com', order_status_url: 'https://shop.example/orders/1' });
    const res = await fetch(`${base}/v1/webhooks/shopify/${sourceId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': randomUUID(), 'x-shopify-shop-domain': 'shop.myshopify.com',
        'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64'),
      },
      body,
    });
    expect(res.status).toBe(200);
  }

  /** The same order's Purchase from the store's server (POST /v1/events): a second channel of one event. */
  async function apiPurchase(orderId: string): Promise<void> {
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shop.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ event: 'purchase', order_id: orderId, value: 20, currency: 'EUR', url: 'https://shop.example/thanks', user: { email: 'buyer@example.com', ip: '203.0.113.7', user_agent: 'Mozilla/5.0' } }] }),
    });
    expect(res.status).toBe(202);
  }

  async function useStore(name: string): Promise<void> {
    await page.getByRole('link', { name: 'Stores' }).click();
    const use = page.getByRole('button', { name: `Use store ${name}` });
    // The list renders after the link's click: wait until it offers the store, or the store is already the current one.
    await expect.poll(async () => (await use.count()) > 0 || ((await page.locator('#current-tenant').textContent()) ?? '').includes(name)).toBe(true);
    if (await use.count()) await use.click();
    await expect.poll(() => page.locator('#current-tenant').textContent()).toContain(name);
  }

  beforeAll(async () => {
    t = await startTestRelay(dialect, { adminPassword: PASSWORD, deliveryEnabled: false });
    base = await t.relay.listen();
    shop = await createTenantViaApi(t, 'Fix Shop');
    await createTenantViaApi(t, 'Empty Shop');
    await addPixelViaApi(t, shop.id, { pixelId: '111111111', accessToken: 'tok-active-0123456789' });
    const off = await addPixelViaApi(t, shop.id, { pixelId: '222222222', accessToken: 'tok-disabled-0123456789' });
    await t.relay.app.inject({ method: 'PUT', url: `/api/v1/pixels/${off}/settings`, headers: ADMIN_HEADERS, payload: { testEventCode: 'TEST999' } });
    expect((await t.relay.app.inject({ method: 'POST', url: `/api/v1/pixels/${off}/status`, headers: ADMIN_HEADERS, payload: { status: 'disabled' } })).statusCode).toBe(200);
    const source = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${shop.id}/sources`, headers: ADMIN_HEADERS, payload: { platform: 'shopify', secret: SHOPIFY_SECRET } });
    expect(source.statusCode).toBe(201);
    await shopifyOrder(source.json().id as string, 'SHOP-1001');
    await apiPurchase('SHOP-1001');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows no menu on the sign-in page', async () => {
    await page.goto(base);
    await page.getByLabel('Admin password').waitFor();
    expect(await page.locator('#nav').isVisible()).toBe(false);
    expect(await page.getByRole('link', { name: 'Event log' }).isVisible()).toBe(false);
    await page.getByLabel('Admin password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview: Fix Shop' }).waitFor();
    expect(await page.locator('#nav').isVisible()).toBe(true);
  });

  it('finds an event by any channel it came from, by a platform name alone, and by its name in any case', async () => {
    await useStore('Fix Shop');
    await page.getByRole('link', { name: 'Event log' }).click();
    await page.getByRole('heading', { name: 'Event log: Fix Shop' }).waitFor();
    await expect.poll(() => rows().count()).toBe(1);
    const filterBy = async (label: string, value: string) => {
      await page.getByLabel(label, { exact: true }).fill(value);
      await page.getByRole('button', { name: 'Filter' }).click();
    };
    // First reported by the Shopify webhook: "shopify" alone finds it.
    await filterBy('Source', 'shopify');
    await expect.poll(() => rows().count()).toBe(1);
    // Then by the store's server: the channel it also came from finds it too.
    await filterBy('Source', 'api');
    await expect.poll(() => rows().count()).toBe(1);
    await filterBy('Source', 'woocommerce');
    await expect.poll(() => page.getByText('No events match.').count()).toBe(1);
    await filterBy('Source', '');
    await filterBy('Event name', 'purchase');
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().textContent()).toContain('Purchase');
  });

  it('opens an event that is not dead without a "null" in its details', async () => {
    await page.getByRole('button', { name: /^Show history of Purchase/ }).click();
    await page.getByRole('heading', { name: 'Delivery history (Meta\'s answers)' }).waitFor();
    expect(await page.locator('tr.details').textContent()).not.toContain('null');
    expect(await page.getByRole('button', { name: 'Retry dead deliveries' }).count()).toBe(0);
  });

  it('says it cannot reach the relay while it is unreachable, and recovers by itself', async () => {
    await page.getByLabel('Event name', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows().count()).toBe(1);
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 15_000 }).toContain('Cannot reach the relay');
    expect(await mainText()).not.toContain('Failed to fetch');
    await expect.poll(() => page.locator('span.live').textContent()).toMatch(/not updated since .*: retrying/);
    await page.unroute('**/api/v1/**');
    await expect.poll(() => page.locator('span.live').textContent(), { timeout: 15_000 }).toMatch(/^· updated /);
    expect(await page.locator('p.error').first().textContent()).toBe('');

    // A page that could not load at all draws itself once the relay answers again.
    await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Cannot reach the relay' }).waitFor();
    await page.unroute('**/api/v1/**');
    await page.getByRole('heading', { name: 'Audit log: Fix Shop' }).waitFor({ timeout: 15_000 });
  });

  it('offers only active pixels on Simulate and Match quality', async () => {
    await page.getByRole('link', { name: 'Simulate' }).click();
    await page.getByRole('heading', { name: 'Simulate events: Fix Shop' }).waitFor();
    const simulateOptions = await page.locator('#sim-pixel option').allTextContents();
    expect(simulateOptions.join(' ')).toContain('111111111');
    expect(simulateOptions.join(' ')).not.toContain('222222222');
    expect(await mainText()).toContain('Not listed: 1 paused or disabled pixel.');
    await page.getByRole('link', { name: 'Match quality' }).click();
    await page.getByRole('heading', { name: 'Match quality: Fix Shop' }).waitFor();
    const mqOptions = await page.locator('#mq-pixel option').allTextContents();
    expect(mqOptions).toContain('111111111');
    expect(mqOptions).not.toContain('222222222');
  });

  it('shows the acceptance lookup without a "null", and no green all-clear for a store with no orders', async () => {
    await page.getByRole('link', { name: 'Acceptance' }).click();
    await page.getByRole('heading', { name: 'Acceptance: Fix Shop' }).waitFor();
    expect(await mainText()).not.toContain('null');
    await useStore('Empty Shop');
    await page.getByRole('link', { name: 'Acceptance' }).click();
    await page.getByRole('heading', { name: 'Acceptance: Empty Shop' }).waitFor();
    await page.getByTestId('no-orders').waitFor();
    expect(await mainText()).not.toContain('No signal loss found');
    expect(await page.locator('main p.good').count()).toBe(0);
  });

  it('shows the audit log of a store-key session without a "null"', async () => {
    const store = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(store, base, shop.ingestKey, 'Overview: Fix Shop');
    await store.getByRole('link', { name: 'Audit log' }).click();
    await store.getByRole('heading', { name: 'Audit log: Fix Shop' }).waitFor();
    expect(await store.locator('main').textContent()).not.toContain('null');
    await store.close();
  });
});
