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
  /**
   * Take /v1/collect beacons sent with `Origin: null` when the page URL in their body is on the allow-list.
   * Shopify's custom pixel runs in a sandboxed frame whose requests carry that opaque origin; any page can
   * make one, so the page URL is the only check left. Off by default: a store turns it on for that pixel.
   */
  acceptSandboxedPixel: boolean;
}

export const DEFAULT_BROWSER_SETTINGS: Readonly<BrowserSettings> = Object.freeze({ loadPixel: false, cookieDomain: null, acceptSandboxedPixel: false });

/** A change: any subset of the settings (src/browser/browser-settings.ts checks one). */
export type BrowserSettingsPatch = Partial<BrowserSettings>;
