import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, screenshot } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { waitUntil } from '../helpers/processes.js';
import { ADMIN_HEADERS, startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';
import { startStorePage, type StorePage } from './store-page.js';

const PASSWORD = 'dashboard-password-42';
const PIXEL = '777777777777';
const TOKEN = 'tok-dashboard-reports-0123';
const FIXTURES = new URL('../fixtures/', import.meta.url);
// The Shopify test secret the shared fixtures are signed with (fixtures/README.md).
const SHOPIFY_SECRET = 'capi-relay-test-shopify-secret';
const ORDER_ID = '820982911946154508'; // the sample order's id, beyond 2^53
const available = chromiumAvailable('dashboard reports browser test');

interface SnippetWindow { capiRelay: { version?: number; track(name: string, data?: object): string } }

/** Shopify's orders/create sample with its times moved to `at` (Meta refuses events older than 7 days), signed as Shopify signs. */
function shopifyOrderWebhook(at: number): { headers: Record<string, string>; body: string } {
  const body = readFileSync(new URL('shopify-orders-create.json', FIXTURES), 'utf8').split('2021-12-31T19:00:00-05:00').join(new Date(at).toISOString());
  const headers = JSON.parse(readFileSync(new URL('shopify-orders-create.headers.json', FIXTURES), 'utf8')) as Record<string, string>;
  return { headers: { ...headers, 'X-Shopify-Webhook-Id': randomUUID(), 'X-Shopify-Hmac-Sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64') }, body };
}

const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.skipIf(!available).each(sqlite)('dashboard reports in Chromium on $name', (dialect) => {
  let t: EmulatedRelay;
  let store: StorePage;
  let browser: Browser;
  let page: Page;
  let base: string;
  let tenantId = '';

  const shot = (name: string) => screenshot(page, name);
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { ...ADMIN_HEADERS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.json() as Promise<Record<string, unknown>>;
  };
  /** Polls a condition (relay and emulator work in the background): no fixed sleeps. */
  const waitFor = (what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 20_000) => waitUntil(ok, timeoutMs, () => what, 50);

  beforeAll(async () => {
    t = await startEmulatedRelay(dialect, { emulator: { pixels: { [PIXEL]: { name: 'Shop pixel', tokens: [TOKEN] } } }, relay: { adminPassword: PASSWORD } });
    base = await t.relay.listen();
    store = await startStorePage();
    const tenant = await admin('POST', '/tenants', { name: 'Snowdevil' });
    tenantId = tenant.id as string;
    await admin('POST', `/tenants/${tenantId}/pixels`, { pixelId: PIXEL, accessToken: TOKEN });
    await admin('POST', `/tenants/${tenantId}/origins`, { origin: store.origin });
    store.setSdkUrl(`${base}/sdk.js?key=${encodeURIComponent(tenant.publishableKey as string)}`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await t?.close();
  });

  it('records an order from the snippet (thank-you page) and the signed Shopify webhook', async () => {
    const shopper = await browser.newPage();
    const ready = () => shopper.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1);
    // An ad click lands on the store, the shopper adds to cart and checks out, then reaches the thank-you page.
    await shopper.goto(`${store.url}/?fbclid=IwAR-dashboard-test`);
    await ready();
    await shopper.evaluate(() => {
      const r = (window as unknown as SnippetWindow).capiRelay;
      r.track('AddToCart', { items: [{ id: 'IPOD2008GREEN', price: 199, quantity: 1 }], value: 199, currency: 'USD' });
      r.track('InitiateCheckout', { value: 404.95, currency: 'USD' });
    });
    await shopper.goto(`${store.url}/thanks?order=${ORDER_ID}&value=404.95&currency=USD&email=jon@example.com`);
    await ready();
    const purchases = () => t.relay.store.db.selectFrom('events').select(['channels']).where('tenant_id', '=', tenantId).where('event_name', '=', 'Purchase').execute();
    await waitFor('the browser Purchase', async () => (await purchases()).length === 1);
    await shopper.close();

    const source = await admin('POST', `/tenants/${tenantId}/sources`, { platform: 'shopify', secret: SHOPIFY_SECRET });
    const hook = shopifyOrderWebhook(Date.now() - 60_000);
    const res = await fetch(`${base}/v1/webhooks/shopify/${String(source.id)}`, { method: 'POST', headers: hook.headers, body: hook.body });
    expect(res.status).toBe(200);
    expect(JSON.parse((await purchases())[0]!.channels)).toEqual(['browser', 'webhook:shopify']);
    // Meta's Event Match Quality needs the events at the emulator.
    await waitFor('the Purchase at the emulator', () => t.emulator.state.events({ pixelId: PIXEL }).some((r) => r.event.event_id === `purchase:${ORDER_ID}`));
  });

  it('signs in and shows the order\'s acceptance chain: both channels, matching event_ids, reconciled', async () => {
    await page.goto(base);
    await page.getByLabel(/Admin password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Acceptance' }).click();
    await page.getByRole('heading', { name: 'Acceptance: Snowdevil' }).waitFor();
    await page.getByLabel('Order ID').fill(ORDER_ID);
    await page.getByRole('button', { name: 'Show chain' }).click();
    const purchase = page.locator('[data-testid="chain"] tr[data-step="Purchase"]');
    await purchase.waitFor();
    const cells = await purchase.locator('td').allTextContents();
    expect(cells[0]).toContain('browser');
    expect(cells[0]).toContain(`purchase:${ORDER_ID}`);
    expect(cells[1]).toContain('webhook:shopify');
    expect(cells[1]).toContain(`purchase:${ORDER_ID}`);
    expect(cells[2]).toBe('Match: Meta keeps one');
    expect(cells[4]).toContain('matches');
    expect(await page.locator('[data-testid="chain"] tr[data-step="AddToCart"] td').first().textContent()).toContain('browser');
    await expect.poll(() => page.locator('[data-testid="summary"] tr[data-symptom="no_dedup"] td').first().textContent()).toBe('0');
    await page.locator('[data-testid="chain"]').evaluate((el) => el.scrollIntoView());
    await shot('11-acceptance');
  });

  it('shows the match-quality table with Meta\'s score beside the local one', async () => {
    await page.getByRole('link', { name: 'Match quality' }).click();
    await page.getByRole('heading', { name: 'Match quality: Snowdevil' }).waitFor();
    const section = page.locator('section[data-event="Purchase"]');
    await section.waitFor();
    const email = section.getByRole('row', { name: /Email/ });
    expect(await email.locator('td').first().textContent()).toBe('100%');
    expect(await page.getByTestId('meta-status').textContent()).toContain(`dataset ${PIXEL}`);
    expect(await section.locator('dd').nth(1).textContent()).toMatch(/^\d+(\.\d)? \/ 10$/);
    // The chart's accessible name summarizes it: both scores and the weakest identifiers.
    expect(await section.locator('figure.chart canvas').getAttribute('aria-label')).toMatch(/^Purchase: identifier coverage\. Local score [\d.]+ of 10, Meta [\d.]+ \/ 10; weakest: /);
    await section.evaluate((el) => el.scrollIntoView());
    await shot('12-match-quality');
  });

  it('credits the order to the Meta click and offers the CSV', async () => {
    await page.getByRole('link', { name: 'Attribution' }).click();
    await page.getByRole('heading', { name: 'Attribution: Snowdevil' }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(ORDER_ID) });
    await row.waitFor();
    expect(await row.textContent()).toContain('IwAR-dashboard-test');
    const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const csv = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
    expect(csv.split('\r\n')[1]).toMatch(new RegExp(`^${ORDER_ID},[^,]+,404\\.95,USD,meta,fbclid,IwAR-dashboard-test,`));
    await shot('13-attribution');
  });

  it('charts events per hour by status, with the numbers as text', async () => {
    await page.getByRole('link', { name: 'Events per hour' }).click();
    await page.getByRole('heading', { name: 'Events per hour: Snowdevil' }).waitFor();
    const canvas = page.locator('figure.chart canvas');
    await canvas.waitFor();
    expect(await canvas.getAttribute('aria-label')).toMatch(/Events per hour by status\. In the period: \d+ sent/);
    await shot('14-events-per-hour');
  });

  it('fits a 390 px phone screen', async () => {
    await page.goto(`${base}/#/acceptance?order=${ORDER_ID}`);
    await page.locator('[data-testid="chain"]').waitFor();
    await page.setViewportSize({ width: 390, height: 800 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await shot('15-acceptance-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
