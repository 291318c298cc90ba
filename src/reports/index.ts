/** Pure reports over stored events, orders and clicks (docs/reports.md). */
export * from './rows.js';
export * from './match-quality.js';
export * from './acceptance.js';
export * from './acceptance-summary.js';
export * from './attribution.js';
export { csvField, csvLines } from './csv.js';
