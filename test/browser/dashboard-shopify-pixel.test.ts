/**
 * The configuration page's Shopify custom pixel in real Chromium against a relay: opening the section fetches the
 * code from GET /api/v1/tenants/{id}/shopify-pixel with the store's publishable key, shows it read-only with the
 * paste steps, and Copy puts exactly that code on the clipboard. No fixed sleeps: every wait is for an element or a text.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, openSignedInDashboard } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, createTenantViaApi, startTestRelay, type ApiTenant, type TestRelay } from '../helpers/relay.js';

const PASSWORD = 'dashboard-password-42';
const available = chromiumAvailable('dashboard Shopify pixel browser test');
const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.skipIf(!available).each(sqlite)('dashboard Shopify custom pixel in Chromium on $name', (dialect) => {
  let t: TestRelay;
  let browser: Browser;
  let page: Page;
  let base: string;
  let tenant: ApiTenant;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { adminPassword: PASSWORD, deliveryEnabled: false });
    base = await t.relay.listen();
    tenant = await createTenantViaApi(t, 'Pixel Shop');
    ({ browser, page } = await openSignedInDashboard(base, PASSWORD, 'Overview: Pixel Shop'));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("shows the store's custom pixel with its publishable key and the paste steps; Copy puts the code on the clipboard", async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration: Pixel Shop' }).waitFor();
    // A Shopify store owner starts from the webhook sources: the tab points to the pixel.
    await page.getByRole('navigation', { name: 'Parts of the configuration' }).getByRole('link', { name: 'Webhook sources' }).click();
    await page.locator('#shopify-pixel-pointer').getByRole('link').click();
    await page.getByRole('heading', { name: 'Shopify custom pixel' }).waitFor();

    const code = page.getByRole('textbox', { name: 'Shopify custom pixel code' });
    expect(await code.isVisible()).toBe(false);
    await page.locator('#shopify-pixel summary').click();
    await code.waitFor();
    const shown = await code.inputValue();
    expect(shown).toContain('analytics.subscribe');
    expect(shown).toContain(tenant.publishableKey);
    expect(shown).not.toContain('YOUR_PUBLISHABLE_KEY');
    expect(await code.getAttribute('readonly')).not.toBeNull();
    // The code is the route's, for the address the page came from.
    const res = await fetch(`${base}/api/v1/tenants/${tenant.id}/shopify-pixel?key=${encodeURIComponent(tenant.publishableKey)}&relay_url=${encodeURIComponent(base)}`, { headers: ADMIN_HEADERS });
    expect(res.status).toBe(200);
    expect(shown).toBe(((await res.json()) as { code: string }).code);
    await expect.poll(() => page.locator('#shopify-pixel-key-note').textContent()).toContain(base);
    const steps = await page.locator('#shopify-pixel-steps').textContent();
    expect(steps).toContain('Settings › Customer events › Add custom pixel');
    expect(steps).toContain('Save, then Connect');

    await page.getByRole('button', { name: 'Copy the Shopify custom pixel code' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
  });

  it('turns on acceptSandboxedPixel with the checkbox in the Shopify custom pixel section, after which the pixel\'s beacons are taken', async () => {
    const beacon = () =>
      t.relay.app.inject({
        method: 'POST',
        url: '/v1/collect',
        headers: { origin: 'null', 'content-type': 'text/plain;charset=UTF-8' },
        payload: JSON.stringify({ key: tenant.publishableKey, event: 'PageView', event_id: 'dash-sandbox-1', url: 'https://pixel-shop.example/', consent: true }),
      });
    expect((await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: ADMIN_HEADERS, payload: { origin: 'https://pixel-shop.example' } })).statusCode).toBe(201);
    expect((await beacon()).statusCode).toBe(403);

    const box = page.locator('#shopify-pixel').getByRole('checkbox', { name: 'Accept the Shopify custom pixel (events sent with Origin: null)' });
    expect(await box.isChecked()).toBe(false);
    expect(await page.locator('#shopify-pixel-accept-hint').textContent()).toContain('sandboxed frame');
    expect(await page.locator('#shopify-pixel-steps').textContent()).toContain('Accept the Shopify custom pixel');
    await box.check();
    await expect.poll(() => page.locator('#shopify-pixel-accept-result').textContent()).toContain('now accepts');
    const settings = await fetch(`${base}/api/v1/tenants/${tenant.id}/snippet`, { headers: ADMIN_HEADERS });
    expect(await settings.json()).toMatchObject({ acceptSandboxedPixel: true });
    expect((await beacon()).statusCode).toBe(202);
  });
});
