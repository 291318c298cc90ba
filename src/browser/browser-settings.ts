/** The per-tenant settings of the snippet served at /sdk.js, with their defaults and the one input check. */
import { z } from 'zod';

export { DEFAULT_BROWSER_SETTINGS, type BrowserSettings, type BrowserSettingsPatch } from '../core/browser-settings.js';

// A DNS name of two or more labels, lower case, no scheme, port or leading dot: what a cookie's Domain attribute takes.
const DOMAIN = /^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const cookieDomain = z
  .string()
  .transform((s) => s.trim().toLowerCase().replace(/^\./, ''))
  .refine((s) => DOMAIN.test(s) && !/^[\d.]+$/.test(s), { message: 'cookieDomain must be a domain name such as example.co.uk (no scheme, port or path), or null for automatic' })
  .nullable();

/** A change: any subset of the settings, nothing unknown (a typo must not pass as "no change"). */
export const browserSettingsPatch = z
  .object({ loadPixel: z.boolean(), cookieDomain, acceptSandboxedPixel: z.boolean() })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'give at least one setting, e.g. {"loadPixel": true}' });
