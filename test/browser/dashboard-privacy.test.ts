/**
 * The event log's paging ("Load older events", kept across live refreshes) and the configuration page's
 * privacy part (retention, "Forget a customer"), in real Chromium against a relay. No fixed sleeps: every
 * wait is for an element, a text or a count.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickRepository } from '../../src/store/clicks.js';
import { chromiumAvailable, launchChromium, screenshot, signIn } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, createTenantViaApi, startTestRelay, type ApiTenant, type TestRelay } from '../helpers/relay.js';

const PASSWORD = 'dashboard-password-42';
const JANE_FBP = 'fb.1.1700000000000.1111111111';
const BOB_FBP = 'fb.1.1700000000000.2222222222';
const available = chromiumAvailable('dashboard privacy browser test');

const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.skipIf(!available).each(sqlite)('dashboard paging and privacy in Chromium on $name', (dialect) => {
  let t: TestRelay;
  let browser: Browser;
  let page: Page;
  let base: string;
  let tenant: ApiTenant;
  let seq = 0;

  const rows = () => page.locator('tbody tr[data-event]');
  const loadOlder = () => page.getByRole('button', { name: 'Load older events' });
  const shownLine = () => page.locator('#events-shown');

  /** Posts events with the store's ingest key; each one must be accepted. */
  async function ingest(events: object[]): Promise<void> {
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(202);
    const { results } = (await res.json()) as { results: { status: string }[] };
    expect(results).toHaveLength(events.length);
  }
  const user = (extra: object = {}) => ({ user_agent: 'Mozilla/5.0', ip: '203.0.113.7', ...extra });
  const addToCarts = (n: number) => Array.from({ length: n }, () => ({ event: 'add_to_cart', event_id: `atc-${++seq}`, value: 10, currency: 'EUR', url: 'https://shop.example/p/1', user: user({ email: `shopper${seq}@example.com` }) }));
  const purchases = (n: number) => Array.from({ length: n }, () => ({ event: 'purchase', order_id: `P-${++seq}`, value: 20, currency: 'EUR', url: 'https://shop.example/thanks', user: user({ email: `buyer${seq}@example.com` }) }));

  /** The row ids on screen, top to bottom. */
  const ids = () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event') ?? ''));

  beforeAll(async () => {
    t = await startTestRelay(dialect, { adminPassword: PASSWORD, retentionDays: 30, deliveryEnabled: false });
    base = await t.relay.listen();
    tenant = await createTenantViaApi(t, 'Privacy Shop');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, base, PASSWORD, 'Overview: Privacy Shop');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('pages the event log 50 at a time with "Load older events" until the end, which hides the button', async () => {
    // 70 AddToCart, then 40 Purchase: 110 events, newest first on screen.
    await ingest(addToCarts(70));
    await ingest(purchases(40));
    await page.getByRole('link', { name: 'Event log' }).click();
    await page.getByRole('heading', { name: 'Event log: Privacy Shop' }).waitFor();
    await expect.poll(() => rows().count()).toBe(50);
    expect(await shownLine().textContent()).toBe('Showing the newest 50 events');
    const first = await ids();

    await loadOlder().click();
    await expect.poll(() => rows().count()).toBe(100);
    const two = await ids();
    expect(two.slice(0, 50)).toEqual(first);
    expect(new Set(two).size).toBe(100);
    // Keyboard users stay on the button to load the next page.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('load-older');
    expect(await shownLine().textContent()).toBe('Showing the newest 100 events');
    await page.locator('.pager').scrollIntoViewIfNeeded();
    await screenshot(page, '16-event-log-paging');

    await loadOlder().click();
    await expect.poll(() => rows().count()).toBe(110);
    expect(new Set(await ids()).size).toBe(110);
    await loadOlder().waitFor({ state: 'hidden' });
    expect(await shownLine().textContent()).toBe('Showing all 110 events (the end of the log)');
    // The oldest row is the first AddToCart; the focus moved from the vanished button to the line saying it is the end.
    expect(await rows().last().textContent()).toContain('AddToCart');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('events-shown');
  });

  it('keeps the filters on the older pages', async () => {
    await page.getByLabel('Event name').fill('AddToCart');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => shownLine().textContent()).toBe('Showing the newest 50 events');
    expect(await rows().count()).toBe(50);
    for (const text of await rows().allTextContents()) expect(text).toContain('AddToCart');
    await loadOlder().click();
    await expect.poll(() => rows().count()).toBe(70);
    for (const text of await rows().allTextContents()) expect(text).toContain('AddToCart');
    await loadOlder().waitFor({ state: 'hidden' });
    expect(await shownLine().textContent()).toBe('Showing all 70 events (the end of the log)');
  });

  it('live refresh adds new events on top without dropping the older pages, even more than a page at once', async () => {
    const before = await ids();
    await ingest(addToCarts(1));
    // The next live refresh (every 3 s) puts it on top; the 70 rows stay under it.
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(71);
    const after = await ids();
    expect(after.slice(1)).toEqual(before);
    expect(await rows().first().textContent()).toContain('AddToCart');
    // Pausing the live refresh keeps every row.
    await page.getByLabel('Live refresh').uncheck();
    expect(await rows().count()).toBe(71);
    expect(await loadOlder().isHidden()).toBe(true);
    // 60 new ones while paused (more than a page): resuming fetches the page in between too, no gap, no duplicates.
    await ingest([...addToCarts(60), ...purchases(5)]);
    await page.getByLabel('Live refresh').check();
    await expect.poll(() => rows().count()).toBe(131);
    const all = await ids();
    expect(new Set(all).size).toBe(131);
    expect(all.slice(60)).toEqual(after);
    expect(await loadOlder().isHidden()).toBe(true);
    expect(await shownLine().textContent()).toBe('Showing all 131 events (the end of the log)');
    // A new filter starts over from the newest page.
    await page.getByLabel('Event name').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows().count()).toBe(50);
    await loadOlder().waitFor();
    expect(await shownLine().textContent()).toBe('Showing the newest 50 events');
  });

  it("shows the relay's retention on the configuration page", async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration: Privacy Shop' }).waitFor();
    await page.getByRole('link', { name: 'Privacy', exact: true }).click();
    await page.locator('#retention-text').waitFor();
    expect(await page.locator('#retention-text').textContent()).toMatch(/^Events, click ids and orders are kept 30 days, then deleted/);
    const info = await fetch(`${base}/api/v1/relay-info`, { headers: ADMIN_HEADERS });
    expect(((await info.json()) as { retentionDays: number }).retentionDays).toBe(30);
  });

  it('says "kept until deleted" when retention is off', async () => {
    await page.route('**/api/v1/relay-info', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...((await res.json()) as object), retentionDays: 0 } });
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Configuration: Privacy Shop' }).waitFor();
    expect(await page.locator('#retention-text').textContent()).toBe('Events, click ids and orders are kept until deleted (retention is off).');
    await page.unroute('**/api/v1/relay-info');
    await page.reload();
    await page.getByRole('heading', { name: 'Configuration: Privacy Shop' }).waitFor();
  });

  /** Jane: two purchases by e-mail (one with her browser id) and a page view known only by that browser id; Bob likewise. */
  async function seedCustomers(): Promise<void> {
    await ingest([
      { event: 'purchase', order_id: 'J-1', value: 30, currency: 'EUR', url: 'https://shop.example/thanks', user: user({ email: 'jane@example.com', fbp: JANE_FBP }) },
      { event: 'purchase', order_id: 'J-2', value: 31, currency: 'EUR', url: 'https://shop.example/thanks', user: user({ email: 'JANE@example.com ' }) },
      { event: 'page_view', event_id: 'jane-pv', url: 'https://shop.example/', user: user({ fbp: JANE_FBP }) },
      { event: 'purchase', order_id: 'B-1', value: 40, currency: 'EUR', url: 'https://shop.example/thanks', user: user({ email: 'bob@example.com', fbp: BOB_FBP }) },
      { event: 'page_view', event_id: 'bob-pv', url: 'https://shop.example/', user: user({ fbp: BOB_FBP }) },
    ]);
    const clicks = createClickRepository(t.relay.store);
    await clicks.record({ tenantId: tenant.id, fbp: JANE_FBP, fbclid: { id: 'jane-click', firstSeenAt: Date.now() }, orderId: 'J-1' });
    await clicks.record({ tenantId: tenant.id, fbp: BOB_FBP, fbclid: { id: 'bob-click', firstSeenAt: Date.now() }, orderId: 'B-1' });
  }
  const db = () => t.relay.store.db;
  const customerEvents = async () =>
    (await db().selectFrom('events').select(['order_id', 'event_id', 'fbp']).where('tenant_id', '=', tenant.id).where((eb) => eb.or([eb('order_id', 'in', ['J-1', 'J-2', 'B-1']), eb('event_id', 'in', ['jane-pv', 'bob-pv'])])).execute())
      .map((e) => e.order_id ?? e.event_id).sort();

  it('asks for at least one identifier, and cancels without deleting', async () => {
    await seedCustomers();
    expect(await customerEvents()).toEqual(['B-1', 'J-1', 'J-2', 'bob-pv', 'jane-pv']);
    const form = page.getByRole('form', { name: 'Forget a customer' });
    await form.getByRole('button', { name: 'Forget this customer…' }).click();
    await expect.poll(() => page.locator('#forget-result').textContent()).toBe('Give at least one: e-mail, phone, external id or fbp.');
    await form.getByLabel('E-mail', { exact: true }).fill('bob@example.com');
    await form.getByRole('button', { name: 'Forget this customer…' }).click();
    await expect.poll(() => page.locator('#forget-question').textContent()).toBe('Delete everything the relay holds for e-mail "bob@example.com" in Privacy Shop? This cannot be undone.');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#forget-result').textContent()).toBe('Nothing was deleted.');
    expect(await customerEvents()).toEqual(['B-1', 'J-1', 'J-2', 'bob-pv', 'jane-pv']);
    await form.getByLabel('E-mail', { exact: true }).fill('');
  });

  it("forgets a customer from the keyboard: her events, click ids and order links go, another customer's stay", async () => {
    const form = page.getByRole('form', { name: 'Forget a customer' });
    await form.getByLabel('E-mail', { exact: true }).focus();
    await page.keyboard.type(' Jane@Example.com');
    await page.keyboard.press('Enter');
    // The confirmation takes the focus: Enter on "Delete now" deletes.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Delete now');
    await page.locator('#privacy').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot(page, '17-forget-confirm');
    await page.keyboard.press('Enter');
    const result = page.locator('#forget-result');
    await expect.poll(() => result.textContent()).toBe('Customer forgotten: removed 3 events, 1 click id and 1 order link from the relay.');
    expect(await result.getAttribute('class')).toBe('result-ok');
    expect(await form.getByLabel('E-mail', { exact: true }).inputValue()).toBe('');
    await screenshot(page, '18-forget-done');

    expect(await customerEvents()).toEqual(['B-1', 'bob-pv']);
    const clicks = await db().selectFrom('click_ids').select('click_id').where('tenant_id', '=', tenant.id).execute();
    expect(clicks.map((c) => c.click_id)).toEqual(['bob-click']);
    const links = await db().selectFrom('order_browsers').select('order_id').where('tenant_id', '=', tenant.id).execute();
    expect(links.map((l) => l.order_id)).toEqual(['B-1']);
    // The event log (admin API) no longer lists her orders.
    const res = await fetch(`${base}/api/v1/tenants/${tenant.id}/events?event_name=Purchase&limit=500`, { headers: ADMIN_HEADERS });
    const orders = ((await res.json()) as { items: { orderId: string | null }[] }).items.map((e) => e.orderId);
    expect(orders).toContain('B-1');
    expect(orders).not.toContain('J-1');
    expect(orders).not.toContain('J-2');
  });

  it("shows the server's error for an invalid e-mail next to the form, and deletes nothing", async () => {
    const form = page.getByRole('form', { name: 'Forget a customer' });
    await form.getByLabel('E-mail', { exact: true }).fill('bob@example');
    await form.getByLabel('Browser id').fill(BOB_FBP);
    await form.getByRole('button', { name: 'Forget this customer…' }).click();
    await expect.poll(() => page.locator('#forget-question').textContent()).toContain(`browser id "${BOB_FBP}"`);
    await page.getByRole('button', { name: 'Delete now' }).click();
    const result = page.locator('#forget-result');
    await expect.poll(() => result.textContent()).toBe('em: not a valid e-mail address');
    expect(await result.getAttribute('class')).toBe('result-bad');
    expect(await form.getByLabel('E-mail', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('forget-email');
    // The fields are kept for a correction, and Bob's data is all still there.
    expect(await form.getByLabel('E-mail', { exact: true }).inputValue()).toBe('bob@example');
    expect(await customerEvents()).toEqual(['B-1', 'bob-pv']);
    expect((await db().selectFrom('click_ids').select('click_id').where('tenant_id', '=', tenant.id).execute()).length).toBe(1);
    // The erasure was audited without the identifiers.
    const audit = await fetch(`${base}/api/v1/tenants/${tenant.id}/audit`, { headers: ADMIN_HEADERS });
    const entries = (await audit.json()) as { items: { action: string; summary: { body?: Record<string, unknown> } }[] };
    const forgets = entries.items.filter((i) => i.action.endsWith('/forget'));
    expect(forgets.length).toBeGreaterThan(0);
    // Jane's erasure (typed as "Jane@Example.com") is in the log with every identifier shown as "(given)".
    for (const f of forgets) expect(Object.values(f.summary.body ?? {}).every((v) => v === '(given)')).toBe(true);
    expect(JSON.stringify(entries).toLowerCase()).not.toContain('jane@example.com');
  });
});
