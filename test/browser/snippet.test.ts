import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createOriginRepository } from '../../src/store/origins.js';
import { dialects } from '../helpers/databases.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';
import { startScriptServer, startStorePage, type StorePage } from './store-page.js';

const CHROMIUM = '/usr/bin/chromium';
const PIXEL = '333333333333';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is required under CI for the browser snippet tests`);
  process.stderr.write(`\n[capi-relay tests] ${CHROMIUM} not found: browser snippet tests are SKIPPED on this machine\n\n`);
}
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.skipIf(!hasChromium)('the snippet in a real Chromium', () => {
  let emulator: Emulator;
  let t: TestRelay;
  let relayUrl: string;
  let store: StorePage;
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    emulator = createEmulator({ pixels: { [PIXEL]: { name: 'Shop', tokens: ['tok-browser-0123'] } } });
    const graphUrl = await emulator.listen(0);
    t = await startTestRelay(dialects[0]!, { graphUrl, graphVersion: 'v24.0' });
    relayUrl = await t.relay.listen();
    const tenant = await t.relay.tenants.createTenant('Browser Store');
    key = tenant.publishableKey;
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'tok-browser-0123' });
    store = await startStorePage();
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(key)}`);
    await createOriginRepository(t.relay.store).add(tenant.id, store.origin);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await t?.close();
    await emulator?.close();
  });

  async function openPage(path: string): Promise<{ page: Page; errors: Error[] }> {
    const page = await browser.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(`${store.url}${path}`);
    return { page, errors };
  }
  const received = (id: string) => emulator.state.events({ pixelId: PIXEL }).find((r) => r.event.event_id === id);
  async function waitForEvents(ids: string[], timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (ids.some((id) => !received(id))) {
      if (Date.now() > deadline) throw new Error(`not received: ${ids.filter((id) => !received(id)).join(', ')}; rejected: ${JSON.stringify(emulator.state.rejections())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('sets _fbc from fbclid, fires the funnel with one event_id shared by the Pixel and the server', async () => {
    const { page, errors } = await openPage('/?fbclid=AbC123xyz');
    await page.waitForFunction(() => (window as unknown as { capiRelay?: { version?: number } }).capiRelay?.version === 1);
    const cookies = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c.value]));
    expect(cookies._fbc).toMatch(/^fb\.1\.\d{13}\.AbC123xyz$/);
    expect(cookies._fbp).toMatch(/^fb\.1\.\d{13}\.\d+$/);

    const ids = await page.evaluate(() => {
      const r = (window as unknown as { capiRelay: { track(n: string, d?: object, o?: object): string } }).capiRelay;
      const item = { id: 'sku-1', price: 21.25, quantity: 2 };
      return [
        r.track('ViewContent', { items: [item], value: 21.25, currency: 'EUR' }),
        r.track('AddToCart', { items: [item], value: 42.5, currency: 'EUR' }),
        r.track('InitiateCheckout', { items: [item], value: 42.5, currency: 'EUR' }),
        r.track('Purchase', { order_id: '1001', items: [item], value: 42.5, currency: 'EUR', email: 'Jane@Example.com' }),
      ];
    });
    expect(ids[3]).toBe('purchase:1001');
    await waitForEvents(ids);

    const fbq = await page.evaluate(() => (window as unknown as { __fbqCalls: unknown[][] }).__fbqCalls);
    const tracked = fbq.filter((c) => c[0] === 'track') as [string, string, Record<string, unknown>, { eventID: string }][];
    const names = ['ViewContent', 'AddToCart', 'InitiateCheckout', 'Purchase'];
    names.forEach((name, i) => {
      const call = tracked.find((c) => c[1] === name && c[3].eventID === ids[i]);
      expect(call, `fbq call for ${name}`).toBeDefined();
      const server = received(ids[i]!)!.event;
      expect(server.event_name).toBe(name);
      expect(server.event_id).toBe(call![3].eventID);
      const ud = server.user_data as Record<string, unknown>;
      expect(ud.fbc).toBe(cookies._fbc);
      expect(ud.fbp).toBe(cookies._fbp);
      expect(ud.client_ip_address).toBe('127.0.0.1');
      expect(String(ud.client_user_agent)).toContain('Chrome');
    });
    expect(tracked.find((c) => c[1] === 'Purchase')![2]).toMatchObject({ order_id: '1001', value: 42.5, currency: 'EUR', content_ids: ['sku-1'] });
    expect((received('purchase:1001')!.event.user_data as Record<string, unknown>).em).toEqual([sha256('jane@example.com')]);
    // The events are logged as browser events.
    const sources = await t.relay.store.db.selectFrom('events').select('source').distinct().execute();
    expect(sources).toEqual([{ source: 'browser' }]);

    // A later page with the same fbclid keeps the first click time.
    await page.goto(`${store.url}/cart?fbclid=AbC123xyz`);
    await page.waitForFunction(() => (window as unknown as { capiRelay?: { version?: number } }).capiRelay?.version === 1);
    const again = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c.value]));
    expect(again._fbc).toBe(cookies._fbc);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps working without the Pixel (blocked): the server copy still goes', async () => {
    const { page, errors } = await openPage('/?nopixel=1');
    await page.waitForFunction(() => (window as unknown as { capiRelay?: { version?: number } }).capiRelay?.version === 1);
    const id = await page.evaluate(() => (window as unknown as { capiRelay: { track(n: string, d?: object): string } }).capiRelay.track('AddToCart', { value: 5, currency: 'EUR' }));
    await waitForEvents([id]);
    expect(await page.evaluate(() => (window as unknown as { fbq?: unknown }).fbq)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends nothing before consent when the tenant requires it, then everything held once granted', async () => {
    const strict = await t.relay.tenants.createTenant('Consent Store', { consent: { advertisingCategory: 'marketing' } });
    await createOriginRepository(t.relay.store).add(strict.id, store.origin);
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(strict.publishableKey)}`);
    const { page, errors } = await openPage('/');
    await page.waitForFunction(() => (window as unknown as { capiRelay?: { version?: number } }).capiRelay?.version === 1);
    const id = await page.evaluate(() => (window as unknown as { capiRelay: { track(n: string, d?: object): string } }).capiRelay.track('Purchase', { order_id: '3003', value: 9, currency: 'EUR' }));
    await new Promise((r) => setTimeout(r, 700));
    const stored = () => t.relay.store.db.selectFrom('events').select(['event_id', 'drop_code']).where('tenant_id', '=', strict.id).execute();
    expect(await stored()).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __fbqCalls: unknown[][] }).__fbqCalls.filter((c) => c[0] === 'track'))).toEqual([]);

    await page.evaluate(() => (window as unknown as { capiRelay: { consent(v: boolean): void } }).capiRelay.consent(true));
    const deadline = Date.now() + 10_000;
    while (!(await stored()).some((r) => r.event_id === id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const rows = await stored();
    // The held ViewContent (page script), PageView and Purchase all went, consented (not dropped).
    expect(rows.map((r) => r.event_id)).toContain(id);
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.drop_code === null)).toBe(true);
    const fbqIds = await page.evaluate(() => (window as unknown as { __fbqCalls: unknown[][] }).__fbqCalls.filter((c) => c[0] === 'track').map((c) => (c[3] as { eventID: string }).eventID));
    expect(fbqIds).toContain(id);
    expect(errors).toEqual([]);
    await page.close();
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(key)}`);
  });

  it('never breaks the page when the relay is down, before or after the snippet loaded', async () => {
    // Down before: the script tag fails; the paste-in stub keeps calls from throwing.
    store.setSdkUrl('http://127.0.0.1:9/sdk.js?key=x');
    const down = await openPage('/');
    expect(await down.page.evaluate(() => (window as unknown as { __pageOk?: boolean }).__pageOk)).toBe(true);
    await down.page.evaluate(() => (window as unknown as { capiRelay: { track(n: string): void } }).capiRelay.track('Lead'));
    expect(down.errors).toEqual([]);
    await down.page.close();

    // Down after: the snippet loaded, then its relay went away; track() still returns quietly.
    const js = await (await fetch(`${relayUrl}/sdk.js?key=${encodeURIComponent(key)}`)).text();
    const gone = await startScriptServer(js);
    store.setSdkUrl(`${gone.url}/sdk.js`);
    const later = await openPage('/');
    await later.page.waitForFunction(() => (window as unknown as { capiRelay?: { version?: number } }).capiRelay?.version === 1);
    await gone.close();
    const id = await later.page.evaluate(() => (window as unknown as { capiRelay: { track(n: string, d?: object): string } }).capiRelay.track('Purchase', { order_id: '2002', value: 1, currency: 'EUR' }));
    expect(id).toBe('purchase:2002');
    await new Promise((r) => setTimeout(r, 500));
    expect(later.errors).toEqual([]);
    await later.page.close();
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(key)}`);
  });
});
