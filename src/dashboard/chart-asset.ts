/**
 * Chart.js's single-file UMD build, read from node_modules and served by the relay itself: the dashboard's
 * CSP allows scripts from 'self' only, and the relay must work without reaching a CDN.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let source: string | null = null;

/** The minified Chart.js bundle (read once, on first request). */
export function chartJsSource(): string {
  if (source === null) {
    const main = createRequire(import.meta.url).resolve('chart.js');
    source = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  }
  return source;
}
