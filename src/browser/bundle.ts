/**
 * The browser programs (the /sdk.js snippet, the Shopify custom pixel) are TypeScript modules type-checked for
 * ES2017 browsers (tsconfig.browser.json) that import the transform's event map and the core's event_id rule
 * instead of copying them. esbuild bundles each once per process into one IIFE of ES2017 syntax: from the
 * TypeScript sources under vitest and tsx, from tsc's output in dist under `npm start`, with the same options.
 * The relay builds them as it starts (`prepareSdk`, the Shopify pixel on first use).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

/** The oldest syntax the programs' output may use: browsers from 2017 (Safari 11, Chrome 58, Firefox 52). */
export const BROWSER_TARGET = 'es2017';

/** Where a program's per-store settings go: replaced by their JSON when the program is served or generated. */
export const CONFIG_PLACEHOLDER = '__CONFIG__';

export type BrowserProgram = 'snippet' | 'shopify-pixel';

/** `all` for what every store page downloads; `keep-names` drops whitespace but keeps every name. */
export type Minify = 'all' | 'keep-names';

const built = new Map<string, Promise<string>>();
let building = 0;

/** A program's bundled code, built on first use, then kept. */
export function browserProgram(name: BrowserProgram, minify: Minify): Promise<string> {
  const key = `${name}:${minify}`;
  let code = built.get(key);
  if (code === undefined) {
    code = bundle(name, minify);
    built.set(key, code);
  }
  return code;
}

function bundle(name: BrowserProgram, minify: Minify): Promise<string> {
  const source = fileURLToPath(new URL(`./${name}/main.ts`, import.meta.url));
  return bundleEntry(existsSync(source) ? source : fileURLToPath(new URL(`./${name}/main.js`, import.meta.url)), minify);
}

/** One entry module (TypeScript or tsc's JavaScript) and what it imports, as one ES2017 IIFE. */
export async function bundleEntry(entry: string, minify: Minify): Promise<string> {
  building++;
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: BROWSER_TARGET,
      minifyWhitespace: true,
      minifySyntax: true,
      minifyIdentifiers: minify === 'all',
      legalComments: 'none',
      // The sources are ES modules, strict by definition: said once in a banner, so a TypeScript entry (where esbuild
      // would add it) and tsc's JavaScript (where it would not) give the same bundle.
      banner: { js: '"use strict";' },
      tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
      charset: 'ascii',
      write: false,
      logLevel: 'silent',
    });
  } finally {
    // esbuild's service process is needed only for these one-time builds: stopped (and reaped) once none is running;
    // a later build starts it again.
    if (--building === 0) void stop();
  }
  const code = result.outputFiles[0]!.text.trimEnd();
  // One placeholder, left whole by the minifier: a global name it may not rename.
  if (code.split(CONFIG_PLACEHOLDER).length !== 2) throw new Error(`${entry}: the bundle must reference ${CONFIG_PLACEHOLDER} exactly once`);
  return code;
}

/** The program with its settings in place; the JSON is made safe to sit inside a <script> body. */
export function withConfig(code: string, config: object): string {
  const json = JSON.stringify(config).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return code.replace(CONFIG_PLACEHOLDER, () => json);
}
