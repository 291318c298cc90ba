/**
 * Commerce7 webhooks: `{object, action, payload, user, tenantId}`, amounts in cents, no signature —
 * only optional Basic auth configured on the webhook, checked against a 'user:pass' secret.
 */
import { createHash } from 'node:crypto';
import type { CommerceEvent, CommerceItem, CommerceUser } from './commerce-event.js';
import { eventSourceUrl } from './source-url.js';
import type { ParseResult, SourceDefinition, SourceSettings, VerifyResult, WebhookRequest } from './types.js';
import { arr, cleanUser, decodeBase64Exact, first, fromMinor, header, mapJsonBody, num, obj, safeEqual, str, toUnixSeconds, type Json } from './util.js';

function verify(req: WebhookRequest, secrets: string[]): VerifyResult {
  // No credentials configured: Commerce7 signs nothing, so there is nothing to check.
  if (secrets.length === 0) return { ok: true };
  const auth = header(req.headers, 'Authorization');
  const m = auth && /^Basic\s+(\S+)$/i.exec(auth.trim());
  if (!m?.[1]) return { ok: false, code: 'signature_missing', message: 'missing Basic Authorization header' };
  const credentials = decodeBase64Exact(m[1]);
  if (!credentials) return { ok: false, code: 'signature_malformed', message: 'Basic credentials must be canonical padded base64 of user:password' };
  // Compare digests so differing lengths take the same time as differing contents.
  const given = createHash('sha256').update(credentials).digest();
  let match = false;
  for (const s of secrets) if (safeEqual(createHash('sha256').update(s).digest(), given)) match = true;
  return match ? { ok: true } : { ok: false, code: 'signature_invalid', message: 'Basic credentials do not match' };
}

/** Web sales happened on the site; POS in the tasting room; inbound by phone; club runs are automatic. */
function actionSource(channel: string | undefined): string {
  switch (channel) {
    case 'Web': return 'website';
    case 'POS': return 'physical_store';
    case 'Inbound': return 'phone_call';
    case 'Club': return 'system_generated';
    default: return 'other';
  }
}

function user(p: Json): CommerceUser | undefined {
  const customer = obj(p.customer);
  const addr = obj(first(filled(p.billTo), filled(p.shipTo), filled(p.carryOut), filled(p.pickupBy)));
  const conn = obj(p.connectionInformation);
  const email = arr(customer.emails).map((e) => str(obj(e).email)).find((e) => e?.includes('@') && !/\s/.test(e));
  return cleanUser({
    email: first(str(p.email), email),
    phone: first(str(addr.phone), str(obj(arr(customer.phones)[0]).phone)),
    first_name: first(str(addr.firstName), str(customer.firstName)),
    last_name: first(str(addr.lastName), str(customer.lastName)),
    city: first(str(addr.city), str(customer.city)),
    state: first(str(addr.stateCode), str(customer.stateCode)),
    zip: first(str(addr.zipCode), str(customer.zipCode)),
    country: first(str(addr.countryCode), str(customer.countryCode)),
    id: first(str(p.customerId), str(customer.id)),
    ip: str(conn.customerIpAddress),
    user_agent: str(conn.userAgent),
  });
}

function filled(v: unknown): Json | undefined {
  return v && typeof v === 'object' ? (v as Json) : undefined;
}

function items(p: Json): CommerceItem[] | undefined {
  const list = arr(p.items).map((i) => {
    const it = obj(i);
    const price = num(it.price);
    return {
      id: first(str(it.productVariantId), str(it.productId), str(it.sku)) ?? 'unknown',
      quantity: num(it.quantity) ?? 1,
      price: price === undefined ? undefined : fromMinor(price, 2),
      name: str(it.productTitle),
      category: str(it.type),
    };
  });
  return list.length ? list : undefined;
}

type Kind = { event: string; key: string; time: unknown } | null;

/** Which event an (object, action) pair is; null when it is not a conversion. */
function classify(object: string, action: string, p: Json): Kind {
  const o = object.toLowerCase().replace(/[\s_-]/g, '');
  const a = action.toLowerCase();
  if (o === 'order' && a === 'create') return { event: 'purchase', key: 'order/create', time: first(str(p.orderPaidDate), str(p.orderSubmittedDate), str(p.createdAt)) };
  if (o === 'clubmembership' || o === 'clubmembershipcancellation') {
    const cancelled = a === 'delete' || a === 'cancel' || (a === 'update' && (str(p.cancelDate) !== undefined || str(p.status) === 'Cancelled'));
    if (cancelled) return { event: 'CancelMembership', key: 'club-membership/cancel', time: first(str(p.cancelDate), str(p.updatedAt)) };
    if (a === 'create') return { event: 'subscribe', key: 'club-membership/create', time: first(str(p.signupDate), str(p.createdAt)) };
    return null;
  }
  if (o === 'reservation' && a === 'create') return { event: 'generate_lead', key: 'reservation/create', time: str(p.createdAt) };
  if (o === 'cart' && a === 'update') return { event: 'add_to_cart', key: 'cart/update', time: str(p.updatedAt) };
  return null;
}

function map(body: Json, settings: SourceSettings, now: number): ParseResult {
  const object = str(body.object) ?? '';
  const action = str(body.action) ?? '';
  const p = obj(body.payload);
  const kind = classify(object, action, p);
  if (!kind) return { kind: 'ignore', reason: `${object || '(no object)'} ${action || '(no action)'} produces no event` };
  const objectId = str(p.id);
  if (!objectId) return { kind: 'unmappable', deliveryId: null, code: 'object_id_missing', message: `${object} payload has no id` };
  // Commerce7 sends no delivery id; dedup relies on the event id derived from the object id.
  const deliveryId = null;
  // Commerce7 payloads carry no currency; amounts are only meaningful with the configured one.
  const currency = settings.currency?.toUpperCase();
  const cents = kind.event === 'generate_lead' ? num(p.price) : num(p.total);
  const source = actionSource(str(p.channel));
  const event: CommerceEvent = {
    event: kind.event,
    timestamp: toUnixSeconds(kind.time) ?? Math.floor(now / 1000),
    action_source: source,
    // Commerce7 payloads name no page and no site: web sales take the source's configured site URL.
    url: source === 'website' ? eventSourceUrl(settings, {}) : undefined,
    value: currency && cents !== undefined ? fromMinor(cents, 2) : undefined,
    currency: currency && cents !== undefined ? currency : undefined,
    items: items(p),
    user: user(p),
  };
  if (kind.event !== 'purchase') event.event_id = `commerce7:${kind.key}:${objectId}${kind.event === 'add_to_cart' ? `:${str(p.updatedAt) ?? ''}` : ''}`;
  else {
    if (!currency) return { kind: 'unmappable', deliveryId, code: 'currency_required', message: 'Commerce7 sends no currency: set the source currency' };
    // No event_id: the store's Purchase template names the order (transform), as on every other channel.
    event.order_id = objectId;
  }
  return { kind: 'events', deliveryId, events: [event] };
}

/** Commerce7 source definition. */
export const commerce7: SourceDefinition = {
  platform: 'commerce7',
  verify,
  parse(req: WebhookRequest, settings: SourceSettings): ParseResult {
    return mapJsonBody(req.rawBody, null, (body) => map(body, settings, req.now));
  },
};
