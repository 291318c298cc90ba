/**
 * The browser snippet served at GET /sdk.js, bundled for ES2017 browsers by src/browser/bundle.ts.
 * `__CONFIG__` is replaced by the tenant's settings (JSON) when served. Every entry point is wrapped in
 * try/catch: a broken relay must never break the store's page.
 */
import { orderEventIdFromParts } from '../../core/event-id-template.js';
import { decodeQueryPart } from '../../core/uri-decode.js';
import { EVENT_MAP, META_STANDARD_EVENTS } from '../../transform/event-map.js';
import { BEACON_COMMERCE_KEYS, BEACON_USER_KEYS } from '../collect-fields.js';
import type { SdkConfig } from './config.js';
import { createCookieJar, readCookie } from './cookies.js';
import { loadMetaPixel, type PixelWindow } from './meta-pixel.js';
import { sendBeacon } from './transport.js';

declare const __CONFIG__: SdkConfig;

type Data = Record<string, unknown>;
type Call = [string, ArrayLike<unknown>];
interface Api {
  track(name: string, data?: Data, options?: TrackOptions): string | undefined;
  consent(v: unknown): unknown;
  init(opts?: { consent?: unknown }): void;
  version: number;
}
interface TrackOptions {
  eventId?: string;
  user?: Data;
}
interface HeldEvent {
  name: string;
  data: Data;
  customData: Data;
  user: Data | null;
  eventId: string;
  time: number;
}
interface SnippetWindow extends PixelWindow {
  capiRelay?: Api | { q?: Call[] };
}

const CFG = __CONFIG__;
// The relay's own address, from this script's URL: right even behind proxies that rewrite Host.
const self = document.currentScript && (document.currentScript as HTMLScriptElement).src;
if (self) CFG.endpoint = self.replace(/\/sdk\.js(\?.*)?$/, '');
const w = window as SnippetWindow;
const cookies = createCookieJar(CFG.cookieDomain);
let consentState: boolean | null = CFG.requireConsent ? null : true; // null = not decided yet
let pending: HeldEvent[] = [];
let pixelLoaded = false;

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function safe<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch {
      return undefined; // never throw into the page
    }
  };
}

function uuid(): string {
  if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === 'x' ? r : (r & 3) | 8).toString(16);
  });
}

function param(name: string): string | null {
  const m = new RegExp('[?&]' + name + '=([^&#]*)').exec(location.search);
  return m ? decodeQueryPart(m[1]!) : null;
}

// Click ids from the landing URL, held in memory until the visitor decides: no cookie before consent.
const landing: { fbclid: string | null; gclid: string | null; at: number } = { fbclid: param('fbclid'), gclid: param('gclid'), at: Date.now() };
const CLICK_COOKIES = ['_fbc', '_fbp', '_cr_gclid'];

// With consent: _fbc in Meta's format fb.1.<ms>.<fbclid>, only rewritten for a new fbclid, so the click time
// stays the first sighting (Meta checks it); _fbp, which nobody sets without the Pixel, in Meta's format.
function writeClickCookies(): void {
  const fbc = readCookie('_fbc');
  const g = readCookie('_cr_gclid');
  // The fbclid is everything after the third dot (it may hold dots itself), as the relay reads it (parseFbc).
  if (landing.fbclid && (!fbc || fbc.split('.').slice(3).join('.') !== landing.fbclid)) cookies.write('_fbc', 'fb.1.' + landing.at + '.' + landing.fbclid, 90);
  if (!readCookie('_fbp')) cookies.write('_fbp', 'fb.1.' + landing.at + '.' + Math.floor(1e9 + Math.random() * 9e9), 90);
  if (landing.gclid && (!g || g.slice(g.indexOf('.') + 1) !== landing.gclid)) cookies.write('_cr_gclid', landing.at + '.' + landing.gclid, 90);
}

function loadPixel(): void {
  if (pixelLoaded || !CFG.pixelIds.length) return;
  pixelLoaded = true;
  loadMetaPixel(w, CFG.pixelIds);
}

function dispatch(ev: HeldEvent): void {
  if (w.fbq) {
    try {
      w.fbq(META_STANDARD_EVENTS.indexOf(ev.name) >= 0 ? 'track' : 'trackCustom', ev.name, ev.customData, { eventID: ev.eventId });
    } catch {
      // blocked or broken Pixel
    }
  }
  const p: Data = { key: CFG.key, event: ev.name, event_id: ev.eventId, url: location.href, timestamp: ev.time, consent: consentState === true };
  if (document.referrer) p.referrer = document.referrer;
  const fbp = readCookie('_fbp');
  const fbc = readCookie('_fbc');
  const gc = readCookie('_cr_gclid');
  if (fbp) p.fbp = fbp;
  if (fbc) p.fbc = fbc;
  else if (landing.fbclid) p.fbclid = landing.fbclid; // cookies blocked: the click still counts
  if (gc) {
    p.gclid = gc.slice(gc.indexOf('.') + 1);
    p.gclid_at = Number(gc.slice(0, gc.indexOf('.')));
  }
  for (const k in ev.data) if (has(ev.data, k)) p[k] = ev.data[k];
  if (ev.user) p.user = ev.user;
  sendBeacon(CFG.endpoint, p);
}

function track(name: string, data?: Data, options?: TrackOptions): string {
  // GA4 names become Meta names (the transform's one table), so the Pixel and the relay both see one standard event.
  name = has(EVENT_MAP, name) ? EVENT_MAP[name]! : String(name);
  // A copy: the page's own object is not changed.
  const given: Data = data || {};
  const input: Data = {};
  for (const k in given) if (has(given, k)) input[k] = given[k];
  // GA4's name for the order id: a page tagged for GA4 (track('purchase', {transaction_id})) names the order the
  // way the webhooks do, so its Purchase gets the order's event_id too.
  if (input.order_id == null && input.transaction_id != null) {
    input.order_id = input.transaction_id;
    delete input.transaction_id;
  }
  const opts: TrackOptions = options || {};
  const commerce: Data = {};
  const customData: Data = {};
  let user: Data | null = null;
  for (const k in input) {
    if (!has(input, k)) continue;
    if (BEACON_USER_KEYS.indexOf(k) >= 0) {
      (user = user || {})[k] = input[k];
      continue;
    }
    if (BEACON_COMMERCE_KEYS.indexOf(k) >= 0) commerce[k] = input[k];
    else ((commerce.custom_data = commerce.custom_data || {}) as Data)[k] = input[k];
    customData[k] = input[k];
  }
  if (opts.user) for (const u in opts.user) (user = user || {})[u] = opts.user[u];
  const items = customData.items as { id: unknown; quantity?: number }[] | undefined;
  if (items && !customData.content_ids) {
    customData.content_ids = items.map((it) => String(it.id));
    customData.contents = items.map((it) => ({ id: String(it.id), quantity: it.quantity || 1 }));
    customData.content_type = customData.content_type || 'product';
    delete customData.items;
  }
  // The store's Purchase rule, resolved by the relay (core/event-id-template.ts): the id every other channel gives
  // this order, so Meta and the relay deduplicate it.
  const orderId = input.order_id as string | number | null | undefined;
  const eventId = opts.eventId || (name === 'Purchase' && orderId != null ? orderEventIdFromParts(CFG.purchaseIdParts, orderId) : uuid());
  const ev: HeldEvent = { name, data: commerce, customData, user, eventId, time: Math.floor(Date.now() / 1000) };
  if (consentState === true) dispatch(ev);
  else if (consentState === null) pending.push(ev);
  return eventId;
}

// Counts consent() calls. A function's answer can arrive after a later call (the visitor refused while the CMP was
// still answering an earlier question): only the latest call decides, so a stale "yes" never undoes a "no".
let decisions = 0;

function setConsent(v: unknown): unknown {
  return decide(v, ++decisions);
}

function decide(v: unknown, call: number): unknown {
  if (typeof v === 'function') {
    const r: unknown = (v as () => unknown)();
    if (r && typeof (r as PromiseLike<unknown>).then === 'function') return (r as PromiseLike<unknown>).then(safe((x: unknown) => decide(x, call)), () => undefined);
    return decide(r, call);
  }
  if (call !== decisions) return undefined;
  consentState = v === true;
  if (consentState) {
    writeClickCookies();
    if (CFG.loadPixel) loadPixel();
    const held = pending;
    pending = [];
    for (const ev of held) dispatch(ev);
  } else {
    // Refused: what was held is dropped, and the click cookies go (none may stay after a refusal).
    pending = [];
    landing.fbclid = landing.gclid = null;
    for (const c of CLICK_COOKIES) cookies.remove(c);
  }
  return undefined;
}

function init(opts?: { consent?: unknown }): void {
  const o = opts || {};
  if (o.consent !== undefined) setConsent(o.consent);
}

const stub = w.capiRelay as { q?: Call[] } | undefined;
const queued: Call[] = stub && stub.q ? stub.q : [];
const api: Api = { track: safe(track), consent: safe(setConsent), init: safe(init), version: 1 };
w.capiRelay = api;
safe(() => {
  if (consentState === true) writeClickCookies();
  if (consentState === true && CFG.loadPixel) loadPixel();
  // Calls made before this script loaded (the paste-in stub queues them) run now, in order.
  for (const [method, args] of queued) {
    const fn = (api as unknown as Record<string, unknown>)[method];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => unknown).apply(api, Array.prototype.slice.call(args));
  }
  if (CFG.autoPageView) api.track('PageView');
})();
