/** Generic source: `X-Capi-Relay-Signature: sha256=<hex>` over the raw body; the body is one event or `{events: [...]}`. */
import type { CommerceEvent } from './commerce-event.js';
import type { ParseResult, SourceDefinition, VerifyResult, WebhookRequest } from './types.js';
import { header, hmacSha256, mapJsonBody, safeEqual } from './util.js';

/** Signature header of the generic source. */
export const GENERIC_SIGNATURE_HEADER = 'X-Capi-Relay-Signature';

/** The header value a sender must compute for `rawBody` (exported for clients and tests). */
export function signGeneric(secret: string, rawBody: Buffer | string): string {
  return `sha256=${hmacSha256(secret, rawBody).toString('hex')}`;
}

function verify(req: WebhookRequest, secrets: string[]): VerifyResult {
  const h = header(req.headers, GENERIC_SIGNATURE_HEADER);
  const m = h && /^sha256=([0-9a-f]+)$/i.exec(h.trim());
  if (!m?.[1]) return { ok: false, code: 'signature_missing', message: `missing or malformed ${GENERIC_SIGNATURE_HEADER} header (sha256=<hex>)` };
  const given = Buffer.from(m[1], 'hex');
  let match = false;
  for (const s of secrets) if (safeEqual(hmacSha256(s, req.rawBody), given)) match = true;
  return match ? { ok: true } : { ok: false, code: 'signature_invalid', message: `${GENERIC_SIGNATURE_HEADER} does not match the body` };
}

/** Generic source definition; events pass through unchanged, the transform validates their shape. */
export const generic: SourceDefinition = {
  platform: 'generic',
  verify,
  parse(req: WebhookRequest): ParseResult {
    const deliveryId = header(req.headers, 'X-Capi-Relay-Delivery-Id') ?? null;
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
