/**
 * The browser snippet served at GET /sdk.js, kept as a string so `tsc` ships it without a bundler.
 * Plain ES2017 with no backticks: `__CONFIG__` is replaced by the tenant's settings (JSON) when served.
 * Every entry point is wrapped in try/catch: a broken relay must never break the store's page.
 */
export const SDK_SOURCE = String.raw`(function () {
  'use strict';
  var CFG = __CONFIG__;
  // The relay's own address, from this script's URL: right even behind proxies that rewrite Host.
  var self = document.currentScript && document.currentScript.src;
  if (self) CFG.endpoint = self.replace(/\/sdk\.js(\?.*)?$/, '');
  var w = window, d = document;
  var consentState = CFG.requireConsent ? null : true; // null = not decided yet
  var pending = [];
  var pixelLoaded = false;

  function safe(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { /* never throw into the page */ }
    };
  }
  function readCookie(name) {
    var parts = d.cookie ? d.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return null;
  }
  function writeCookie(name, value, days) {
    d.cookie = name + '=' + encodeURIComponent(value) + '; max-age=' + Math.round(days * 86400) + '; path=/; SameSite=Lax' +
      (location.protocol === 'https:' ? '; Secure' : '');
  }
  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === 'x' ? r : (r & 3 | 8)).toString(16);
    });
  }
  function param(name) {
    var m = new RegExp('[?&]' + name + '=([^&#]*)').exec(location.search);
    return m ? decodeURIComponent(m[1].replace(/\+/g, ' ')) : null;
  }

  // Click ids from the landing URL. _fbc follows Meta's format fb.1.<ms>.<fbclid>; it is only
  // rewritten for a new fbclid, so the click time stays the first sighting (Meta checks it).
  var fbclid = param('fbclid');
  if (fbclid) {
    var fbc = readCookie('_fbc');
    if (!fbc || fbc.slice(fbc.lastIndexOf('.') + 1) !== fbclid) writeCookie('_fbc', 'fb.1.' + Date.now() + '.' + fbclid, 90);
  }
  // Without the Pixel nobody sets _fbp: create it in Meta's format so server events still match a browser.
  if (!readCookie('_fbp')) writeCookie('_fbp', 'fb.1.' + Date.now() + '.' + Math.floor(1e9 + Math.random() * 9e9), 90);
  var gclid = param('gclid');
  if (gclid) {
    var g = readCookie('_cr_gclid');
    if (!g || g.slice(g.indexOf('.') + 1) !== gclid) writeCookie('_cr_gclid', Date.now() + '.' + gclid, 90);
  }

  function loadPixel() {
    if (pixelLoaded || !CFG.pixelIds.length) return;
    pixelLoaded = true;
    if (!w.fbq) {
      // Meta's standard base code, so a store does not paste two tags.
      var n = w.fbq = function () { n.callMethod ? n.callMethod.apply(n, arguments) : n.queue.push(arguments); };
      if (!w._fbq) w._fbq = n;
      n.push = n; n.loaded = true; n.version = '2.0'; n.queue = [];
      var s = d.createElement('script');
      s.async = true; s.src = 'https://connect.facebook.net/en_US/fbevents.js';
      (d.head || d.documentElement).appendChild(s);
    }
    for (var i = 0; i < CFG.pixelIds.length; i++) w.fbq('init', CFG.pixelIds[i]);
  }

  function send(payload) {
    var body = JSON.stringify(payload);
    var url = CFG.endpoint + '/v1/collect';
    // text/plain keeps the request "simple": no CORS preflight, and the beacon survives navigation.
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(url, new Blob([body], { type: 'text/plain;charset=UTF-8' }))) return;
    } catch (e) { /* fall through to fetch */ }
    if (w.fetch) {
      w.fetch(url, { method: 'POST', body: body, keepalive: true, credentials: 'omit', headers: { 'Content-Type': 'text/plain;charset=UTF-8' } })
        .catch(function () { /* the relay is down: the Pixel copy still went */ });
    }
  }

  var USER_KEYS = ['email', 'phone', 'first_name', 'last_name', 'city', 'state', 'zip', 'country', 'external_id'];
  var COMMERCE_KEYS = ['value', 'currency', 'order_id', 'items', 'content_name', 'content_category', 'content_type', 'search_string', 'status'];

  function dispatch(ev) {
    if (w.fbq) { try { w.fbq(STANDARD.indexOf(ev.name) >= 0 ? 'track' : 'trackCustom', ev.name, ev.customData, { eventID: ev.eventId }); } catch (e) { /* blocked or broken Pixel */ } }
    var p = { key: CFG.key, event: ev.name, event_id: ev.eventId, url: location.href, timestamp: ev.time, consent: consentState === true };
    if (d.referrer) p.referrer = d.referrer;
    var fbp = readCookie('_fbp'), fbc = readCookie('_fbc'), gc = readCookie('_cr_gclid');
    if (fbp) p.fbp = fbp;
    if (fbc) p.fbc = fbc;
    if (gc) { p.gclid = gc.slice(gc.indexOf('.') + 1); p.gclid_at = Number(gc.slice(0, gc.indexOf('.'))); }
    for (var k in ev.data) if (Object.prototype.hasOwnProperty.call(ev.data, k)) p[k] = ev.data[k];
    if (ev.user) p.user = ev.user;
    send(p);
  }

  // GA4 names become Meta names, so the Pixel and the relay both see one standard event.
  var GA4 = { view_item: 'ViewContent', add_to_cart: 'AddToCart', begin_checkout: 'InitiateCheckout', add_payment_info: 'AddPaymentInfo',
    purchase: 'Purchase', search: 'Search', generate_lead: 'Lead', sign_up: 'CompleteRegistration', page_view: 'PageView', add_to_wishlist: 'AddToWishlist' };
  var STANDARD = ['AddPaymentInfo', 'AddToCart', 'AddToWishlist', 'CompleteRegistration', 'Contact', 'CustomizeProduct', 'Donate', 'FindLocation',
    'InitiateCheckout', 'Lead', 'PageView', 'Purchase', 'Schedule', 'Search', 'StartTrial', 'SubmitApplication', 'Subscribe', 'ViewContent'];

  function track(name, data, options) {
    name = GA4[name] || String(name);
    data = data || {};
    options = options || {};
    var commerce = {}, user = null, customData = {};
    for (var k in data) {
      if (!Object.prototype.hasOwnProperty.call(data, k)) continue;
      if (USER_KEYS.indexOf(k) >= 0) { (user = user || {})[k] = data[k]; continue; }
      if (COMMERCE_KEYS.indexOf(k) >= 0) commerce[k] = data[k];
      else (commerce.custom_data = commerce.custom_data || {})[k] = data[k];
      customData[k] = data[k];
    }
    if (options.user) for (var u in options.user) (user = user || {})[u] = options.user[u];
    if (customData.items && !customData.content_ids) {
      customData.content_ids = customData.items.map(function (it) { return String(it.id); });
      customData.contents = customData.items.map(function (it) { return { id: String(it.id), quantity: it.quantity || 1 }; });
      customData.content_type = customData.content_type || 'product';
      delete customData.items;
    }
    // Same id as the webhook's default Purchase template, so Meta and the relay deduplicate the order.
    var eventId = options.eventId || (name === 'Purchase' && data.order_id != null ? CFG.purchaseIdTemplate.split('{order_id}').join(String(data.order_id)) : uuid());
    var ev = { name: name, data: commerce, customData: customData, user: user, eventId: eventId, time: Math.floor(Date.now() / 1000) };
    if (consentState === true) dispatch(ev);
    else if (consentState === null) pending.push(ev);
    return eventId;
  }

  function setConsent(v) {
    if (typeof v === 'function') {
      var r = v();
      if (r && typeof r.then === 'function') return r.then(safe(setConsent), function () {});
      return setConsent(r);
    }
    consentState = v === true;
    if (consentState) {
      if (CFG.loadPixel) loadPixel();
      var q = pending; pending = [];
      for (var i = 0; i < q.length; i++) dispatch(q[i]);
    } else pending = [];
  }

  function init(opts) {
    opts = opts || {};
    if (opts.consent !== undefined) setConsent(opts.consent);
  }

  var queued = w.capiRelay && w.capiRelay.q ? w.capiRelay.q : [];
  var api = { track: safe(track), consent: safe(setConsent), init: safe(init), version: 1 };
  w.capiRelay = api;
  safe(function () {
    if (consentState === true && CFG.loadPixel) loadPixel();
    // Calls made before this script loaded (the paste-in stub queues them) run now, in order.
    for (var i = 0; i < queued.length; i++) {
      var c = queued[i];
      if (api[c[0]]) api[c[0]].apply(api, c[1]);
    }
    if (CFG.autoPageView) api.track('PageView');
  })();
})();
`;

export interface SdkConfig {
  key: string;
  endpoint: string;
  pixelIds: string[];
  loadPixel: boolean;
  requireConsent: boolean;
  autoPageView: boolean;
  /** The tenant's Purchase event_id template, so the snippet and the webhook build the same id. */
  purchaseIdTemplate: string;
}

// Served without indentation and whole-line comments: fewer bytes in every store page (no minifier needed).
const SDK_MIN = SDK_SOURCE.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('//')).join('\n');

/** The script for one tenant; the JSON is made safe to sit inside a <script> body. */
export function renderSdk(cfg: SdkConfig): string {
  const json = JSON.stringify(cfg).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return SDK_MIN.replace('__CONFIG__', () => json);
}
