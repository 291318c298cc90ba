/**
 * The Shopify custom pixel (Settings → Customer events → Add custom pixel), bundled for ES2017 by
 * src/browser/bundle.ts and filled in for one store by src/browser/shopify-pixel.ts. It runs in Shopify's pixel
 * sandbox, whose globals are `analytics`, `browser`, `init` and `api`: it subscribes to the standard events,
 * reads `_fbp`/`_fbc` from the shop's cookies, and posts each event to the relay's /v1/collect only while the
 * visitor allows analytics and marketing (Shopify's customer privacy signals). Nothing it does may throw into
 * the sandbox: a broken relay must not break the store's other pixels.
 */
import type { Browser, CustomerPrivacyPayload, RegisterInit } from '@shopify/web-pixels-extension';
import { beaconFor, SUBSCRIBED_EVENTS, type Beacon, type SubscribedEvent } from './beacons.js';
import type { ShopifyPixelConfig } from './config.js';

declare const __CONFIG__: ShopifyPixelConfig;
declare const analytics: { subscribe(name: string, callback: (event: SubscribedEvent) => void): unknown };
declare const browser: Browser;
declare const init: RegisterInit;
declare const api: { customerPrivacy?: { subscribe(name: 'visitorConsentCollected', callback: (event: CustomerPrivacyPayload) => void): unknown } } | undefined;

type Privacy = CustomerPrivacyPayload['customerPrivacy'];

const CFG = __CONFIG__;
/** Events held while the visitor has not allowed tracking (sent on a grant, dropped on a refusal). */
const HELD_MAX = 50;
let privacy: Privacy | null = (init && init.customerPrivacy) || null;
let held: Beacon[] = [];

// Meta receives these for advertising: both kinds of processing must be allowed.
const allowed = () => !!privacy && privacy.analyticsProcessingAllowed && privacy.marketingAllowed;

function cookie(name: string): Promise<string> {
  return browser.cookie.get(name).then(
    (v) => v || '',
    () => '',
  );
}

function post(beacon: Beacon): void {
  Promise.all([cookie('_fbp'), cookie('_fbc')])
    .then(([fbp, fbc]) => {
      const body: Record<string, unknown> = { key: CFG.key, consent: true };
      for (const k in beacon) if (Object.prototype.hasOwnProperty.call(beacon, k)) body[k] = (beacon as unknown as Record<string, unknown>)[k];
      if (fbp) body.fbp = fbp;
      if (fbc) {
        body.fbc = fbc;
        delete body.fbclid;
      }
      // text/plain and no-cors: a "simple" request the sandbox may send (its origin is opaque), kept alive through navigation.
      return fetch(CFG.endpoint + '/v1/collect', {
        method: 'POST',
        mode: 'no-cors',
        keepalive: true,
        credentials: 'omit',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify(body),
      });
    })
    .catch(() => {
      // the relay is down: the order webhook still reports the Purchase
    });
}

function consider(event: SubscribedEvent): void {
  try {
    const beacon = beaconFor(event, CFG.purchaseIdParts);
    if (!beacon) return;
    if (allowed()) post(beacon);
    else if (held.length < HELD_MAX) held.push(beacon);
  } catch {
    // a payload shape we do not know: skip the event, keep the pixel alive
  }
}

try {
  if (api && api.customerPrivacy) {
    api.customerPrivacy.subscribe('visitorConsentCollected', (event) => {
      privacy = event.customerPrivacy;
      const waiting = held;
      held = [];
      if (allowed()) for (const b of waiting) post(b);
    });
  }
  for (const name in SUBSCRIBED_EVENTS) analytics.subscribe(name, consider);
} catch {
  // an unexpected sandbox: do nothing rather than fail
}
