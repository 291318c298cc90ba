/**
 * Generic source: `X-Capi-Relay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">`
 * (Stripe's scheme), refused more than the tolerance (default 300 s) from the relay clock; the body is one
 * event or `{events: [...]}`. `X-Capi-Relay-Delivery-Id` names the delivery: the route answers a repeat
 * of it (within 24 h) as a duplicate and derives the event id of an event without one from it.
 * Step-by-step signing for senders: docs/connect-your-store.md.
 */
import type { CommerceEvent } from './commerce-event.js';
import type { ParseResult, SourceDefinition, VerifyResult, WebhookRequest } from './types.js';
import { header, hmacSha256, isObj, mapJsonBody, outsideTolerance, parseTimestampedSignature, safeEqual } from './util.js';

/** Signature header of the generic source. */
export const GENERIC_SIGNATURE_HEADER = 'X-Capi-Relay-Signature';
/** Delivery id header of the generic source: the same id on every retry of one delivery. */
export const GENERIC_DELIVERY_ID_HEADER = 'X-Capi-Relay-Delivery-Id';
/** Default distance between the signed timestamp and the relay clock (config `webhookToleranceSeconds`). */
export const GENERIC_TOLERANCE_SECONDS = 300;
/** A delivery id: 1–128 characters a sender can put in a header without escaping. */
export const DELIVERY_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The header value a sender computes for `rawBody` at `t` (unix seconds): HMAC-SHA256 with the source
 * secret over the bytes of `"{t}."` followed by the raw body, hex (exported for clients and tests).
 */
export function signGeneric(secret: string, rawBody: Buffer | string, t: number): string {
  const signed = Buffer.concat([Buffer.from(`${t}.`), Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody)]);
  return `t=${t},v1=${hmacSha256(secret, signed).toString('hex')}`;
}

function verify(req: WebhookRequest, secrets: string[]): VerifyResult {
  const h = header(req.headers, GENERIC_SIGNATURE_HEADER);
  if (!h) return { ok: false, code: 'signature_missing', message: `missing ${GENERIC_SIGNATURE_HEADER} header (t=<unix seconds>,v1=<hex>)` };
  // The first scheme signed the body alone: a captured request could be replayed forever. Say so plainly.
  if (h.startsWith('sha256=')) {
    return {
      ok: false,
      code: 'signature_outdated',
      message: `${GENERIC_SIGNATURE_HEADER}: sha256=<hex> over the body alone is no longer accepted; sign "{t}.{body}" and send t=<unix seconds>,v1=<hex> (docs/connect-your-store.md)`,
    };
  }
  const parsed = parseTimestampedSignature(h, GENERIC_SIGNATURE_HEADER);
  if (!parsed.ok) return parsed;
  const signed = Buffer.concat([Buffer.from(`${parsed.t}.`), req.rawBody]);
  // Every secret and every v1 is compared (no early exit), so timing does not say which one matched.
  let matched: string | undefined;
  for (const s of secrets) {
    const expected = hmacSha256(s, signed);
    parsed.v1.forEach((given, i) => {
      if (safeEqual(expected, given)) matched = parsed.v1Hex[i];
    });
  }
  if (matched === undefined) return { ok: false, code: 'signature_invalid', message: `${GENERIC_SIGNATURE_HEADER} does not match the body` };
  // After the signature, so unsigned requests cannot probe the clock.
  const tolerance = req.toleranceSeconds ?? GENERIC_TOLERANCE_SECONDS;
  if (outsideTolerance(req.now, parsed.t, tolerance)) {
    return { ok: false, code: 'timestamp_out_of_tolerance', message: `the signed timestamp is more than ${tolerance} s from the relay clock` };
  }
  const deliveryId = header(req.headers, GENERIC_DELIVERY_ID_HEADER);
  if (deliveryId !== undefined && !DELIVERY_ID_RE.test(deliveryId)) {
    return { ok: false, code: 'delivery_id_invalid', message: `${GENERIC_DELIVERY_ID_HEADER} must be 1–128 characters of A–Z a–z 0–9 . _ : -` };
  }
  return { ok: true, replayKey: `${parsed.t}.${matched}` };
}

/** Generic source definition; events pass through unchanged, the transform validates their shape. */
export const generic: SourceDefinition = {
  platform: 'generic',
  verify,
  deduplicatesDeliveries: true,
  parse(req: WebhookRequest): ParseResult {
    // Checked by verify; without one the route falls back to a digest of the body (a retry resends the same bytes).
    const deliveryId = header(req.headers, GENERIC_DELIVERY_ID_HEADER) ?? null;
    return mapJsonBody(req.rawBody, deliveryId, (body) => {
      if ('events' in body) {
        if (!Array.isArray(body.events)) {
          return { kind: 'unmappable', deliveryId, code: 'invalid_events', message: '"events" must be an array of objects' };
        }
        if (body.events.length === 0) return { kind: 'ignore', reason: 'empty events array' };
        // A non-object among them is that event's own `rejected` result (the transform's), not the batch's.
        return { kind: 'events', deliveryId, events: body.events as unknown as CommerceEvent[] };
      }
      return { kind: 'events', deliveryId, events: [body as unknown as CommerceEvent] };
    });
  },
};
