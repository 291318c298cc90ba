/**
 * A new webhook source as the admin API and the CLI (`capi-relay sources add`) take it: one check, so both reject
 * the same input the same way, and the URL to paste into the platform's webhook settings.
 */
import type { Config } from '../config/config.js';
import { isPlatform, pageUrl, type SourceSettings } from '../sources/index.js';

export interface NewSource {
  platform: string;
  secret?: string | undefined;
  currency?: string | undefined;
  eventIdTemplate?: string | undefined;
  siteUrl?: string | undefined;
}

/** Validates a new source; returns its settings or throws an Error whose message says what is wrong. */
export function checkNewSource(input: NewSource): SourceSettings {
  if (!isPlatform(input.platform)) throw new Error(`platform must be one of shopify, woocommerce, commerce7, stripe, generic; got "${input.platform}"`);
  // Commerce7 signs nothing (its Basic auth is optional); every other platform needs its signing secret.
  if (!input.secret && input.platform !== 'commerce7') throw new Error(`a ${input.platform} source needs its webhook signing secret (secret; --secret on the CLI)`);
  const settings: SourceSettings = {};
  if (input.currency !== undefined) {
    if (!/^[a-z]{3}$/i.test(input.currency)) throw new Error(`currency "${input.currency}" is not a 3-letter ISO code`);
    settings.currency = input.currency.toUpperCase();
  }
  if (input.eventIdTemplate !== undefined) {
    // One template per store, so the snippet and every source give an order the same id (core/event-id-template.ts).
    throw new Error('sources no longer take an event id template: set the store\'s one Purchase template in its policy (eventIdTemplates.Purchase)');
  }
  if (input.siteUrl !== undefined) {
    const site = pageUrl(input.siteUrl);
    if (!site) throw new Error(`site URL must be an absolute http(s) URL such as https://shop.example.com/; got "${input.siteUrl}"`);
    settings.siteUrl = site;
  }
  return settings;
}

/** The URL to paste into the platform's webhook settings. */
export function webhookUrl(config: Config, platform: string, id: string): string {
  const base = (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
  return `${base}/v1/webhooks/${platform}/${id}`;
}
