/**
 * Setup as a store owner does it, in real Chromium against a relay and the Graph API emulator: the setup
 * checklist moving from to-do to done as each step is done on the dashboard; the snippet tag copied with its
 * Copy button and pasted UNCHANGED into a shop page on another origin, which then delivers its PageView to
 * Meta (the emulator); an event's details showing what was sent (value, currency, the customer data by name and
 * never a value, Meta's answer); and the event log on a 390 px phone with nothing scrolling sideways.
 * No fixed sleeps: every wait is for an element, a text or the emulator.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import type { SetupAnswer } from '../../src/core/overview-api.js';
import { chromiumAvailable, openSignedInDashboard, screenshot } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { waitUntil } from '../helpers/processes.js';
import { ADMIN_HEADERS, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

const PASSWORD = 'dashboard-password-42';
const PIXEL = '777777777';
const TOKEN = 'tok-paste-0123456789';
const SHOP_SECRET = 'shpss_paste_secret_0001';
const FIXTURES = new URL('../fixtures/', import.meta.url);
const available = chromiumAvailable('dashboard setup-and-paste browser test');
const sqlite = dialects.filter((d) => d.name === 'sqlite');

/** A shop on its own origin whose every page is `<head>` + exactly the tag it was given. */
async function startShop(): Promise<{ origin: string; setHead(tag: string): void; close(): Promise<void> }> {
  let head = '';
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Paste Shop</title>\n${head}\n</head><body><h1>Paste Shop</h1></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // "localhost", not 127.0.0.1 (the relay's): another origin, as a real shop is.
    origin: `http://localhost:${port}`,
    setHead: (tag) => (head = tag),
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** Shopify's published orders/create sample, signed with `secret`, its times moved to now (Meta refuses old events). */
function shopifyOrder(secret: string): { headers: Record<string, string>; body: string } {
  const sample = readFileSync(new URL('shopify-orders-create.json', FIXTURES), 'utf8');
  const body = sample.split('2021-12-31T19:00:00-05:00').join(new Date().toISOString());
  const headers = JSON.parse(readFileSync(new URL('shopify-orders-create.headers.json', FIXTURES), 'utf8')) as Record<string, string>;
  return { headers: { ...headers, 'X-Shopify-Webhook-Id': randomUUID(), 'X-Shopify-Hmac-Sha256': createHmac('sha256', secret).update(body).digest('base64') }, body };
}

describe.skipIf(!available).each(sqlite)('dashboard setup, pasted as shown, in Chromium on $name', (dialect) => {
  let t: TestRelay;
  let emulator: Emulator;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let shop: Awaited<ReturnType<typeof startShop>>;
  let tenantId = '';
  let ingestKey = '';
  let publishableKey = '';

  const atMeta = (eventName: string) => emulator.state.events({ pixelId: PIXEL }).filter((r) => r.event.event_name === eventName);
  const waitFor = (what: string, ok: () => boolean | Promise<boolean>) =>
    waitUntil(ok, 20_000, () => `${what}; emulator rejections: ${JSON.stringify(emulator.state.rejections())}`, 50);
  /** Each step's state as the page shows it. */
  const shownStates = () => page.locator('ol.checklist li').evaluateAll((lis) => Object.fromEntries(lis.map((li) => [li.getAttribute('data-step'), li.getAttribute('data-state')])));
  const step = (id: string) => page.locator(`ol.checklist li[data-step="${id}"]`);
  async function openChecklist(): Promise<void> {
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration: Paste Shop' }).waitFor();
    await page.getByRole('navigation', { name: 'Parts of the configuration' }).getByRole('link', { name: 'Setup checklist' }).click();
    await page.getByRole('heading', { name: 'Setup checklist' }).waitFor();
  }

  beforeAll(async () => {
    emulator = createEmulator({ pixels: { [PIXEL]: { name: 'Paste Shop pixel', tokens: [TOKEN] } } });
    const graphUrl = await emulator.listen(0);
    t = await startTestRelay(dialect, { adminPassword: PASSWORD, graphUrl, graphVersion: 'v24.0' });
    base = await t.relay.listen();
    shop = await startShop();
    ({ browser, context, page } = await openSignedInDashboard(base, PASSWORD, 'Stores'));
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await t?.close();
    await emulator?.close();
  });

  it('adds the store and shows its keys once, each with a Copy button that copies it exactly', async () => {
    await page.getByLabel('Store name').fill('Paste Shop');
    await page.getByRole('button', { name: 'Add store' }).click();
    await page.getByTestId('ingest-key').waitFor();
    ingestKey = (await page.getByTestId('ingest-key').textContent()) ?? '';
    publishableKey = (await page.getByTestId('publishable-key').textContent()) ?? '';
    expect(publishableKey).toMatch(/^cr_pub_/);
    // The keys shown once have Copy buttons, which copy the key exactly.
    await page.getByRole('button', { name: 'Copy the publishable key' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(publishableKey);
    const list = (await (await fetch(`${base}/api/v1/tenants`, { headers: ADMIN_HEADERS })).json()) as { tenants: { id: string; name: string }[] };
    tenantId = list.tenants.find((x) => x.name === 'Paste Shop')?.id ?? '';
  });

  it('shows every step to do on a new store, each with a link to where it is done', async () => {
    await openChecklist();
    expect(await shownStates()).toEqual({ pixel: 'todo', test_connection: 'todo', snippet: 'todo', webhook_source: 'todo', first_event: 'todo' });
    expect(await page.locator('#setup-progress').textContent()).toBe('0 of 5 steps done. Do them in order: each one needs the one before.');
    expect(await step('pixel').textContent()).toContain('to do');
    // The other parts say how far setup is and link back here.
    await page.getByRole('link', { name: 'Pixels and forwarding' }).click();
    await expect.poll(() => page.locator('#setup-summary').textContent()).toBe('Setup: 0 of 5 steps done. Next: Add a pixel. Open the setup checklist');
    await page.getByRole('link', { name: 'Open the setup checklist' }).click();
    await page.getByRole('heading', { name: 'Setup checklist' }).waitFor();
  });

  it('moves the pixel step to done, Test Connection to a problem with a wrong token and to done once it is replaced', async () => {
    await step('pixel').getByRole('link', { name: 'Add a pixel' }).click();
    // The link lands on the form's heading, in the pixels part.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('pixel-add');
    await page.getByLabel('Pixel (dataset) ID').fill(PIXEL);
    await page.getByLabel('Conversions API access token').fill('tok-wrong-0123456789');
    await page.getByRole('button', { name: 'Add pixel' }).click();
    await page.locator(`tr[data-pixel="${PIXEL}"]`).waitFor();
    await page.getByRole('link', { name: 'Setup checklist', exact: true }).click();
    await expect.poll(shownStates).toMatchObject({ pixel: 'done', test_connection: 'todo' });
    expect(await step('test_connection').textContent()).toContain(`Pixel ${PIXEL} has not been tested yet`);
    // Test connection is done from the checklist itself: it asks Meta, and Meta refuses the token.
    await step('test_connection').getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(shownStates).toMatchObject({ pixel: 'done', test_connection: 'problem' });
    expect(await step('test_connection').textContent()).toMatch(new RegExp(`problemPixel ${PIXEL}: token: `));
    await expect.poll(() => page.locator('#setup-result').textContent()).toMatch(/^token problem: /);
    expect(await page.locator('#setup-result').getAttribute('class')).toBe('result-bad');
    // Done, a problem and to do, side by side.
    await screenshot(page, '40-setup-checklist');

    // The right token, set in the pixel's editor; the step stays a problem until tested again.
    await step('test_connection').getByRole('link', { name: 'Open the pixels' }).click();
    await page.getByRole('button', { name: `Edit pixel ${PIXEL}` }).click();
    await page.getByLabel('New access token (optional)').fill(TOKEN);
    await page.getByRole('button', { name: 'Save pixel' }).click();
    await expect.poll(() => page.locator('#pixels-result').textContent()).toBe(`Pixel ${PIXEL} saved`);
    await page.getByRole('link', { name: 'Setup checklist', exact: true }).click();
    await expect.poll(shownStates).toMatchObject({ test_connection: 'problem' });
    await step('test_connection').getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(shownStates).toMatchObject({ pixel: 'done', test_connection: 'done', snippet: 'todo' });
    expect(await step('test_connection').textContent()).toContain('Verified: Paste Shop pixel');
    await expect.poll(() => page.locator('#setup-result').textContent()).toBe('verified: Paste Shop pixel');
    expect(await step('snippet').textContent()).toContain("List your shop's origin");
  });

  it('gives the tag with the store\'s key; copied with its button and pasted unchanged on the shop, it delivers a PageView', async () => {
    await step('snippet').getByRole('link', { name: 'Allowed origins' }).click();
    await page.getByLabel('Add an origin').fill(shop.origin);
    await page.getByRole('button', { name: 'Add origin' }).click();
    await expect.poll(() => page.locator('#origins-result').textContent()).toBe(`${shop.origin} allowed.`);

    const tag = page.locator('#snippet-tag');
    const shown = (await tag.textContent()) ?? '';
    expect(shown).toContain(`${base}/sdk.js?key=${publishableKey}`);
    expect(shown).not.toContain('YOUR_PUBLISHABLE_KEY');
    expect(await page.locator('#snippet-key-note').textContent()).toContain("it carries the store's publishable key");
    // The tag is the relay's own (GET …/setup builds it for the address this page came from).
    const setup = (await (await fetch(`${base}/api/v1/tenants/${tenantId}/setup`, { headers: ADMIN_HEADERS })).json()) as SetupAnswer;
    expect(shown).toBe(setup.snippet.tag);

    await page.getByRole('button', { name: 'Copy the snippet tag' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Copy the snippet tag' }).textContent()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(shown);

    // Pasted as copied into the shop's <head>, on the shop's own origin.
    shop.setHead(copied);
    const shopPage = await context.newPage();
    const errors: Error[] = [];
    shopPage.on('pageerror', (e) => errors.push(e));
    await shopPage.goto(`${shop.origin}/products/1`);
    await waitFor('the pasted tag\'s PageView at Meta', () => atMeta('PageView').length === 1);
    const pageView = atMeta('PageView')[0]!.event as { event_source_url?: string; action_source?: string };
    expect(pageView.event_source_url).toBe(`${shop.origin}/products/1`);
    expect(pageView.action_source).toBe('website');
    expect(errors).toEqual([]);
    await shopPage.close();

    await openChecklist();
    await expect.poll(shownStates).toEqual({ pixel: 'done', test_connection: 'done', snippet: 'done', webhook_source: 'todo', first_event: 'done' });
  });

  it('completes with the webhook source: added on the page, its first signed webhook turns the last step done', async () => {
    await step('webhook_source').getByRole('link', { name: 'Add a webhook source' }).click();
    const form = page.getByRole('form', { name: 'Add a webhook source' });
    await form.getByLabel('Platform').selectOption('shopify');
    await form.getByLabel('Signing secret', { exact: true }).fill(SHOP_SECRET);
    await form.getByRole('button', { name: 'Add source' }).click();
    const url = page.locator('#source-added-url');
    await url.waitFor();
    // The webhook URL has its Copy button, which copies it exactly.
    await page.getByRole('button', { name: 'Copy the new shopify webhook URL' }).click();
    const hook = (await url.textContent()) ?? '';
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(hook);
    await openChecklist();
    await expect.poll(shownStates).toMatchObject({ webhook_source: 'todo' });
    expect(await step('webhook_source').textContent()).toContain('Shopify source added; no webhook has arrived yet');

    const order = shopifyOrder(SHOP_SECRET);
    const res = await fetch(hook, { method: 'POST', headers: order.headers, body: order.body });
    expect(res.status).toBe(200);
    await page.getByRole('button', { name: 'Check again' }).click();
    await expect.poll(shownStates).toEqual({ pixel: 'done', test_connection: 'done', snippet: 'done', webhook_source: 'done', first_event: 'done' });
    expect(await page.locator('#setup-progress').textContent()).toBe('Setup is complete: every step is done.');
    // Complete: the other parts no longer carry the summary line.
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    await page.getByRole('heading', { name: 'Keys' }).waitFor();
    expect(await page.locator('#setup-summary').count()).toBe(0);
  });

  it("shows what was sent in an event's details: value, currency, the customer data by name (never a value) and Meta's answer", async () => {
    const user = { email: 'jane.paste@example.com', phone: '+33 6 12 34 56 78', zip: '75011', ip: '203.0.113.7', user_agent: 'Mozilla/5.0 (Paste)' };
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ event: 'purchase', order_id: 'P-2001', value: 42.5, currency: 'EUR', url: 'https://shop.example/thanks', user, items: [{ id: 'SKU-1', price: 21.25, quantity: 2 }] }] }),
    });
    expect(res.status).toBe(202);
    await waitFor('the Purchase at Meta', () => atMeta('Purchase').some((r) => (r.event as { custom_data?: { order_id?: string } }).custom_data?.order_id === 'P-2001'));

    await page.getByRole('link', { name: 'Event log' }).click();
    await page.getByRole('heading', { name: 'Event log: Paste Shop' }).waitFor();
    const row = page.locator('tbody tr[data-event]', { hasText: 'P-2001' });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain(`${PIXEL}: sent`);
    await row.getByRole('button', { name: /Show history of Purchase P-2001/ }).click();
    const details = page.locator('tr.details');
    await details.getByTestId('sent-value').waitFor();
    expect(await details.getByTestId('sent-event').textContent()).toBe('Purchase');
    expect(await details.getByTestId('sent-value').textContent()).toBe('42.5 EUR');
    expect(await details.getByTestId('sent-contents').textContent()).toBe('SKU-1 × 2 at 21.25');
    const names = await details.getByRole('list', { name: 'Customer data sent, by name' }).getByRole('listitem').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['Email', 'Phone', 'ZIP code', 'IP address', 'User agent']));
    // Meta's answer for the pixel: accepted, with events_received and the fbtrace_id of the request.
    const answer = (await details.getByTestId('meta-answers').textContent()) ?? '';
    expect(answer).toContain(`Pixel Paste Shop pixel (${PIXEL}): sent`);
    expect(answer).toMatch(/events_received 1, fbtrace_id [A-Za-z0-9_-]{6,}/);
    // The exact JSON sent: hashes, never the plain values; the IP masked.
    await details.getByText('The exact JSON sent to Meta').click();
    // The live refresh redraws the rows every 3 s: the JSON stays unfolded as the reader left it.
    const updated = (await page.locator('span.live').textContent()) ?? '';
    await expect.poll(() => page.locator('span.live').textContent(), { timeout: 10_000 }).not.toBe(updated);
    expect(await page.locator('tr.details details.sent-json').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(true);
    const json = JSON.parse((await details.getByTestId('sent-json').textContent()) ?? '{}') as { user_data: Record<string, unknown>; custom_data: Record<string, unknown> };
    expect(json.custom_data).toMatchObject({ value: 42.5, currency: 'EUR' });
    expect(JSON.stringify(json.user_data.em)).toMatch(/^\[?"[0-9a-f]{64}"\]?$/);
    // Sent, then erased by the relay: named above and in the note, never shown.
    expect(json.user_data.client_ip_address).toBeUndefined();
    expect(await details.locator('.sent-json .hint').textContent()).toContain('IP address erased after sending (it was sent).');
    const text = (await details.textContent()) ?? '';
    for (const plain of ['jane.paste@example.com', '33612345678', '+33 6 12 34 56 78', '75011', '203.0.113.7']) expect(text).not.toContain(plain);
    await details.locator('h3', { hasText: 'What was sent' }).scrollIntoViewIfNeeded();
    await details.locator('h3', { hasText: 'What was sent' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot(page, '41-event-details');
  });

  it('says when the relay does not hold the key, and the tag carries it once the key is rotated', async () => {
    // A store whose publishable key was issued before the relay kept publishable keys: only its hash is stored.
    const old = await createTenantViaApi(t, 'Old Shop');
    await t.relay.store.db.updateTable('api_keys').set({ public_key: null }).where('tenant_id', '=', old.id).where('kind', '=', 'publishable').execute();
    await page.getByRole('link', { name: 'Stores' }).click();
    await page.getByRole('button', { name: 'Use store Old Shop' }).click();
    await expect.poll(() => page.locator('#current-tenant').textContent()).toBe('Store: Old Shop');
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration: Old Shop' }).waitFor();
    await page.getByRole('navigation', { name: 'Parts of the configuration' }).getByRole('link', { name: 'Snippet and origins' }).click();
    await page.locator('#snippet-tag').waitFor();
    expect(await page.locator('#snippet-tag').textContent()).toContain(`${base}/sdk.js?key=YOUR_PUBLISHABLE_KEY`);
    const note = page.locator('#snippet-key-note');
    expect(await note.textContent()).toContain("The relay does not hold this store's publishable key");
    await note.getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('button', { name: 'Rotate publishable key…' }).click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    const fresh = await page.getByTestId('new-key').inputValue();
    expect(fresh).toMatch(/^cr_pub_/);
    await page.getByRole('navigation', { name: 'Parts of the configuration' }).getByRole('link', { name: 'Snippet and origins' }).click();
    await expect.poll(() => page.locator('#snippet-tag').textContent()).toContain(`${base}/sdk.js?key=${fresh}`);
    expect(await page.locator('#snippet-key-note').textContent()).toContain("it carries the store's publishable key");
    // Back to the first store for the phone check.
    await page.getByRole('link', { name: 'Stores' }).click();
    await page.getByRole('button', { name: 'Use store Paste Shop' }).click();
    await page.getByRole('link', { name: 'Event log' }).click();
    await page.getByRole('heading', { name: 'Event log: Paste Shop' }).waitFor();
    await page.locator('tbody tr[data-event]').first().waitFor();
  });

  it('fits the event log on a 390 px phone: no sideways scroll, time, event and status on screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // With one event's details open: what was sent (its JSON too) fits as well.
    const purchase = page.locator('tbody tr[data-event]', { hasText: 'P-2001' });
    // (Open since the details test: the page remembers which details are open.)
    await purchase.getByRole('button', { name: /Hide history of Purchase P-2001/ }).waitFor();
    await page.locator('tr.details').getByText('The exact JSON sent to Meta').click();
    await page.locator('tr.details [data-testid="sent-json"]').waitFor();
    // Paused, so a live refresh does not redraw the rows while they are measured.
    await page.getByLabel('Live refresh').uncheck();
    await page.evaluate(() => window.scrollTo(0, 0));
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.body.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(await page.locator('.table-wrap.log').evaluate((wrap) => wrap.scrollWidth - wrap.clientWidth)).toBeLessThanOrEqual(0);
    const rows = page.locator('tbody tr[data-event]');
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 3; i++) {
      const boxes = await rows.nth(i).evaluate((tr) => ['td.when', 'td.event', 'td.status-cell'].map((sel) => {
        const el = tr.querySelector(sel);
        const box = el?.getBoundingClientRect();
        return { sel, visible: Boolean(box && box.width > 0 && box.height > 0 && box.left >= 0 && box.right <= 390 && el && getComputedStyle(el).visibility !== 'hidden') };
      }));
      expect(boxes).toEqual(['td.when', 'td.event', 'td.status-cell'].map((sel) => ({ sel, visible: true })));
    }
    // Channels (secondary) wait in the details on a phone; the open details fit too.
    expect(await rows.first().locator('td.opt').evaluate((td) => getComputedStyle(td).display)).toBe('none');
    // A compact header: brand, store and sign-out on one line, the menu on a second.
    expect((await page.locator('header.top').boundingBox())!.height).toBeLessThanOrEqual(90);
    // The rows themselves, details closed, for the docs.
    await rows.first().getByRole('button', { name: /Hide history of/ }).click();
    await page.locator('tr.details').waitFor({ state: 'detached' });
    await page.locator('.toolbar').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot(page, '42-event-log-390');
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
