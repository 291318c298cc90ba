import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The paste-in stub from docs/snippet.md: calls made before sdk.js loads are queued, never thrown. */
export const STUB =
  "window.capiRelay=window.capiRelay||{q:[],track:function(){this.q.push(['track',arguments])},consent:function(){this.q.push(['consent',arguments])},init:function(){this.q.push(['init',arguments])}};";

/** A stand-in for the Meta Pixel that records every call, so tests can read the eventID it got. */
const FBQ_STUB = 'window.__fbqCalls=[];window.fbq=function(){window.__fbqCalls.push(Array.prototype.slice.call(arguments));};';

/** Where Meta's base code loads the Pixel from; tests intercept it (the machine has no internet). */
export const FBEVENTS_URL = 'https://connect.facebook.net/en_US/fbevents.js';

/**
 * A stand-in for fbevents.js, served in place of Meta's: like the real one it takes over the `fbq` stub of
 * the base code, replays the calls queued before it loaded, then records every later call.
 */
export const FBEVENTS_STUB = `(function () {
  var f = window.fbq;
  window.__fbqCalls = window.__fbqCalls || [];
  f.callMethod = function () { window.__fbqCalls.push(Array.prototype.slice.call(arguments)); };
  var q = f.queue || [];
  f.queue = [];
  for (var i = 0; i < q.length; i++) f.callMethod.apply(f, q[i]);
  window.__pixelLoaded = true;
})();`;

/**
 * Counts the snippet's beacons as they leave (sendBeacon and fetch are wrapped before any page script
 * runs): a test can then show that nothing was sent, without waiting to see whether something arrives.
 */
export const COLLECT_COUNTER = `(function () {
  window.__collectCalls = 0;
  var count = function (url) { if (String(url).indexOf('/v1/collect') >= 0) window.__collectCalls++; };
  var beacon = navigator.sendBeacon && navigator.sendBeacon.bind(navigator);
  if (beacon) navigator.sendBeacon = function (url, body) { count(url); return beacon(url, body); };
  var fetch0 = window.fetch && window.fetch.bind(window);
  if (fetch0) window.fetch = function (url, init) { count(url); return fetch0(url, init); };
})();`;

export interface StorePage {
  url: string;
  origin: string;
  /** Where the page loads the snippet from (changed by tests to simulate a dead relay). */
  setSdkUrl(url: string): void;
  close(): Promise<void>;
}

/**
 * A tiny test store on 127.0.0.1: every path is a page with the snippet; `?nopixel=1` leaves the store's own
 * Pixel tag (fbq) out. `/thanks?order=ID&value=V&currency=C&email=E` is the thank-you page: it tracks the
 * order's Purchase the way docs/snippet.md tells a store to.
 */
export async function startStorePage(): Promise<StorePage> {
  let sdkUrl = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const pixel = url.searchParams.get('nopixel') === '1' ? '' : `<script>${FBQ_STUB}</script>`;
    const order = url.searchParams.get('order');
    const purchase =
      url.pathname === '/thanks' && order
        ? `window.capiRelay.track('Purchase', ${JSON.stringify({
            order_id: order,
            value: Number(url.searchParams.get('value') ?? '0'),
            currency: url.searchParams.get('currency') ?? 'EUR',
            email: url.searchParams.get('email') ?? undefined,
          }).replace(/</g, '\\u003c')});`
        : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Store</title>${pixel}
<script>${STUB}</script>
<script async src="${sdkUrl}"></script></head>
<body><h1>Store</h1><script>window.capiRelay.track('ViewContent', { content_name: 'early' }); ${purchase} window.__pageOk = true;</script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    setSdkUrl: (u) => (sdkUrl = u),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Serves fixed JavaScript at /sdk.js until closed: a relay that goes away after the page loaded. */
export async function startScriptServer(js: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/javascript', connection: 'close' });
    res.end(js);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A store page's window as the snippet leaves it (capiRelay), with what the page's fbq stub and COLLECT_COUNTER record. */
export interface SnippetWindow {
  capiRelay: { version?: number; track(name: string, data?: object, options?: object): string; consent(v: unknown): unknown };
  __fbqCalls?: unknown[][];
  __collectCalls?: number;
}
