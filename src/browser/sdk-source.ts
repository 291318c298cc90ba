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
  function setCookie(name, value, maxAge, domain) {
    d.cookie = name + '=' + encodeURIComponent(value) + '; max-age=' + maxAge + '; path=/; SameSite=Lax' +
      (domain ? '; domain=' + domain : '') + (location.protocol === 'https:' ? '; Secure' : '');
  }
  // The registrable domain, found as Meta's Pixel finds it: the top-most parent domain that takes a cookie
  // (browsers refuse one on a public suffix such as com or co.uk), so www. and shop. share one _fbp with no
  // suffix list. The tenant's cookieDomain wins when the page is on it; IPs and one-label hosts get host-only cookies.
  var domainFound = null;
  function cookieDomain() {
    if (domainFound !== null) return domainFound;
    var host = location.hostname, want = CFG.cookieDomain;
    domainFound = '';
    if (want && (host === want || host.slice(-want.length - 1) === '.' + want)) return (domainFound = want);
    if (/^[\d.]+$/.test(host) || host.indexOf(':') >= 0 || host.indexOf('.') < 0) return domainFound;
    var labels = host.split('.');
    for (var i = labels.length - 2; i >= 0; i--) {
      var candidate = labels.slice(i).join('.'), probe = 'p' + Math.random();
      setCookie('_cr_probe', probe, 60, candidate);
      var took = readCookie('_cr_probe') === probe;
      setCookie('_cr_probe', '', 0, candidate);
      if (took) return (domainFound = candidate);
    }
    return domainFound;
  }
  function writeCookie(name, value, days) {
    setCookie(name, value, Math.round(days * 86400), cookieDomain());
  }
  // Expired on the host and on every parent domain: wherever it was written (another page, another cookieDomain), it goes.
  function removeCookie(name) {
    var labels = location.hostname.split('.');
    setCookie(name, '', 0, '');
    for (var i = 0; i < labels.length - 1; i++) setCookie(name, '', 0, labels.slice(i).join('.'));
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

  // Click ids from the landing URL, held in memory until the visitor decides: no cookie before consent.
  var landing = { fbclid: param('fbclid'), gclid: param('gclid'), at: Date.now() };
  var COOKIES = ['_fbc', '_fbp', '_cr_gclid'];

  // With consent: _fbc in Meta's format fb.1.<ms>.<fbclid>, only rewritten for a new fbclid, so the click time
  // stays the first sighting (Meta checks it); _fbp, which nobody sets without the Pixel, in Meta's format.
  function writeClickCookies() {
    var fbc = readCookie('_fbc'), g = readCookie('_cr_gclid');
    if (landing.fbclid && (!fbc || fbc.slice(fbc.lastIndexOf('.') + 1) !== landing.fbclid)) writeCookie('_fbc', 'fb.1.' + landing.at + '.' + landing.fbclid, 90);
    if (!readCookie('_fbp')) writeCookie('_fbp', 'fb.1.' + landing.at + '.' + Math.floor(1e9 + Math.random() * 9e9), 90);
    if (landing.gclid && (!g || g.slice(g.indexOf('.') + 1) !== landing.gclid)) writeCookie('_cr_gclid', landing.at + '.' + landing.gclid, 90);
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
    else if (landing.fbclid) p.fbclid = landing.fbclid; // cookies blocked: the click still counts
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
    // The store's Purchase rule, resolved by the relay (core/event-id-template.ts): the parts joined by the order id,
    // the id every other channel gives this order, so Meta and the relay deduplicate it.
    var eventId = options.eventId || (name === 'Purchase' && data.order_id != null ? CFG.purchaseIdParts.join(String(data.order_id)) : uuid());
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
      writeClickCookies();
      if (CFG.loadPixel) loadPixel();
      var q = pending; pending = [];
      for (var i = 0; i < q.length; i++) dispatch(q[i]);
    } else {
      // Refused: what was held is dropped, and the click cookies go (none may stay after a refusal).
      pending = [];
      landing.fbclid = landing.gclid = null;
      for (var c = 0; c < COOKIES.length; c++) removeCookie(COOKIES[c]);
    }
  }

  function init(opts) {
    opts = opts || {};
    if (opts.consent !== undefined) setConsent(opts.consent);
  }

  var queued = w.capiRelay && w.capiRelay.q ? w.capiRelay.q : [];
  var api = { track: safe(track), consent: safe(setConsent), init: safe(init), version: 1 };
  w.capiRelay = api;
  safe(function () {
    if (consentState === true) writeClickCookies();
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
  /**
   * The store's Purchase event_id rule, resolved (core/event-id-template `eventIdParts`): the id of an order is
   * these parts joined by its order id, exactly as every other channel derives it.
   */
  purchaseIdParts: string[];
  /** The domain the click cookies go on; null finds the registrable domain as Meta's Pixel does. */
  cookieDomain: string | null;
}

// Served without indentation and whole-line comments: fewer bytes in every store page (no minifier needed).
const SDK_MIN = SDK_SOURCE.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('//')).join('\n');

/** The script for one tenant; the JSON is made safe to sit inside a <script> body. */
export function renderSdk(cfg: SdkConfig): string {
  const json = JSON.stringify(cfg).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return SDK_MIN.replace('__CONFIG__', () => json);
}
