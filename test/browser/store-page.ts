import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The paste-in stub from docs/snippet.md: calls made before sdk.js loads are queued, never thrown. */
export const STUB =
  "window.capiRelay=window.capiRelay||{q:[],track:function(){this.q.push(['track',arguments])},consent:function(){this.q.push(['consent',arguments])},init:function(){this.q.push(['init',arguments])}};";

/** A stand-in for the Meta Pixel that records every call, so tests can read the eventID it got. */
const FBQ_STUB = 'window.__fbqCalls=[];window.fbq=function(){window.__fbqCalls.push(Array.prototype.slice.call(arguments));};';

export interface StorePage {
  url: string;
  origin: string;
  /** Where the page loads the snippet from (changed by tests to simulate a dead relay). */
  setSdkUrl(url: string): void;
  close(): Promise<void>;
}

/** A tiny test store on 127.0.0.1: every path is a page with the snippet; `?nopixel=1` leaves fbq out (Pixel blocked). */
export async function startStorePage(): Promise<StorePage> {
  let sdkUrl = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const pixel = url.searchParams.get('nopixel') === '1' ? '' : `<script>${FBQ_STUB}</script>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Store</title>${pixel}
<script>${STUB}</script>
<script async src="${sdkUrl}"></script></head>
<body><h1>Store</h1><script>window.capiRelay.track('ViewContent', { content_name: 'early' }); window.__pageOk = true;</script></body></html>`);
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
