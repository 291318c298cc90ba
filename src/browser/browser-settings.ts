/** The per-tenant settings of the snippet served at /sdk.js, with their defaults and the one input check. */
import { z } from 'zod';

export interface BrowserSettings {
  /**
   * Load the Meta Pixel (fbevents.js) and `fbq('init')` the tenant's pixels. Off by default: many stores
   * already load the Pixel through their own tag, and a second base code would double the Pixel events.
   */
  loadPixel: boolean;
}

export const DEFAULT_BROWSER_SETTINGS: Readonly<BrowserSettings> = Object.freeze({ loadPixel: false });

/** A change: any subset of the settings, nothing unknown (a typo must not pass as "no change"). */
export const browserSettingsPatch = z
  .object({ loadPixel: z.boolean() })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'give at least one setting, e.g. {"loadPixel": true}' });

export type BrowserSettingsPatch = z.infer<typeof browserSettingsPatch>;
