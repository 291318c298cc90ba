/**
 * The snippet's landing-click and consent rules (docs/snippet.md) on inputs a real store meets: a landing URL or a
 * cookie the snippet did not write, and a consent banner that answers late. Real Chromium, pages on
 * www.example.co.uk (mapped to 127.0.0.1), a real relay in front of the Graph API emulator.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOriginRepository } from '../../src/store/origins.js';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';
import { COLLECT_COUNTER, startStorePage, type SnippetWindow, type StorePage } from './store-page.js';

const hasChromium = chromiumAvailable('snippet edge-case tests');
const PIXEL = '525252525252';
const TOKEN = 'tok-edges-0123';

describe.skipIf(!hasChromium)('the snippet on edge-case pages, in a real Chromium', () => {
  let t: EmulatedRelay;
  let relayUrl: string;
  let store: StorePage;
  let browser: Browser;
  let www: string;

  beforeAll(async () => {
    t = await startEmulatedRelay(dialects[0]!, { emulator: { pixels: { [PIXEL]: { name: 'Shop', tokens: [TOKEN] } } } });
    relayUrl = await t.relay.listen();
    store = await startStorePage();
    www = `http://www.example.co.uk:${new URL(store.url).port}`;
    browser = await launchChromium(['--host-resolver-rules=MAP *.example.co.uk 127.0.0.1']);
  });
  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await t?.close();
  });

  /** A tenant with the emulator's pixel and the store's origin; the store page loads its snippet. */
  async function storeTenant(name: string, policy: Record<string, unknown> = {}) {
    const tenant = await t.relay.tenants.createTenant(name, policy);
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: TOKEN });
    await createOriginRepository(t.relay.store).add(tenant.id, www);
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(tenant.publishableKey)}`);
    return tenant;
  }

  /** Opens `url` in `context` (a fresh visitor by default) with beacons counted as they leave; waits for the snippet. */
  async function visit(url: string, context?: BrowserContext): Promise<{ page: Page; context: BrowserContext; errors: Error[] }> {
    const ctx = context ?? (await browser.newContext());
    const page = await ctx.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.addInitScript(COLLECT_COUNTER);
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1, undefined, { timeout: 5_000 });
    return { page, context: ctx, errors };
  }
  const cookie = async (ctx: BrowserContext, name: string) => (await ctx.cookies()).find((c) => c.name === name)?.value;
  const beacons = (page: Page) => page.evaluate(() => (window as unknown as SnippetWindow).__collectCalls);
  const stored = (tenantId: string) => t.relay.store.db.selectFrom('events').select(['event_id', 'event_name']).where('tenant_id', '=', tenantId).execute();
  it('takes a landing URL or a cookie that is not valid percent-encoding as it is, and keeps working', async () => {
    const tenant = await storeTenant('Malformed');
    // "%E0%A4%A" is a cut-off UTF-8 sequence: decodeURIComponent throws on it (the snippet then never loaded).
    const landing = await visit(`${www}/?fbclid=IwAR%E0%A4%A&gclid=G%zz`);
    expect(await beacons(landing.page)).toBe(2); // ViewContent (page script) and PageView
    expect(await landing.page.evaluate(() => document.cookie)).toMatch(/(^|; )_fbc=fb\.1\.\d{13}\.IwAR/);
    expect(landing.errors).toEqual([]);
    await landing.context.close();

    // Another script wrote _fbc raw, with a "%" that is no escape: the snippet reads it as it is.
    const context = await browser.newContext();
    await context.addCookies([{ name: '_fbc', value: 'fb.1.1796000000000.Iw%zz', domain: '.example.co.uk', path: '/' }]);
    const foreign = await visit(`${www}/`, context);
    expect(await beacons(foreign.page)).toBe(2);
    expect((await foreign.page.evaluate(() => (window as unknown as SnippetWindow).__fbqCalls ?? [])).map((c) => c[1])).toEqual(['ViewContent', 'PageView']);
    expect(foreign.errors).toEqual([]);
    await context.close();
    await expect.poll(async () => (await stored(tenant.id)).length, { timeout: 10_000 }).toBe(4);
  });
  it('keeps _fbc and its click time on later pages with the same fbclid, also when the fbclid holds a dot', async () => {
    await storeTenant('Dotted');
    // Meta's format is fb.1.<ms>.<fbclid>: the fbclid is everything after the third dot, dots included.
    const { page, context, errors } = await visit(`${www}/?fbclid=IwAR.dotted_1`);
    const first = await cookie(context, '_fbc');
    expect(first).toMatch(/^fb\.1\.\d{13}\.IwAR\.dotted_1$/);
    await page.waitForTimeout(5); // a later landing time, so a rewrite would show
    await page.goto(`${www}/product?fbclid=IwAR.dotted_1`);
    await page.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1);
    expect(await cookie(context, '_fbc')).toBe(first);
    // A new click is a new cookie, with its own time.
    await page.goto(`${www}/sale?fbclid=IwAR.dotted_2`);
    await page.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1);
    expect(await cookie(context, '_fbc')).toMatch(/^fb\.1\.\d{13}\.IwAR\.dotted_2$/);
    expect(errors).toEqual([]);
    await context.close();
  });
  it('lets the latest consent decision win when a banner function answers after a later consent() call', async () => {
    const tenant = await storeTenant('Late answer', { consent: { advertisingCategory: 'marketing' } });
    const { page, context, errors } = await visit(`${www}/?fbclid=LATE1`);
    // The banner asks its CMP (async), then the visitor refuses before the CMP has answered "yes".
    await page.evaluate(async () => {
      const api = (window as unknown as SnippetWindow).capiRelay;
      const late = api.consent(() => new Promise((resolve) => setTimeout(() => resolve(true), 50)));
      api.consent(false);
      await late;
      api.track('Lead');
    });
    expect(await context.cookies()).toEqual([]);
    expect(await beacons(page)).toBe(0);
    expect(await page.evaluate(() => ((window as unknown as SnippetWindow).__fbqCalls ?? []).filter((c) => c[0] === 'track'))).toEqual([]);
    expect(await stored(tenant.id)).toEqual([]);

    // The other way round: a late "no" from an earlier question does not undo a later grant.
    const second = await visit(`${www}/cart`, context);
    await second.page.evaluate(async () => {
      const api = (window as unknown as SnippetWindow).capiRelay;
      const late = api.consent(() => new Promise((resolve) => setTimeout(() => resolve(false), 50)));
      api.consent(true);
      await late;
      api.track('Lead');
    });
    expect(await cookie(context, '_fbp')).toMatch(/^fb\.1\.\d{13}\.\d+$/);
    expect(await beacons(second.page)).toBe(3); // ViewContent and PageView held, then the Lead
    expect([...errors, ...second.errors]).toEqual([]);
    await context.close();
  });
  it("names a GA4-tagged purchase (transaction_id, no order_id) the way the order's webhook does", async () => {
    const tenant = await storeTenant('GA4 names');
    const { page, context, errors } = await visit(`${www}/thanks`);
    const id = await page.evaluate(() => {
      const api = (window as unknown as SnippetWindow).capiRelay;
      api.consent(true);
      return api.track('purchase', { transaction_id: 'T-77', value: 12, currency: 'EUR' });
    });
    expect(id).toBe('purchase:T-77');
    const fbq = (await page.evaluate(() => (window as unknown as SnippetWindow).__fbqCalls ?? [])) as [string, string, object, { eventID?: string }][];
    expect(fbq.find((c) => c[0] === 'track' && c[1] === 'Purchase')?.[3]).toMatchObject({ eventID: 'purchase:T-77' });
    await expect.poll(async () => (await stored(tenant.id)).filter((e) => e.event_name === 'Purchase'), { timeout: 10_000 }).toEqual([{ event_id: 'purchase:T-77', event_name: 'Purchase' }]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
