/**
 * No cookie before consent, cookies on the registrable domain, and the landing-click and consent rules on inputs a
 * real store meets (docs/snippet.md). The snippet runs in a real Chromium; the store pages live on www. and
 * shop.example.co.uk (mapped to 127.0.0.1), so the browser's own public-suffix rules decide where a cookie may go,
 * as on a real store.
 */
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOriginRepository } from '../../src/store/origins.js';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { dialects } from '../helpers/databases.js';
import { waitUntil } from '../helpers/processes.js';
import { ADMIN_HEADERS, startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';
import { COLLECT_COUNTER, startStorePage, type SnippetWindow, type StorePage } from './store-page.js';

const hasChromium = chromiumAvailable('snippet consent and cookie domain tests');
const PIXEL = '414141414141';
const TOKEN = 'tok-consent-0123';
const CLICK_COOKIES = ['_fbc', '_fbp', '_cr_gclid'];

describe.skipIf(!hasChromium)('the snippet and consent, in a real Chromium', () => {
  let t: EmulatedRelay;
  let relayUrl: string;
  let store: StorePage;
  let browser: Browser;
  /** The store's two sites: one registrable domain (example.co.uk, under the public suffix co.uk). */
  let www: string;
  let shop: string;

  beforeAll(async () => {
    t = await startEmulatedRelay(dialects[0]!, { emulator: { pixels: { [PIXEL]: { name: 'Shop', tokens: [TOKEN] } } } });
    relayUrl = await t.relay.listen();
    store = await startStorePage();
    const port = new URL(store.url).port;
    www = `http://www.example.co.uk:${port}`;
    shop = `http://shop.example.co.uk:${port}`;
    browser = await launchChromium(['--host-resolver-rules=MAP *.example.co.uk 127.0.0.1']);
  });
  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await t?.close();
  });

  const admin = async (method: 'POST' | 'PUT', url: string, payload: unknown) => {
    const res = await t.relay.app.inject({ method, url: `/api/v1${url}`, headers: ADMIN_HEADERS, payload: payload as object });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json<Record<string, unknown>>();
  };
  /** A tenant with the emulator's pixel, both store sites allowed, and the store page pointed at its snippet. */
  async function storeTenant(name: string, policy: Record<string, unknown> = {}) {
    const tenant = await t.relay.tenants.createTenant(name, policy);
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: TOKEN });
    for (const origin of [www, shop, store.origin]) await createOriginRepository(t.relay.store).add(tenant.id, origin);
    store.setSdkUrl(`${relayUrl}/sdk.js?key=${encodeURIComponent(tenant.publishableKey)}`);
    return tenant;
  }
  const consentTenant = (name: string) => storeTenant(name, { consent: { advertisingCategory: 'marketing' } });

  /** A fresh visitor (own cookies and cache) on a store page, with beacons counted as they leave. */
  async function visit(url: string, context?: BrowserContext): Promise<{ page: Page; context: BrowserContext; errors: Error[] }> {
    const ctx = context ?? (await browser.newContext());
    const page = await ctx.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.addInitScript(COLLECT_COUNTER);
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1);
    return { page, context: ctx, errors };
  }
  const clickCookies = async (ctx: BrowserContext): Promise<Cookie[]> => (await ctx.cookies()).filter((c) => CLICK_COOKIES.includes(c.name));
  const cookie = async (ctx: BrowserContext, name: string) => (await ctx.cookies()).find((c) => c.name === name)?.value;
  const beacons = (page: Page) => page.evaluate(() => (window as unknown as SnippetWindow).__collectCalls);
  const pixelTracks = async (page: Page) => ((await page.evaluate(() => (window as unknown as SnippetWindow).__fbqCalls)) ?? []).filter((c) => c[0] === 'track');
  const stored = (tenantId: string) => t.relay.store.db.selectFrom('events').select(['event_id', 'event_name']).where('tenant_id', '=', tenantId).execute();
  const atMeta = (id: string) => t.emulator.state.events({ pixelId: PIXEL }).find((r) => r.event.event_id === id);

  it('writes nothing and sends nothing while the visitor has not decided', async () => {
    const tenant = await consentTenant('Undecided');
    const { page, context, errors } = await visit(`${www}/?fbclid=UNDECIDED1&gclid=G-1`);
    const id = await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('AddToCart', { value: 5, currency: 'EUR' }));
    // track() sends synchronously when it may: counting beacons as they leave shows none left, without waiting.
    expect(await beacons(page)).toBe(0);
    expect(await pixelTracks(page)).toEqual([]);
    expect(await context.cookies()).toEqual([]);
    // A second page, still undecided: still nothing.
    await page.goto(`${www}/cart`);
    await page.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1);
    expect(await beacons(page)).toBe(0);
    expect(await context.cookies()).toEqual([]);
    expect(await stored(tenant.id)).toEqual([]);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('on grant writes _fbc with the landing click, _fbp and the gclid, then sends what it held', async () => {
    const tenant = await consentTenant('Granted');
    const before = Date.now();
    const { page, context, errors } = await visit(`${www}/?fbclid=GRANTED1&gclid=G-2`);
    const id = await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('AddToCart', { value: 5, currency: 'EUR' }));
    expect(await context.cookies()).toEqual([]);
    await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.consent(true));
    const cookies = Object.fromEntries((await clickCookies(context)).map((c) => [c.name, c]));
    // The click time is when the visitor landed (the first sighting), not when they decided.
    expect(cookies._fbc?.value).toMatch(/^fb\.1\.\d{13}\.GRANTED1$/);
    expect(Number(cookies._fbc!.value.split('.')[2])).toBeGreaterThanOrEqual(before);
    expect(cookies._fbp?.value).toMatch(/^fb\.1\.\d{13}\.\d+$/);
    expect(cookies._cr_gclid?.value).toMatch(/^\d{13}\.G-2$/);
    for (const c of Object.values(cookies)) expect(c.domain).toBe('.example.co.uk');
    // ViewContent (page script), PageView and AddToCart: held, then sent on the grant, with the click.
    expect(await beacons(page)).toBe(3);
    expect((await pixelTracks(page)).map((c) => c[1])).toEqual(['ViewContent', 'PageView', 'AddToCart']);
    await waitUntil(() => atMeta(id) !== undefined, 20_000, () => `AddToCart not at the emulator: ${JSON.stringify(t.emulator.state.rejections())}`, 50);
    expect(atMeta(id)!.event.user_data).toMatchObject({ fbc: cookies._fbc!.value, fbp: cookies._fbp!.value });
    expect((await stored(tenant.id)).length).toBe(3);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('on refusal writes nothing, sends nothing, and removes what an earlier grant wrote', async () => {
    const tenant = await consentTenant('Refused');
    // Refused on landing: the fbclid never becomes a cookie (it was fb.1.….REFUSED1 before the fix).
    const first = await visit(`${www}/?fbclid=REFUSED1&gclid=G-3`);
    await first.page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.consent(false));
    await first.page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('Lead'));
    expect(await first.context.cookies()).toEqual([]);
    expect(await beacons(first.page)).toBe(0);
    expect(await pixelTracks(first.page)).toEqual([]);
    expect(first.errors).toEqual([]);
    await first.context.close();

    // Granted on one page, withdrawn on the next: the click cookies go, on every domain they were written to.
    const second = await visit(`${www}/?fbclid=LATER1`);
    await second.page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.consent(true));
    expect((await clickCookies(second.context)).map((c) => c.name).sort()).toEqual(['_fbc', '_fbp']);
    await second.page.goto(`${shop}/account`);
    await second.page.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1);
    await second.page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.consent(false));
    expect(await clickCookies(second.context)).toEqual([]);
    expect(await beacons(second.page)).toBe(0);
    expect((await stored(tenant.id)).map((r) => r.event_name).sort()).toEqual(['PageView', 'ViewContent']);
    expect(second.errors).toEqual([]);
    await second.context.close();
  });

  it('shares one _fbp between www. and shop. (the registrable domain), and honours a cookieDomain setting', async () => {
    const tenant = await storeTenant('Two sites');
    const { page, context, errors } = await visit(`${www}/?fbclid=TWOSITES1`);
    const onWww = await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('ViewContent', { content_name: 'www' }));
    const [fbp] = (await clickCookies(context)).filter((c) => c.name === '_fbp');
    expect(fbp).toMatchObject({ domain: '.example.co.uk', path: '/' });
    // The shop subdomain (checkout) sees the same browser id: its events match the same person at Meta.
    await page.goto(`${shop}/checkout`);
    await page.waitForFunction(() => (window as unknown as SnippetWindow).capiRelay?.version === 1);
    const onShop = await page.evaluate(() => (window as unknown as SnippetWindow).capiRelay.track('InitiateCheckout', { value: 5, currency: 'EUR' }));
    expect((await clickCookies(context)).filter((c) => c.name === '_fbp')).toEqual([fbp]);
    await waitUntil(() => atMeta(onWww) !== undefined && atMeta(onShop) !== undefined, 20_000, () => 'events not at the emulator', 50);
    expect(atMeta(onWww)!.event.user_data).toMatchObject({ fbp: fbp!.value });
    expect(atMeta(onShop)!.event.user_data).toMatchObject({ fbp: fbp!.value, fbc: expect.stringMatching(/\.TWOSITES1$/) as unknown });
    expect(errors).toEqual([]);
    await context.close();

    // Where the suffix rule is wrong for a store, the tenant names the domain (admin API, CLI, dashboard).
    expect(await admin('PUT', `/tenants/${tenant.id}/snippet`, { cookieDomain: 'shop.example.co.uk' })).toEqual({ loadPixel: false, cookieDomain: 'shop.example.co.uk', acceptSandboxedPixel: false });
    const narrow = await visit(`${shop}/?fbclid=NARROW1`);
    expect((await clickCookies(narrow.context)).map((c) => [c.name, c.domain]).sort()).toEqual([['_fbc', '.shop.example.co.uk'], ['_fbp', '.shop.example.co.uk']]);
    expect(narrow.errors).toEqual([]);
    await narrow.context.close();
    const bad = await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/snippet`, headers: ADMIN_HEADERS, payload: { cookieDomain: 'https://shop.example.co.uk/' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_body' } });
  });

  // Inputs a real store meets: a landing URL or a cookie the snippet did not write, a consent banner that answers
  // late, a page tagged for GA4.
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
