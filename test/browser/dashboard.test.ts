import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { dialects } from '../helpers/databases.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'dashboard-password-42';
const SHOTS = new URL('../../artifacts/screenshots/', import.meta.url);
// The README tour's small copies are rewritten only on request, so ordinary runs leave tracked files alone.
const DOC_SHOTS = process.env.CAPI_RELAY_DOCS_SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url) : null;
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`dashboard browser test: ${CHROMIUM} is missing, and CI is set`);
if (!available) console.warn(`dashboard browser test SKIPPED: no Chromium at ${CHROMIUM}`);

const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.skipIf(!available).each(sqlite)('dashboard in Chromium on $name', (dialect) => {
  let t: TestRelay;
  let emulator: Emulator;
  let browser: Browser;
  let page: Page;
  let base: string;
  let ingestKey = '';

  async function shot(name: string) {
    await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname });
    // JPEG keeps the documentation copies well under 150 KB.
    if (DOC_SHOTS) await page.screenshot({ path: new URL(`${name}.jpg`, DOC_SHOTS).pathname, type: 'jpeg', quality: 70 });
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    if (DOC_SHOTS) mkdirSync(DOC_SHOTS, { recursive: true });
    emulator = createEmulator({ pixels: { '123456789': { name: 'Shop pixel', tokens: ['tok-good-0123456789'] } } });
    const graphUrl = await emulator.listen(0);
    t = await startTestRelay(dialect, { adminPassword: PASSWORD, graphUrl });
    base = await t.relay.listen();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await emulator?.close();
  });

  it('signs in, rejecting a wrong password first', async () => {
    await page.goto(base);
    await page.getByLabel('Admin password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong password.');
    await shot('01-sign-in');
    await page.getByLabel('Admin password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
  });

  it('creates a tenant and shows its keys once', async () => {
    await page.getByLabel('Store name').fill('Demo Shop');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByTestId('ingest-key').waitFor();
    ingestKey = (await page.getByTestId('ingest-key').textContent()) ?? '';
    expect(ingestKey).toMatch(/^cr_ingest_/);
    await expect.poll(() => page.locator('#current-tenant').textContent()).toBe('Tenant: Demo Shop');
    await shot('02-tenants');
  });

  it('adds a pixel and verifies its connection', async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration: Demo Shop' }).waitFor();
    expect(await page.locator('#current-tenant').textContent()).toBe('Tenant: Demo Shop');
    await page.getByLabel('Pixel (dataset) ID').fill('123456789');
    await page.getByLabel('Conversions API access token').fill('tok-good-0123456789');
    await page.getByLabel('Test event code').fill('TEST123');
    await page.getByRole('button', { name: 'Add pixel' }).click();
    await page.getByRole('button', { name: 'Test connection for pixel 123456789' }).click();
    await expect.poll(() => page.locator('tr[data-pixel="123456789"] output').textContent()).toBe('verified: Shop pixel');
  });

  it('shows the token problem of a pixel with a bad token', async () => {
    await page.getByLabel('Pixel (dataset) ID').fill('555555555');
    await page.getByLabel('Conversions API access token').fill('tok-wrong-0123456789');
    await page.getByRole('button', { name: 'Add pixel' }).click();
    await page.getByRole('button', { name: 'Test connection for pixel 555555555' }).click();
    const out = page.locator('tr[data-pixel="555555555"] output');
    await expect.poll(() => out.textContent()).toMatch(/^token problem: the access token is invalid/);
    await shot('03-configuration');
  });

  it('shows an ingested event in the live log within 5 s, with its history, and filters', async () => {
    await page.getByRole('link', { name: 'Event log' }).click();
    await page.getByRole('heading', { name: 'Event log: Demo Shop' }).waitFor();
    const user = { email: 'jane@example.com', user_agent: 'Mozilla/5.0', ip: '203.0.113.7' };
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [
        { event: 'add_to_cart', event_id: 'atc-1', value: 10, currency: 'EUR', url: 'https://shop.example/p/1', user },
        { event: 'purchase', order_id: '1001', value: 42.5, currency: 'EUR', url: 'https://shop.example/thanks', user },
      ] }),
    });
    expect(res.status).toBe(202);
    const started = Date.now();
    const purchase = page.locator('tbody tr', { hasText: '1001' });
    await purchase.waitFor({ timeout: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
    // The live refresh also picks up the delivery outcome: sent to the good pixel.
    await expect.poll(() => purchase.textContent(), { timeout: 10_000 }).toContain('123456789: sent');
    await purchase.getByRole('button', { name: /Show history of Purchase 1001/ }).click();
    await expect.poll(() => page.locator('tr.details').first().textContent()).toContain('fbtrace');
    await shot('04-event-log');

    await page.getByLabel('Event name').fill('AddToCart');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('tbody tr[data-event]').count()).toBe(1);
    expect(await page.locator('tbody tr[data-event]').textContent()).toContain('AddToCart');
    await page.getByLabel('Event name').fill('');
    await page.getByLabel('Status').selectOption('dead');
    await expect.poll(() => page.locator('tbody').textContent()).toContain('No events match.');
  });

  it('fits a 390 px phone screen', async () => {
    await page.getByLabel('Status').selectOption('');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('05-event-log-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin password').waitFor();
  });
});
