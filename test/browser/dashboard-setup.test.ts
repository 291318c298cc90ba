/**
 * The configuration page's setup parts in real Chromium against a relay: adding webhook sources (and the
 * relay's inline errors), rotating a source's secret, disabling and enabling a source, the allowed origins,
 * and rotating the ingest and publishable keys (shown once, never kept by the page), also from a dashboard
 * session signed in with the ingest key being rotated. No fixed sleeps: every wait is for an element or a text.
 */
import { createHmac } from 'node:crypto';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, screenshot, signIn } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, createTenantViaApi, startTestRelay, type ApiTenant, type TestRelay } from '../helpers/relay.js';

const PASSWORD = 'dashboard-password-42';
const SHOP_SECRET = 'shpss_setup_secret_0001';
const NEW_SHOP_SECRET = 'shpss_setup_secret_0002';
const available = chromiumAvailable('dashboard setup browser test');

const sqlite = dialects.filter((d) => d.name === 'sqlite');

interface SourceView { id: string; platform: string; status: string; settings: Record<string, string>; webhookUrl: string }

describe.skipIf(!available).each(sqlite)('dashboard setup (sources, origins, keys) in Chromium on $name', (dialect) => {
  let t: TestRelay;
  let browser: Browser;
  let page: Page;
  let base: string;
  let tenant: ApiTenant;
  let shopify: SourceView;
  // Every key the page showed, and every console line of every page: no key may ever reach the console.
  const shownKeys: string[] = [];
  const consoleLines: string[] = [];
  const record = (msg: ConsoleMessage) => consoleLines.push(msg.text());

  const admin = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, { headers: ADMIN_HEADERS });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const sources = async () => (await admin<{ sources: SourceView[] }>(`/tenants/${tenant.id}/sources`)).sources;
  const origins = async () => (await admin<{ origins: string[] }>(`/tenants/${tenant.id}/origins`)).origins;
  /** The status GET /v1/events answers an ingest key: 200 while it is active, 401 once revoked. */
  const ingestStatus = async (key: string) => (await fetch(`${base}/v1/events?limit=1`, { headers: { authorization: `Bearer ${key}` } })).status;
  /** The status /sdk.js answers a publishable key. */
  const sdkStatus = async (key: string) => (await fetch(`${base}/sdk.js?key=${encodeURIComponent(key)}`)).status;
  /** Posts a Shopify webhook (a topic that maps to nothing, so only the signature and the source matter). */
  async function shopifyHook(url: string, secret: string): Promise<number> {
    const body = JSON.stringify({ id: 1 });
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'app/uninstalled', 'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64') },
      body,
    });
    return res.status;
  }
  const activeId = () => page.evaluate(() => document.activeElement?.id ?? '');
  const activeLabel = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
  const scrollTo = (id: string) => page.locator(`#${id}`).evaluate((el) => el.scrollIntoView({ block: 'start' }));

  async function openConfig(p: Page, part?: string): Promise<void> {
    await p.getByRole('link', { name: 'Configuration' }).click();
    await p.getByRole('heading', { name: 'Configuration: Setup Shop' }).waitFor();
    if (part) await openPart(p, part);
  }
  /** The configuration shows one part at a time, each behind its tab. */
  async function openPart(p: Page, part: string): Promise<void> {
    const tab = p.getByRole('navigation', { name: 'Parts of the configuration' }).getByRole('link', { name: part });
    await tab.click();
    await p.locator('nav.tabs a[aria-current="page"]', { hasText: part }).waitFor();
  }

  beforeAll(async () => {
    t = await startTestRelay(dialect, { adminPassword: PASSWORD, deliveryEnabled: false });
    base = await t.relay.listen();
    tenant = await createTenantViaApi(t, 'Setup Shop');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', record);
    await signIn(page, base, PASSWORD, 'Overview: Setup Shop');
    await openConfig(page, 'Webhook sources');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the relay\'s error inline when a platform needs a secret or a value is invalid, and stores nothing', async () => {
    const form = page.getByRole('form', { name: 'Add a webhook source' });
    const result = page.locator('#source-add-result');
    await form.getByLabel('Platform').selectOption('stripe');
    // The hint follows the platform: where Stripe shows the secret.
    expect(await page.locator('#source-secret-hint').textContent()).toContain('whsec_');
    await form.getByRole('button', { name: 'Add source' }).click();
    await expect.poll(() => result.textContent()).toBe('a stripe source needs its webhook signing secret (secret; --secret on the CLI)');
    expect(await result.getAttribute('class')).toBe('result-bad');
    expect(await form.getByLabel('Signing secret', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await activeId()).toBe('source-secret');

    await form.getByLabel('Platform').selectOption('shopify');
    await form.getByLabel('Signing secret', { exact: true }).fill(SHOP_SECRET);
    await form.getByLabel('Currency (optional)').fill('EURO');
    await form.getByRole('button', { name: 'Add source' }).click();
    await expect.poll(() => result.textContent()).toBe('currency "EURO" is not a 3-letter ISO code');
    expect(await form.getByLabel('Currency (optional)').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Signing secret', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await activeId()).toBe('source-currency');
    expect(await sources()).toEqual([]);
    expect(await page.locator('#sources-list').textContent()).toContain('No webhook sources yet');
  });

  it('adds a Shopify source and shows its webhook URL to copy; the URL takes webhooks signed with the secret', async () => {
    const form = page.getByRole('form', { name: 'Add a webhook source' });
    await form.getByLabel('Currency (optional)').fill('eur');
    await form.getByLabel('Site URL (optional)').fill('https://shop.example.com/');
    await form.getByRole('button', { name: 'Add source' }).click();
    const shown = page.locator('#source-added-url');
    await shown.waitFor();
    const list = await sources();
    expect(list).toHaveLength(1);
    shopify = list[0] as SourceView;
    expect(shopify).toMatchObject({ platform: 'shopify', status: 'active', settings: { currency: 'EUR', siteUrl: 'https://shop.example.com/' } });
    // No per-source template: the section names the store's one Purchase rule instead.
    expect(await page.locator('#purchase-id-rule').textContent()).toContain('order 1001 is purchase:1001 everywhere');
    // No publicUrl: the URL is at the address the page came from.
    const url = `${base}/v1/webhooks/shopify/${shopify.id}`;
    expect(await shown.textContent()).toBe(url);
    expect(await page.locator('#source-add-result').textContent()).toBe('Shopify source added: its webhook URL is shown above the form.');
    expect(await page.locator('#source-added').textContent()).toContain('Paste this webhook URL into Shopify admin › Settings › Notifications › Webhooks');
    // The keyboard lands on the copy button; the form is empty again (the secret is not kept in the page).
    expect(await activeLabel()).toBe('Copy the new shopify webhook URL');
    expect(await form.getByLabel('Signing secret', { exact: true }).inputValue()).toBe('');
    expect(await form.getByLabel('Currency (optional)').getAttribute('aria-invalid')).toBeNull();
    // The sources list was redrawn with the new row, its URL and its settings.
    const row = page.locator(`tr[data-source="${shopify.id}"]`);
    expect(await row.textContent()).toContain(url);
    expect(await row.textContent()).toContain('https://shop.example.com/');
    await page.getByRole('button', { name: 'Copy the new shopify webhook URL' }).click();
    await scrollTo('sources');
    await screenshot(page, '19-source-added');
    expect(await shopifyHook(url, SHOP_SECRET)).toBe(200);
    expect(await shopifyHook(url, 'not-the-secret')).toBe(401);
  });

  it('adds a Commerce7 source without a secret (the relay allows it)', async () => {
    const form = page.getByRole('form', { name: 'Add a webhook source' });
    await form.getByLabel('Platform').selectOption('commerce7');
    expect(await page.locator('#source-secret-hint').textContent()).toMatch(/^Optional for Commerce7/);
    await form.getByLabel('Currency (optional)').fill('USD');
    await form.getByRole('button', { name: 'Add source' }).click();
    await expect.poll(() => page.locator('#source-add-result').textContent()).toBe('Commerce7 source added: its webhook URL is shown above the form.');
    await expect.poll(async () => (await sources()).map((s) => s.platform)).toEqual(['shopify', 'commerce7']);
    await expect.poll(() => page.locator('#sources-list tbody tr').count()).toBe(2);
  });

  it("rotates a Shopify source's secret: the previous one keeps verifying, the new one works", async () => {
    const name = `shopify source ${shopify.id.slice(0, 8)}`;
    const rotate = page.getByRole('button', { name: `Rotate the secret of the ${name}` });
    await rotate.click();
    expect(await rotate.getAttribute('aria-expanded')).toBe('true');
    const panel = page.getByRole('form', { name: `New signing secret for the ${name}` });
    expect(await activeId()).toBe(`new-secret-${shopify.id}`);
    expect(await panel.textContent()).toContain('The previous secret keeps verifying for 24 hours after you save');
    await panel.getByLabel('New signing secret').fill(NEW_SHOP_SECRET);
    await scrollTo('sources');
    await screenshot(page, '20-source-rotate-secret');
    // An empty secret: the relay refuses it, next to the field.
    await panel.getByLabel('New signing secret').fill('');
    await panel.getByRole('button', { name: 'Save new secret' }).click();
    await expect.poll(() => panel.getByRole('status').getAttribute('class')).toBe('result-bad');
    expect(await panel.getByRole('status').textContent()).toMatch(/^body secret: /);
    expect(await panel.getByLabel('New signing secret').getAttribute('aria-invalid')).toBe('true');
    await panel.getByLabel('New signing secret').fill(NEW_SHOP_SECRET);
    await page.keyboard.press('Enter');
    const result = page.locator('#sources-result');
    await expect.poll(() => result.textContent()).toMatch(/^Secret of the shopify source [0-9a-f]{8} replaced\. The previous secret keeps verifying for 24 hours \(until .+\), so webhooks the platform signed before you change it there still pass/);
    await panel.waitFor({ state: 'detached' });
    expect(await rotate.getAttribute('aria-expanded')).toBe('false');
    expect(await activeLabel()).toBe(`Rotate the secret of the ${name}`);
    const url = `${base}/v1/webhooks/shopify/${shopify.id}`;
    expect(await shopifyHook(url, NEW_SHOP_SECRET)).toBe(200);
    expect(await shopifyHook(url, SHOP_SECRET)).toBe(200);
    expect(await shopifyHook(url, 'not-the-secret')).toBe(401);
  });

  it('disables a source after asking (Escape cancels), and enables it again', async () => {
    const name = `shopify source ${shopify.id.slice(0, 8)}`;
    const url = `${base}/v1/webhooks/shopify/${shopify.id}`;
    const row = page.locator(`tr[data-source="${shopify.id}"]`);
    await page.getByRole('button', { name: `Disable the ${name}` }).click();
    const question = page.getByRole('group', { name: /^Disable the shopify source/ });
    expect(await question.textContent()).toContain('Its webhooks are refused (404)');
    expect(await activeLabel()).toBe('Disable now');
    await page.keyboard.press('Escape');
    await question.waitFor({ state: 'detached' });
    expect(await page.locator('#sources-result').textContent()).toBe(`The ${name} stays active.`);
    expect(await shopifyHook(url, NEW_SHOP_SECRET)).toBe(200);

    await page.getByRole('button', { name: `Disable the ${name}` }).click();
    await page.getByRole('button', { name: 'Disable now' }).click();
    await expect.poll(() => row.locator('.status').textContent()).toBe('disabled');
    expect(await page.locator('#sources-result').textContent()).toBe(`The ${name} is disabled: its webhooks are refused (404).`);
    expect(await activeLabel()).toBe(`Enable the ${name}`);
    expect(await shopifyHook(url, NEW_SHOP_SECRET)).toBe(404);

    await page.getByRole('button', { name: `Enable the ${name}` }).click();
    await expect.poll(() => row.locator('.status').textContent()).toBe('active');
    expect(await activeLabel()).toBe(`Disable the ${name}`);
    expect(await shopifyHook(url, NEW_SHOP_SECRET)).toBe(200);
  });

  it('adds allowed origins (the relay normalizes them, and says what is wrong with an invalid one)', async () => {
    await openPart(page, 'Snippet and origins');
    const input = page.getByLabel('Add an origin');
    const result = page.locator('#origins-result');
    expect(await page.locator('#origins-list').textContent()).toContain('No origins yet');
    await input.fill('ftp://shop.example');
    await page.getByRole('button', { name: 'Add origin' }).click();
    await expect.poll(() => result.textContent()).toBe('"ftp://shop.example": only http and https origins');
    expect(await result.getAttribute('class')).toBe('result-bad');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await input.fill('shop.example');
    await input.press('Enter');
    await expect.poll(() => result.textContent()).toBe('"shop.example" is not a URL such as https://shop.example');
    expect(await origins()).toEqual([]);

    await input.fill('https://Shop.Example/cart?x=1');
    await input.press('Enter');
    await expect.poll(() => result.textContent()).toBe('https://shop.example allowed (the origin of what you typed: scheme, host and port).');
    expect(await result.getAttribute('class')).toBe('result-ok');
    expect(await input.getAttribute('aria-invalid')).toBeNull();
    expect(await input.inputValue()).toBe('');
    expect(await activeId()).toBe('origin-input');
    await input.fill('https://www.shop.example');
    await input.press('Enter');
    await expect.poll(() => page.getByRole('list', { name: 'Allowed origins' }).getByRole('listitem').allTextContents()).toEqual(['https://shop.exampleRemove…', 'https://www.shop.exampleRemove…']);
    await input.fill('https://shop.example');
    await input.press('Enter');
    await expect.poll(() => result.textContent()).toBe('https://shop.example was already allowed.');
    expect(await origins()).toEqual(['https://shop.example', 'https://www.shop.example']);
    await scrollTo('origins');
    await screenshot(page, '21-allowed-origins');
  });

  it('removes an origin after asking; Escape keeps it', async () => {
    const result = page.locator('#origins-result');
    await page.getByRole('button', { name: 'Remove origin https://www.shop.example' }).click();
    expect(await page.locator('#origin-remove-question').textContent()).toMatch(/^Remove https:\/\/www\.shop\.example from the allowed origins\? The snippet on that site is refused at once/);
    expect(await activeLabel()).toBe('Remove now');
    await page.keyboard.press('Escape');
    await expect.poll(() => result.textContent()).toBe('Nothing was removed.');
    expect(await activeLabel()).toBe('Remove origin https://www.shop.example');
    expect(await origins()).toEqual(['https://shop.example', 'https://www.shop.example']);

    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Remove now' }).click();
    await expect.poll(() => result.textContent()).toBe('https://www.shop.example removed: the snippet on that site is refused from now on.');
    expect(await page.getByRole('list', { name: 'Allowed origins' }).getByRole('listitem').allTextContents()).toEqual(['https://shop.exampleRemove…']);
    expect(await origins()).toEqual(['https://shop.example']);
  });

  it('rotates the ingest key after asking: the old key gets 401, the key shown once works, and a reload does not show it', async () => {
    expect(await ingestStatus(tenant.ingestKey)).toBe(200);
    await openPart(page, 'Keys');
    const result = page.locator('#keys-result');
    // Cancelling changes nothing.
    await page.getByRole('button', { name: 'Rotate ingest key…' }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => result.textContent()).toBe('The ingest key was not changed.');
    expect(await activeId()).toBe('rotate-ingest');
    expect(await ingestStatus(tenant.ingestKey)).toBe(200);

    await page.keyboard.press('Enter');
    const question = page.locator('#rotate-ingest-confirm-question');
    expect(await question.textContent()).toBe("Rotate the ingest key of Setup Shop? The current key stops working at once: the store's server gets 401 until it sends the new key, and every dashboard session signed in with the old key ends.");
    await scrollTo('keys');
    await screenshot(page, '22-rotate-key-confirm');
    await page.getByRole('button', { name: 'Rotate now' }).click();
    const field = page.getByLabel('New ingest key of Setup Shop');
    await field.waitFor();
    const key = await field.inputValue();
    shownKeys.push(key);
    expect(key).toMatch(/^cr_ingest_/);
    expect(key).not.toBe(tenant.ingestKey);
    expect(await field.getAttribute('readonly')).toBe('');
    expect(await activeId()).toBe('new-key');
    expect(await page.locator('#new-key-once').textContent()).toMatch(/^Shown once: copy it now\./);
    expect(await result.textContent()).toBe('The ingest key was rotated: the old one no longer works.');
    await page.getByRole('button', { name: 'Copy the new ingest key' }).click();
    await scrollTo('keys');
    // It shows a (throwaway) key: kept in artifacts/, never committed under docs/.
    await screenshot(page, '23-new-key-shown-once', { docs: false });

    expect(await ingestStatus(tenant.ingestKey)).toBe(401);
    expect(await ingestStatus(key)).toBe(200);
    // The key is in the field only: not in the URL, not in browser storage.
    expect(page.url()).not.toContain(key);
    const storage = await page.evaluate(() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]));
    expect(storage).not.toContain('cr_ingest_');
    // An operator session goes on: the page still works after the rotation.
    await page.getByRole('button', { name: 'Done: hide the key' }).click();
    await expect.poll(() => page.locator('[data-testid="new-key"]').count()).toBe(0);
    expect(await result.textContent()).toBe('The new ingest key is hidden: it cannot be shown again.');
    await page.reload();
    await page.getByRole('heading', { name: 'Configuration: Setup Shop' }).waitFor();
    await page.locator('#keys').waitFor();
    expect(await page.locator('[data-testid="new-key"]').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    tenant = { ...tenant, ingestKey: key };
  });

  it('rotates the publishable key: the old one is refused by /sdk.js, the new one works, and the snippet tag must change', async () => {
    expect(await sdkStatus(tenant.publishableKey)).toBe(200);
    await page.getByRole('button', { name: 'Rotate publishable key…' }).click();
    expect(await page.locator('#rotate-publishable-confirm-question').textContent()).toContain('until the snippet tag carries the new key');
    await page.getByRole('button', { name: 'Rotate now' }).click();
    const field = page.getByLabel('New publishable key of Setup Shop');
    await field.waitFor();
    const key = await field.inputValue();
    shownKeys.push(key);
    expect(key).toMatch(/^cr_pub_/);
    expect(await page.locator('#new-key-box').textContent()).toContain('Update the snippet tag on the store\'s site now: replace the key after sdk.js?key= with this one.');
    expect(await sdkStatus(tenant.publishableKey)).toBe(401);
    expect(await sdkStatus(key)).toBe(200);
    // Rotating again (or leaving) drops the shown key.
    await page.getByRole('button', { name: 'Rotate ingest key…' }).click();
    expect(await page.locator('[data-testid="new-key"]').count()).toBe(0);
    await page.keyboard.press('Escape');
    tenant = { ...tenant, publishableKey: key };
  });

  it('fits a 390 px phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('a session signed in with the ingest key it rotates ends, shows the new key, and signs in again with it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const store = await context.newPage();
    store.on('console', record);
    try {
      await signIn(store, base, tenant.ingestKey, 'Overview: Setup Shop');
      await openConfig(store, 'Keys');
      await store.getByRole('button', { name: 'Rotate ingest key…' }).click();
      expect(await store.locator('#rotate-ingest-confirm-question').textContent()).toContain('You are signed in with it, so this session ends too: the new key signs you in again.');
      await store.getByRole('button', { name: 'Rotate now' }).click();
      const field = store.getByLabel('New ingest key of Setup Shop');
      await field.waitFor();
      const key = await field.inputValue();
      shownKeys.push(key);
      expect(await store.locator('#new-key-box').textContent()).toContain('This dashboard session has ended: it was signed in with the old key.');
      // The relay really ended it: the session no longer answers.
      expect(await store.evaluate(async () => (await fetch('/dashboard/session')).status)).toBe(401);
      expect(await ingestStatus(tenant.ingestKey)).toBe(401);
      expect(await ingestStatus(key)).toBe(200);

      await store.getByRole('button', { name: 'Sign in with the new key' }).click();
      await expect.poll(() => store.locator('#keys-result').textContent()).toBe('Signed in again with the new ingest key.');
      expect(await store.locator('[data-testid="new-key"]').count()).toBe(0);
      expect(await store.evaluate(() => document.activeElement?.id)).toBe('rotate-ingest');
      expect(await store.evaluate(async () => (await fetch('/dashboard/session')).status)).toBe(200);
      // The new session works (a write with its CSRF token).
      await openPart(store, 'Snippet and origins');
      await store.getByLabel('Add an origin').fill('https://shop2.example');
      await store.getByLabel('Add an origin').press('Enter');
      await expect.poll(() => store.locator('#origins-result').textContent()).toBe('https://shop2.example allowed.');
      expect(store.url()).not.toContain(key);
      tenant = { ...tenant, ingestKey: key };
    } finally {
      await context.close();
    }
  });

  it('audits every change with secrets as "(set)", and never the secrets, the new keys or a key in the console', async () => {
    const { items } = await admin<{ items: { action: string; summary: { body?: Record<string, unknown> } }[] }>(`/tenants/${tenant.id}/audit?limit=500`);
    const actions = items.map((i) => i.action);
    for (const action of ['POST /api/v1/tenants/:id/sources', 'POST /api/v1/sources/:id/rotate-secret', 'POST /api/v1/sources/:id/status', 'POST /api/v1/tenants/:id/origins',
      'DELETE /api/v1/tenants/:id/origins', 'POST /api/v1/tenants/:id/keys/:kind/rotate']) expect(actions).toContain(action);
    const added = items.find((i) => i.action === 'POST /api/v1/tenants/:id/sources' && i.summary.body?.platform === 'shopify');
    expect(added?.summary.body).toEqual({ platform: 'shopify', secret: '(set)', currency: 'eur', siteUrl: 'https://shop.example.com/' });
    expect(items.find((i) => i.action === 'POST /api/v1/sources/:id/rotate-secret')?.summary.body).toEqual({ secret: '(set)' });
    expect(items.find((i) => i.action === 'DELETE /api/v1/tenants/:id/origins')?.summary.body).toEqual({ origin: 'https://www.shop.example' });
    const text = JSON.stringify(items);
    for (const secret of [SHOP_SECRET, NEW_SHOP_SECRET, ...shownKeys]) expect(text).not.toContain(secret);
    expect(shownKeys).toHaveLength(3);
    // Nothing the page logged carries a key.
    for (const line of consoleLines) for (const key of shownKeys) expect(line).not.toContain(key);
  });
});
