/**
 * The per-tenant settings of the snippet served at /sdk.js and their defaults: the store keeps them
 * (src/store/browser-settings.ts), the snippet reads them; the input check is src/browser/browser-settings.ts.
 */

export interface BrowserSettings {
  /**
   * Load the Meta Pixel (fbevents.js) and `fbq('init')` the tenant's pixels. Off by default: many stores
   * already load the Pixel through their own tag, and a second base code would double the Pixel events.
   */
  loadPixel: boolean;
  /**
   * The domain the snippet writes `_fbp`/`_fbc` on (e.g. `example.co.uk`). Null (the default) finds the
   * registrable domain in the browser as Meta's Pixel does; set it only where that guess is wrong (a shared
   * hosting domain the browser does not know as a public suffix, or cookies wanted on a narrower subdomain).
   */
  cookieDomain: string | null;
}

export const DEFAULT_BROWSER_SETTINGS: Readonly<BrowserSettings> = Object.freeze({ loadPixel: false, cookieDomain: null });

/** A change: any subset of the settings (src/browser/browser-settings.ts checks one). */
export type BrowserSettingsPatch = Partial<BrowserSettings>;
