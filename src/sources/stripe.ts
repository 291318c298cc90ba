/** Stripe webhooks: `Stripe-Signature: t=…,v1=…` over "{t}.{body}", 300 s tolerance; paid checkouts/intents → purchase. */
import type { CommerceEvent, CommerceUser } from './commerce-event.js';
import { eventSourceUrl } from './source-url.js';
import type { ParseResult, SourceDefinition, SourceSettings, VerifyResult, WebhookRequest } from './types.js';
import { arr, cleanUser, first, fromMinor, header, hmacSha256, mapJsonBody, num, obj, outsideTolerance, parseTimestampedSignature, safeEqual, str, type Json } from './util.js';

/** Stripe's default replay window. */
export const STRIPE_TOLERANCE_SECONDS = 300;

// Stripe amounts are in the currency's minor unit; these have none (amount 500 JPY = ¥500) …
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
// … and these have three (amount 1000 KWD = 1.000 KWD).
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Decimal amount from Stripe's minor units for a (lower- or upper-case) currency. */
export function stripeAmount(minor: number, currency: string): number {
  const c = currency.toLowerCase();
  return fromMinor(minor, ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2);
}

function verify(req: WebhookRequest, secrets: string[]): VerifyResult {
  const h = header(req.headers, 'Stripe-Signature');
  if (!h) return { ok: false, code: 'signature_missing', message: 'missing Stripe-Signature header' };
  const parsed = parseTimestampedSignature(h, 'Stripe-Signature');
  if (!parsed.ok) return parsed;
  const { t, v1 } = parsed;
  const signed = Buffer.concat([Buffer.from(`${t}.`), req.rawBody]);
  let match = false;
  for (const secret of secrets) {
    const expected = hmacSha256(secret, signed);
    for (const given of v1) if (safeEqual(expected, given)) match = true;
  }
  if (!match) return { ok: false, code: 'signature_invalid', message: 'Stripe-Signature does not match the body' };
  // Checked after the signature so an attacker cannot probe the clock with unsigned requests.
  const tolerance = req.toleranceSeconds ?? STRIPE_TOLERANCE_SECONDS;
  if (outsideTolerance(req.now, t, tolerance)) {
    return { ok: false, code: 'timestamp_out_of_tolerance', message: `the signed timestamp is more than ${tolerance} s from the relay clock` };
  }
  return { ok: true };
}

function splitName(name: string | undefined): { first_name?: string; last_name?: string } {
  if (!name) return {};
  const parts = name.trim().split(/\s+/);
  return parts.length > 1 ? { first_name: parts.slice(0, -1).join(' '), last_name: parts.at(-1) } : { first_name: parts[0] };
}

/** Identity from a checkout session or payment intent (and its first charge's billing details). */
function user(o: Json): CommerceUser | undefined {
  const charge = obj(first(arr(obj(o.charges).data)[0], isObjLike(o.latest_charge)));
  const billing = obj(charge.billing_details);
  const details = obj(o.customer_details);
  const shipping = obj(first(isObjLike(o.shipping), isObjLike(o.shipping_details)));
  const addr = obj(first(isFilledAddr(details.address), isFilledAddr(billing.address), isFilledAddr(shipping.address)));
  const meta = obj(o.metadata);
  return cleanUser({
    email: first(str(o.receipt_email), str(details.email), str(billing.email), str(o.customer_email), str(charge.receipt_email)),
    phone: first(str(details.phone), str(billing.phone), str(shipping.phone)),
    ...splitName(first(str(details.name), str(billing.name), str(shipping.name))),
    city: str(addr.city),
    state: str(addr.state),
    zip: str(addr.postal_code),
    country: str(addr.country),
    id: typeof o.customer === 'string' ? o.customer : undefined,
    // Integrations pass browser context through metadata when they create the session/intent.
    ip: first(str(meta.client_ip_address), str(meta.ip)),
    user_agent: first(str(meta.client_user_agent), str(meta.user_agent)),
    fbc: str(meta.fbc),
    fbp: str(meta.fbp),
    fbclid: str(meta.fbclid),
  });
}

function isObjLike(v: unknown): Json | undefined {
  return v && typeof v === 'object' ? (v as Json) : undefined;
}

function isFilledAddr(v: unknown): Json | undefined {
  const a = obj(v);
  return Object.values(a).some((x) => x !== null && x !== undefined && x !== '') ? a : undefined;
}

function mapPurchase(evt: Json, o: Json, type: string, settings: SourceSettings, now: number): ParseResult {
  const deliveryId = str(evt.id) ?? null;
  const meta = obj(o.metadata);
  const isSession = type === 'checkout.session.completed';
  // Async payment methods complete the session before the money arrives; those come later as succeeded.
  if (isSession && str(o.payment_status) === 'unpaid') return { kind: 'ignore', reason: 'checkout session not paid yet' };
  // A session's payment_intent id makes both event types agree on one order id.
  const orderId = isSession
    ? first(str(meta.order_id), str(o.client_reference_id), typeof o.payment_intent === 'string' ? o.payment_intent : undefined, str(o.id))
    : first(str(meta.order_id), str(o.id));
  if (!orderId) return { kind: 'unmappable', deliveryId, code: 'order_id_missing', message: `${type} object has no id` };
  const currency = str(o.currency);
  const minor = isSession ? num(o.amount_total) : first(num(o.amount_received), num(o.amount));
  const event: CommerceEvent = {
    event: 'purchase',
    // No event_id: the store's Purchase template names the order (transform), as on every other channel.
    timestamp: num(o.created) ?? num(evt.created) ?? Math.floor(now / 1000),
    action_source: 'website',
    // The page the integration names in metadata, else the session's success (thank-you) page, else the site.
    url: eventSourceUrl(settings, { pages: [str(meta.event_source_url), str(o.success_url)] }),
    value: minor !== undefined && currency ? stripeAmount(minor, currency) : undefined,
    currency: currency?.toUpperCase(),
    order_id: orderId,
    user: user(o),
  };
  return { kind: 'events', deliveryId, events: [event] };
}

/** Stripe source definition. */
export const stripe: SourceDefinition = {
  platform: 'stripe',
  verify,
  parse(req: WebhookRequest, settings: SourceSettings): ParseResult {
    // The delivery id (the event id) is inside the body, so a body that is not JSON has none.
    return mapJsonBody(req.rawBody, null, (evt) => {
      const type = str(evt.type) ?? '';
      if (type !== 'checkout.session.completed' && type !== 'payment_intent.succeeded') {
        return { kind: 'ignore', reason: `event type ${type || '(none)'} produces no event` };
      }
      return mapPurchase(evt, obj(obj(evt.data).object), type, settings, req.now);
    });
  },
};
