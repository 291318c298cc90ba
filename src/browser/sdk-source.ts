/**
 * The browser snippet served at GET /sdk.js: the typed program in ./snippet/ (bundled and minified for ES2017
 * browsers by ./bundle.ts) with the tenant's settings in place.
 */
import { browserProgram, withConfig } from './bundle.js';
import type { SdkConfig } from './snippet/config.js';

export type { SdkConfig };

/** Bundles the snippet now (it is kept for the process), so no request waits for it. */
export async function prepareSdk(): Promise<void> {
  await browserProgram('snippet', 'all');
}

/** The script for one tenant. */
export async function renderSdk(cfg: SdkConfig): Promise<string> {
  return withConfig(await browserProgram('snippet', 'all'), cfg);
}
