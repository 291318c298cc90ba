/** Contracts between the webhook route and the per-platform source definitions. */
import type { CommerceEvent } from './commerce-event.js';

/** A received webhook: headers as received, the exact body bytes, and the clock (ms). */
export interface WebhookRequest {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  now: number;
}

/** Outcome of authenticating a webhook before its body is parsed. */
export type VerifyResult =
  | { ok: true }
  | { ok: false; code: 'signature_missing' | 'signature_invalid' | 'timestamp_out_of_tolerance'; message: string };

/** Outcome of mapping a verified webhook to commerce events. */
export type ParseResult =
  | { kind: 'events'; deliveryId: string | null; events: CommerceEvent[] }
  | { kind: 'ignore'; reason: string }
  | { kind: 'unmappable'; deliveryId: string | null; code: string; message: string };

/** Per-source configuration that changes how payloads are mapped. */
export interface SourceSettings {
  /** ISO currency for platforms whose payloads carry none (Commerce7); a Purchase without it is unmappable. */
  currency?: string;
  /**
   * The store's website (e.g. `https://shop.example.com/`), the `event_source_url` of website events whose
   * payload names no page (Commerce7 sends none; Shopify and WooCommerce send their own site address).
   */
  siteUrl?: string;
}

/** Platforms with a webhook source definition. */
export type Platform = 'shopify' | 'woocommerce' | 'commerce7' | 'stripe' | 'generic';

/** How one platform's webhooks are authenticated and mapped; pure apart from node:crypto. */
export interface SourceDefinition {
  platform: Platform;
  /**
   * True for platform housekeeping requests (WooCommerce's unsigned `webhook_id=N` ping) that must be
   * answered 200 without verification or events; the route checks it before `verify`.
   */
  isPing?(req: WebhookRequest): boolean;
  /** Timing-safe check over the exact raw bytes; `secrets` holds current + previous during rotation. */
  verify(req: WebhookRequest, secrets: string[]): VerifyResult;
  parse(req: WebhookRequest, settings: SourceSettings): ParseResult;
}
