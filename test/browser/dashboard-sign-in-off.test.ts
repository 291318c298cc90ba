/**
 * A relay started as the README's quick start starts it, with neither adminPassword nor adminToken: the sign-in
 * form says what to set instead of "Wrong password.", and a store's ingest key still signs in to that store.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';

const available = chromiumAvailable('dashboard sign-in without operator secrets');
const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.skipIf(!available).each(sqlite)('dashboard sign-in with no adminPassword or adminToken, on $name', (dialect) => {
  let t: TestRelay;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { adminToken: undefined, adminPassword: undefined });
    base = await t.relay.listen();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('names the setting to set instead of answering "Wrong password."', async () => {
    await page.goto(base);
    await page.getByLabel('Admin password').fill('any password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('the dashboard is off: set adminPassword (CAPI_RELAY_ADMIN_PASSWORD) or adminToken');
  });

  it('still signs a store in with its ingest key, and a wrong key is a wrong password', async () => {
    const tenant = await t.relay.tenants.createTenant('Quick start store');
    await page.goto(base);
    await page.getByLabel('Admin password').fill('cr_ingest_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong password.');
    await page.getByLabel('Admin password').fill(tenant.ingestKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#current-tenant').textContent()).toContain('Quick start store');
  });
});
