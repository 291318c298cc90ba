/**
 * The `event_source_url` of website events, which Meta documents as required for them: "the browser URL
 * where the event happened" [M-PAR]. Webhooks arrive from the platform's servers, not the browser, so the
 * URL is rebuilt from what each platform sends, in order of how close it is to the page of the event.
 */
import type { SourceSettings } from './types.js';

/**
 * An http(s) URL reduced to origin and path, or undefined. Query strings and fragments are dropped because
 * they carry access keys (Shopify's order status `?key=`, Stripe's `session_id`) and sometimes customer
 * data, none of which may reach Meta. A relative path (Shopify's `landing_site`) resolves against `base`.
 */
export function pageUrl(value: string | undefined, base?: string): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = base ? new URL(value, base) : new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return `${url.origin}${url.pathname}`;
}

/** `https://{host}/` for a bare host name such as Shopify's `X-Shopify-Shop-Domain`; undefined unless it is one. */
export function siteFromHost(host: string | undefined): string | undefined {
  if (!host || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(host.trim())) return undefined;
  return `https://${host.trim().toLowerCase()}/`;
}

export interface SourceUrlCandidates {
  /** Pages of this very event the platform names (a thank-you / order status page), best first. */
  pages?: (string | undefined)[];
  /** The platform's own address for the store (a header), used when nothing better is known. */
  platformSite?: string | undefined;
}

/**
 * The event's source URL: a page the platform names, else the operator's configured `siteUrl` (an explicit
 * choice beats a guess), else the platform's own site address.
 */
export function eventSourceUrl(settings: SourceSettings, candidates: SourceUrlCandidates): string | undefined {
  for (const page of candidates.pages ?? []) {
    const url = pageUrl(page);
    if (url) return url;
  }
  return pageUrl(settings.siteUrl) ?? pageUrl(candidates.platformSite);
}
