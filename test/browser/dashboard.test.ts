import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { chromiumAvailable, launchChromium, screenshot } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, startTestRelay, type TestRelay } from '../helpers/relay.js';

const PASSWORD = 'dashboard-password-42';
const available = chromiumAvailable('dashboard browser test');

const sqlite = dialects.filter((d) => d.name === 'sqlite');

describe.skipIf(!available).each(sqlite)('dashboard in Chromium on $name', (dialect) => {
  let t: TestRelay;
  let emulator: Emulator;
  let browser: Browser;
  let page: Page;
  let base: string;
  let ingestKey = '';

  const shot = (name: string) => screenshot(page, name);

  beforeAll(async () => {
    emulator = createEmulator({ pixels: { '123456789': { name: 'Shop pixel', tokens: ['tok-good-0123456789'] } } });
    const graphUrl = await emulator.listen(0);
    t = await startTestRelay(dialect, { adminPassword: PASSWORD, graphUrl });
    base = await t.relay.listen();
    browser = await launchChromium();
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
    await page.getByRole('heading', { name: 'Stores' }).waitFor();
  });

  it('creates a tenant and shows its keys once', async () => {
    await page.getByLabel('Store name').fill('Demo Shop');
    await page.getByRole('button', { name: 'Add store' }).click();
    await page.getByTestId('ingest-key').waitFor();
    ingestKey = (await page.getByTestId('ingest-key').textContent()) ?? '';
    expect(ingestKey).toMatch(/^cr_ingest_/);
    await expect.poll(() => page.locator('#current-tenant').textContent()).toBe('Store: Demo Shop');
    await shot('02-tenants');
  });

  it('adds a pixel and verifies its connection', async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration: Demo Shop' }).waitFor();
    expect(await page.locator('#current-tenant').textContent()).toBe('Store: Demo Shop');
    await page.getByLabel('Pixel (dataset) ID').fill('123456789');
    await page.getByLabel('Conversions API access token').fill('tok-good-0123456789');
    await page.getByLabel('Test event code').fill('TEST123');
    await page.getByLabel('Graph API version (optional)').fill('v23.0');
    await page.getByRole('button', { name: 'Add pixel' }).click();
    await page.getByRole('button', { name: 'Test connection for pixel 123456789' }).click();
    await expect.poll(() => page.locator('tr[data-pixel="123456789"] output').textContent()).toBe('verified: Shop pixel');
    expect(await page.locator('tr[data-pixel="123456789"] [data-testid="pixel-graph-version"]').textContent()).toBe('v23.0');
    // Test connection asked Meta with the pixel's own version.
    expect(emulator.state.lookups().map((l) => l.version)).toEqual(['v23.0']);
  });

  it('shows the token problem of a pixel with a bad token', async () => {
    await page.getByLabel('Pixel (dataset) ID').fill('555555555');
    await page.getByLabel('Conversions API access token').fill('tok-wrong-0123456789');
    await page.getByRole('button', { name: 'Add pixel' }).click();
    await page.getByRole('button', { name: 'Test connection for pixel 555555555' }).click();
    const out = page.locator('tr[data-pixel="555555555"] output');
    await expect.poll(() => out.textContent()).toMatch(/^token problem: the access token is invalid/);
    expect(await page.locator('tr[data-pixel="555555555"] [data-testid="pixel-graph-version"]').textContent()).toBe('default v24.0');
    await shot('03-configuration');
  });

  it("changes a pixel's Graph API version in its editor, and clears it back to the default", async () => {
    const cell = page.locator('tr[data-pixel="123456789"] [data-testid="pixel-graph-version"]');
    const edit = async (value: string) => {
      await page.getByRole('button', { name: 'Edit pixel 123456789' }).click();
      await page.getByLabel('Graph API version', { exact: true }).fill(value);
      await page.getByRole('button', { name: 'Save pixel' }).click();
    };
    await edit('23');
    await expect.poll(() => page.getByRole('form', { name: 'Settings of pixel 123456789' }).getByRole('status').textContent()).toContain('v24.0 (v<major>.<minor>)');
    await page.getByLabel('Graph API version', { exact: true }).fill('v22.0');
    await page.getByRole('button', { name: 'Save pixel' }).click();
    await expect.poll(() => cell.textContent()).toBe('v22.0');
    await edit('');
    await expect.poll(() => cell.textContent()).toBe('default v24.0');
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
    // The bad-token pixel got paused by Meta's auth error: the details say so, with the reason.
    await expect.poll(() => page.locator('tr.details').first().textContent(), { timeout: 10_000 }).toMatch(/Pausedpixel 555555555: HTTP 401 code 190/);
    // Its copy waits in the queue, shown on the row as paused with the reason.
    await expect.poll(() => page.locator('tbody tr[data-event]', { hasText: '1001' }).textContent(), { timeout: 10_000 }).toMatch(/555555555: paused \(.+\)/);
    expect(await page.locator('tr.details').first().textContent()).not.toContain('[object');
    await shot('04-event-log');

    await page.getByLabel('Event name').fill('AddToCart');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('tbody tr[data-event]').count()).toBe(1);
    expect(await page.locator('tbody tr[data-event]').textContent()).toContain('AddToCart');
    await page.getByLabel('Event name').fill('');
    // Events the merge window holds for their partner are findable too.
    expect(await page.getByLabel('Status').locator('option[value="held"]').textContent()).toBe('held, waiting for its partner');
    await page.getByLabel('Status').selectOption('dead');
    await expect.poll(() => page.locator('tbody').textContent()).toContain('No events match.');
  });

  it('fits a 390 px phone screen', async () => {
    await page.getByLabel('Status').selectOption('');
    await page.setViewportSize({ width: 390, height: 800 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    // The log itself does not scroll sideways either: each row's time, event and status are on screen.
    expect(await page.locator('.table-wrap.log').evaluate((wrap) => wrap.scrollWidth - wrap.clientWidth)).toBeLessThanOrEqual(0);
    // Paused, so a live refresh does not redraw the rows while they are measured.
    await page.getByLabel('Live refresh').uncheck();
    // Polled: the Status change above redraws the rows once more, and a row being replaced measures as nothing.
    const measure = () => page.locator('tbody tr[data-event]').first().evaluate((tr) =>
      ['td.when', 'td.event', 'td.status-cell'].map((sel) => {
        const box = tr.isConnected ? tr.querySelector(sel)?.getBoundingClientRect() : undefined;
        return { sel, onScreen: Boolean(box && box.width > 0 && box.height > 0 && box.left >= 0 && box.right <= 390) };
      }));
    await expect.poll(measure).toEqual(['td.when', 'td.event', 'td.status-cell'].map((sel) => ({ sel, onScreen: true })));
    // A compact header: two short lines (brand, store and sign-out; then the menu), not a third of the screen.
    expect((await page.locator('header.top').boundingBox())!.height).toBeLessThanOrEqual(90);
    await page.getByLabel('Live refresh').check();
    await shot('05-event-log-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('simulates a Purchase to Test Events, shows Meta\'s answer, and lists it in the event log within 5 s', async () => {
    await page.getByRole('link', { name: 'Simulate' }).click();
    await page.getByRole('heading', { name: 'Simulate events: Demo Shop' }).waitFor();
    await page.getByLabel('Pixel').selectOption({ label: '123456789 (primary, test code TEST123)' });
    await page.getByRole('button', { name: 'Purchase', exact: true }).click();
    const answer = page.getByRole('region', { name: "Meta's answer" });
    await expect.poll(() => answer.textContent(), { timeout: 10_000 }).toContain('Purchase: sent');
    expect(await answer.textContent()).toMatch(/fbtrace_id[A-Za-z0-9_-]{6,}/);
    expect(await page.getByTestId('sim-message').textContent()).toBe('Meta received the event (Test Events)');
    await shot('06-simulate');
    await page.getByRole('link', { name: 'See it in the event log' }).click();
    const started = Date.now();
    const row = page.locator('tbody tr[data-event]', { hasText: '(simulated)' }).first();
    await row.waitFor({ timeout: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await row.textContent()).toContain('123456789: sent');
    expect(await row.textContent()).toContain('server (simulated)');
    // A simulation is delivered to the chosen pixel only.
    expect(await row.textContent()).not.toContain('555555555');
  });

  it('retries a dead delivery from the event\'s history', async () => {
    // Make the AddToCart's delivery to the good pixel dead, as exhausted retries would.
    const db = t.relay.store.db;
    const event = await db.selectFrom('events').select(['id', 'tenant_id', 'seq']).where('event_name', '=', 'AddToCart').executeTakeFirstOrThrow();
    const pixel = await db.selectFrom('pixels').select('id').where('pixel_id', '=', '123456789').executeTakeFirstOrThrow();
    // A dead event is an exception row of (pixel, seq), as the queue writes it.
    const now = Date.now();
    await db
      .insertInto('delivery_exceptions')
      .values({
        pixel_row_id: pixel.id, tenant_id: event.tenant_id, seq: Number(event.seq), status: 'dead', attempts: 8, next_attempt_at: now, lease_owner: null, lease_until: null,
        last_error: 'gave up after 8 attempts', fbtrace_id: null, events_received: null, client_ip_address: null, client_user_agent: null, replayed: 0, created_at: now, updated_at: now,
      })
      .execute();
    const row = page.locator(`tbody tr[data-event="${event.id}"]`);
    await expect.poll(() => row.textContent(), { timeout: 5000 }).toContain('123456789: failed — will not retry');
    await row.getByRole('button', { name: /Show history of AddToCart/ }).click();
    await page.getByRole('button', { name: 'Retry dead deliveries' }).click();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('123456789: sent');
    await row.getByRole('button', { name: /Hide history of AddToCart/ }).click();
  });

  it('edits the policy, refusing an unsafe event_id template inline', async () => {
    await page.getByRole('link', { name: 'Configuration' }).click();
    await page.getByRole('heading', { name: 'Configuration: Demo Shop' }).waitFor();
    // One part of the configuration at a time: the policy has a tab of its own.
    await page.getByRole('link', { name: 'Policy', exact: true }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Policy', exact: true }).getAttribute('aria-current')).toBe('page');
    const templates = page.getByLabel('One "EventName = template" per line');
    await templates.fill('Purchase = purchase');
    await page.getByRole('button', { name: 'Save policy', exact: true }).click();
    const result = page.locator('#policy-result');
    await expect.poll(() => result.textContent()).toContain('must contain {order_id}');
    await templates.fill('Purchase = order:{order_id}');
    await page.getByLabel('Limited Data Use applies to').selectOption('states');
    await page.getByLabel('LDU states').fill('ca, co');
    await page.getByRole('button', { name: 'Save policy', exact: true }).click();
    await expect.poll(() => page.locator('#policy-result').textContent()).toBe('Policy saved');
    expect(await page.getByLabel('One "EventName = template" per line').inputValue()).toBe('Purchase = order:{order_id}');
    await page.locator('#policy').scrollIntoViewIfNeeded();
    await page.locator('#policy').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot('07-policy');

    // The GDPR reading of consent: refused inline without a category, kept by the form once saved with one.
    const whenMissing = page.getByLabel('An event that carries no consent_categories');
    await whenMissing.selectOption('denied');
    await page.getByRole('button', { name: 'Save policy', exact: true }).click();
    await expect.poll(() => page.locator('#policy-result').textContent()).toContain('needs an advertisingCategory');
    await page.getByLabel('Consent category required for advertising').fill('marketing');
    await page.getByRole('button', { name: 'Save policy', exact: true }).click();
    await expect.poll(() => page.locator('#policy-result').textContent()).toBe('Policy saved');
    const policyOf = async () => {
      const list = (await (await fetch(`${base}/api/v1/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { tenants: { id: string }[] };
      const one = await fetch(`${base}/api/v1/tenants/${list.tenants[0]?.id ?? ''}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      return ((await one.json()) as { policy: { consent?: unknown } }).policy.consent;
    };
    expect(await policyOf()).toEqual({ advertisingCategory: 'marketing', withoutConsent: 'drop', whenMissing: 'denied' });
    expect(await page.getByLabel('An event that carries no consent_categories').inputValue()).toBe('denied');
    // Back to the default, so the later steps' events are not held for consent.
    await page.getByLabel('An event that carries no consent_categories').selectOption('granted');
    await page.getByLabel('Consent category required for advertising').fill('');
    await page.getByRole('button', { name: 'Save policy', exact: true }).click();
    await expect.poll(() => page.locator('#policy-result').textContent()).toBe('Policy saved');
    expect(await policyOf()).toEqual({ advertisingCategory: null, withoutConsent: 'drop', whenMissing: 'granted' });
  });

  it('turns a per-event switch off, and shows the sources with their webhook URLs and the snippet tag', async () => {
    const tenants = await fetch(`${base}/api/v1/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const tenantId = ((await tenants.json()) as { tenants: { id: string }[] }).tenants[0]?.id ?? '';
    const added = await fetch(`${base}/api/v1/tenants/${tenantId}/sources`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'shopify', secret: 'shpss_test_secret' }),
    });
    expect(added.status).toBe(201);
    const hook = ((await added.json()) as { webhookUrl: string }).webhookUrl;
    await page.reload();
    await page.getByRole('heading', { name: 'Configuration: Demo Shop' }).waitFor();
    await page.getByRole('link', { name: 'Pixels and forwarding' }).click();
    await page.getByLabel('PageView').uncheck();
    await expect.poll(() => page.locator('#switches ~ section [role=status]').first().textContent()).toBe('PageView off');
    const switches = await fetch(`${base}/api/v1/tenants/${tenantId}/switches`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await switches.json()) as { switches: Record<string, boolean> }).switches.PageView).toBe(false);
    // No publicUrl is configured, so the page shows the webhook URL at the address it was served from.
    await page.getByRole('link', { name: 'Webhook sources' }).click();
    await page.locator('#sources-list').waitFor();
    expect(await page.locator('table', { hasText: 'shopify' }).textContent()).toContain(`${base}${new URL(hook).pathname}`);
    await page.getByRole('button', { name: 'Copy the shopify webhook URL' }).click();
    await shot('09-forwarding-sources');
    await page.getByRole('link', { name: 'Snippet and origins', exact: true }).click();
    await page.locator('#snippet-tag').waitFor();
    // The tag carries the store's own publishable key (the relay keeps it), ready to paste.
    expect(await page.locator('#snippet-tag').textContent()).toContain(`${base}/sdk.js?key=cr_pub_`);
    await page.getByLabel('Also load the Meta Pixel').check();
    await expect.poll(() => page.locator('#snippet-result').textContent()).toBe('The snippet now loads the Meta Pixel');
    const snippet = await fetch(`${base}/api/v1/tenants/${tenantId}/snippet`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await snippet.json()) as { loadPixel: boolean }).loadPixel).toBe(true);
    // The click cookies' domain: a wrong value is refused inline, a good one saved, empty goes back to automatic.
    const cookieDomain = page.getByLabel('Cookie domain (optional)');
    await cookieDomain.fill('https://shop.example/');
    await page.getByRole('button', { name: 'Save cookie domain' }).click();
    await expect.poll(() => page.locator('#cookie-domain-result').textContent()).toContain('cookieDomain must be a domain name');
    expect(await cookieDomain.getAttribute('aria-invalid')).toBe('true');
    await cookieDomain.fill('Example.co.uk');
    await page.getByRole('button', { name: 'Save cookie domain' }).click();
    await expect.poll(() => page.locator('#cookie-domain-result').textContent()).toBe('The click cookies now go on Example.co.uk');
    const withDomain = await fetch(`${base}/api/v1/tenants/${tenantId}/snippet`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await withDomain.json()).toEqual({ loadPixel: true, cookieDomain: 'example.co.uk', acceptSandboxedPixel: false });
    // At phone width the configuration page does not scroll sideways either.
    await page.setViewportSize({ width: 390, height: 800 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('lists every change in the audit log, without secrets', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log: Demo Shop' }).waitFor();
    const body = page.locator('tbody');
    await expect.poll(() => body.textContent()).toContain('PUT /api/v1/tenants/:id/policy');
    const text = (await body.textContent()) ?? '';
    expect(text).toContain('POST /api/v1/tenants/:id/pixels');
    // Each entry reads as a sentence; the method and route stay under it as the detail.
    expect(text).toMatch(/The operator \(session [^)]+\) changed the policy\./);
    expect(text).toContain('added a pixel.');
    expect(text).toContain('accessToken: (set)');
    expect(text).not.toContain('tok-good-0123456789');
    expect(text).not.toContain('shpss_test_secret');
    await shot('08-audit-log');
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin password').waitFor();
  });
});
