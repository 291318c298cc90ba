/**
 * The browser snippet served at GET /sdk.js: the typed program in ./snippet/ (bundled and minified for ES2017
 * browsers by ./bundle.ts) with the tenant's settings in place.
 */
import { browserProgram, withConfig } from './bundle.js';
import type { SdkConfig } from './snippet/config.js';

export type { SdkConfig };

/** Bundles the snippet now (it is kept for the process), so no request waits for it. */
export function prepareSdk(): void {
  browserProgram('snippet', 'all');
}

/** The script for one tenant. */
export function renderSdk(cfg: SdkConfig): string {
  return withConfig(browserProgram('snippet', 'all'), cfg);
}
