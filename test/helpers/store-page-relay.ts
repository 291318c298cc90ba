import type { Browser } from 'playwright-core';
import { startStorePage, type StorePage } from '../browser/store-page.js';
import { launchChromium } from './chromium.js';
import type { Dialect } from './databases.js';
import { ADMIN_HEADERS, startEmulatedRelay, type EmulatedRelay } from './relay.js';

/** What startStorePageRelay starts: a listening relay delivering to its emulator, a test store page, and Chromium. */
export interface StorePageRelay {
  t: EmulatedRelay;
  /** The relay's base URL (it listens, so delivery runs and the page can load sdk.js and send beacons). */
  relayUrl: string;
  store: StorePage;
  browser: Browser;
  /** Calls the relay in process (app.inject) with the admin token; `headers` are added to it (or replace it). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: () => Record<string, unknown> }>;
  /** Closes Chromium, the store page, then the relay and its emulator. */
  close(): Promise<void>;
}

/**
 * A relay on `dialect`, listening and delivering to a Graph API emulator that knows one pixel (`pixel.id`,
 * accepting `pixel.token`), with a test store page (test/browser/store-page.ts) and a headless Chromium to open it:
 * the setup of the browser tests in which the snippet on a store's page reports to the relay and Meta receives it.
 */
export async function startStorePageRelay(dialect: Dialect, pixel: { id: string; token: string }): Promise<StorePageRelay> {
  const t = await startEmulatedRelay(dialect, { emulator: { pixels: { [pixel.id]: { name: 'Shop', tokens: [pixel.token] } } } });
  let store: StorePage | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await store?.close();
    await t.close();
  };
  try {
    const relayUrl = await t.relay.listen();
    store = await startStorePage();
    browser = await launchChromium();
    const api: StorePageRelay['api'] = async (method, path, body, headers = {}) => {
      const res = await t.relay.app.inject({ method: method as 'POST', url: path, headers: { ...ADMIN_HEADERS, ...headers }, ...(body === undefined ? {} : { payload: body as string }) });
      return { status: res.statusCode, json: () => res.json<Record<string, unknown>>() };
    };
    return { t, relayUrl, store, browser, api, close };
  } catch (err) {
    await close();
    throw err;
  }
}
