/**
 * Issue 16: the browser programs are built from typed sources. What every store page downloads is one ES2017
 * script (no module syntax, nothing newer), the same whether bundled from the TypeScript sources (tests, tsx) or
 * from tsc's output (dist, `npm start`), small, and running the transform's event map and the core's event_id rule.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { parse } from 'acorn';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { browserProgram, bundleEntry, type BrowserProgram, type Minify } from '../../src/browser/bundle.js';
import { renderSdk, type SdkConfig } from '../../src/browser/sdk-source.js';
import { EVENT_MAP } from '../../src/transform/event-map.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const parse2017 = (code: string) => parse(code, { ecmaVersion: 2017, sourceType: 'script' });
const CONFIG: SdkConfig = {
  key: 'cr_pub_0123456789abcdef0123456789abcdef',
  endpoint: 'https://relay.example.com',
  pixelIds: [],
  loadPixel: false,
  requireConsent: false,
  autoPageView: false,
  purchaseIdParts: ['order-', '-Purchase'],
  cookieDomain: null,
};
/**
 * What the served /sdk.js weighed gzipped: 3268 bytes as a hand-written string (comments and indentation stripped),
 * about 2710 bundled and minified. The bound leaves room to grow, not to double.
 */
const SDK_GZIP_BOUND = 3000;

/** Each program as it is served or generated. */
const PROGRAMS: [BrowserProgram, Minify][] = [['snippet', 'all'], ['shopify-pixel', 'keep-names']];

/** The program's syntax tree without positions and with every name the same: equal for two renamings of one program. */
const shape = (code: string) => JSON.stringify(parse2017(code), (k, v: unknown) => (k === 'start' || k === 'end' ? undefined : k === 'name' ? '_' : v));

describe('the browser programs', () => {
  const temp = mkdtempSync(join(tmpdir(), 'capi-relay-browser-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('the ES2017 check refuses newer syntax (so passing it means something)', () => {
    expect(() => parse2017('a?.b')).toThrow();
    expect(() => parse2017('const { x, ...rest } = y;')).toThrow();
    expect(() => parse2017('import x from "y";')).toThrow();
    expect(() => parse2017('async function f() { await g(); }')).not.toThrow();
  });

  it.each(PROGRAMS)('%s is one script of ES2017 syntax, with no module syntax', async (name, minify) => {
    const code = await browserProgram(name, minify);
    // A script, not a module: an import or export left in the output would not parse.
    expect(() => parse2017(code)).not.toThrow();
    expect(code.startsWith('"use strict";')).toBe(true);
  });

  it.each(PROGRAMS)('%s bundled from tsc\'s output (dist) is the program bundled from the TypeScript sources', async (name, minify) => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), { outDir: join(temp, name) }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!;
    // Emit only: no libraries to load, no type check (npm run typecheck does that).
    const program = ts.createProgram([join(ROOT, `src/browser/${name}/main.ts`)], { ...config.options, noLib: true, types: [] });
    const emitted = program.emit();
    expect(emitted.diagnostics).toEqual([]);
    const fromDist = join(temp, name, `browser/${name}/main.js`);
    const fromSource = join(ROOT, `src/browser/${name}/main.ts`);
    // Byte for byte with the names kept; the minifier may then pick other short names (it counts the TypeScript
    // declarations too), so the served code is the same program under other names, of the same length.
    expect(await bundleEntry(fromDist, 'keep-names')).toBe(await bundleEntry(fromSource, 'keep-names'));
    const served = await browserProgram(name, minify);
    const dist = await bundleEntry(fromDist, minify);
    expect(dist.length).toBe(served.length);
    expect(shape(dist)).toBe(shape(served));
  });

  it(`/sdk.js stays under ${SDK_GZIP_BOUND} bytes gzipped`, async () => {
    const js = await renderSdk(CONFIG);
    expect(gzipSync(js, { level: 9 }).length).toBeLessThan(SDK_GZIP_BOUND);
  });

  it('the snippet names events with the transform\'s table and orders with the store\'s resolved Purchase rule', async () => {
    const beacons: Blob[] = [];
    const fbq: unknown[][] = [];
    const page = {
      Blob,
      document: { cookie: '', currentScript: null, referrer: '', createElement: () => ({}) },
      location: { hostname: 'localhost', search: '', href: 'https://localhost/thanks', protocol: 'https:' },
      navigator: { sendBeacon: (_url: string, body: Blob) => beacons.push(body) > 0 },
      fbq: (...args: unknown[]) => fbq.push(args),
      crypto: { randomUUID: () => '00000000-0000-4000-8000-000000000000' },
    } as Record<string, unknown>;
    page.window = page;
    runInNewContext(await renderSdk(CONFIG), page);
    const api = page.capiRelay as { track(name: string, data?: object): string };
    // Every entry of the one table, including those the hand-written copy had lost (view_item_list, contact, …).
    for (const [ga4, meta] of Object.entries(EVENT_MAP)) api.track(ga4, ga4 === 'purchase' ? { order_id: 5150, value: 1, currency: 'EUR' } : {});
    const sent = await Promise.all(beacons.map(async (b) => JSON.parse(await b.text()) as { event: string; event_id: string }));
    expect(sent.map((b) => b.event)).toEqual(Object.values(EVENT_MAP));
    expect(sent.find((b) => b.event === 'Purchase')?.event_id).toBe('order-5150-Purchase');
    // Standard names go to the Pixel with track, one id shared with the beacon.
    expect(fbq.every((c) => c[0] === 'track')).toBe(true);
    expect(fbq.find((c) => c[1] === 'Purchase')?.[3]).toEqual({ eventID: 'order-5150-Purchase' });
    expect(api.track('MyOwnEvent')).toBe('00000000-0000-4000-8000-000000000000');
    expect(fbq.at(-1)?.[0]).toBe('trackCustom');
  });
});
