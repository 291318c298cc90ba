/** Contracts between the webhook route and the per-platform source definitions. */
import type { SourceSettings } from '../core/source-settings.js';
import type { CommerceEvent } from './commerce-event.js';

/** A received webhook: headers as received, the exact body bytes, and the clock (ms). */
export interface WebhookRequest {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  now: number;
  /** How far a signed timestamp may be from `now` (Stripe, generic); default 300 s. */
  toleranceSeconds?: number;
}

/** Outcome of authenticating a webhook before its body is parsed. */
export type VerifyResult =
  | {
      ok: true;
      /**
       * For timestamped signatures (generic): `t` and the matching signature, unique to one signed request.
       * The route claims it once, so a captured request replayed inside the tolerance window is refused.
       */
      replayKey?: string;
    }
  | {
      ok: false;
      code: 'signature_missing' | 'signature_malformed' | 'signature_outdated' | 'signature_invalid' | 'timestamp_out_of_tolerance' | 'delivery_id_invalid';
      message: string;
    };

/** Outcome of mapping a verified webhook to commerce events. */
export type ParseResult =
  | { kind: 'events'; deliveryId: string | null; events: CommerceEvent[] }
  | { kind: 'ignore'; reason: string }
  | { kind: 'unmappable'; deliveryId: string | null; code: string; message: string };

export type { SourceSettings } from '../core/source-settings.js';

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
  /**
   * True when the route must deduplicate whole deliveries (by delivery id, for 24 h, and by `replayKey`)
   * and give events without an event_id a stable one from the delivery id and their position (generic:
   * its events carry no platform object id that could serve instead).
   */
  deduplicatesDeliveries?: boolean;
}
