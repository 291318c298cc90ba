/**
 * Segment / RudderStack HTTP Tracking API (`/v1/track`, `/v1/page`, `/v1/identify`, `/v1/batch`): reads the
 * calls as their public spec defines them and maps them to the relay's commerce input shape, which the one
 * ingest path (transform) turns into Meta events. E-commerce spec v2 events become Meta's standard events;
 * `identify` yields traits to remember for the user's later events. Pure: no I/O.
 */

export type SegmentCallType = 'track' | 'page' | 'identify' | 'screen' | 'group' | 'alias';

/** What one Segment call becomes. */
export type SegmentMapped =
  /** An event for ingest (commerce shape); `userKey` names the user whose remembered traits complete it. */
  | { kind: 'event'; messageId: string | null; userKey: string | null; input: Record<string, unknown> }
  /** Traits to remember for the user (raw, under Meta's user_data names; the caller hashes them). */
  | { kind: 'identify'; messageId: string | null; userKey: string; traits: Record<string, unknown> }
  /** A call type with no Meta counterpart (group, alias, screen): acknowledged, not forwarded. */
  | { kind: 'ignored'; messageId: string | null; reason: string }
  | { kind: 'invalid'; messageId: string | null; message: string };

/** E-commerce spec v2 event → the commerce event name the transform maps to Meta's standard event. */
export const SEGMENT_EVENT_MAP: Readonly<Record<string, string>> = Object.freeze({
  'Order Completed': 'purchase',
  'Product Viewed': 'view_item',
  'Product Added': 'add_to_cart',
  'Checkout Started': 'begin_checkout',
  'Signed Up': 'sign_up',
  'Products Searched': 'search',
  'Product Added to Wishlist': 'add_to_wishlist',
  'Payment Info Entered': 'add_payment_info',
});

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};

/** Splits a request into calls: `/v1/batch` holds `{"batch": [...]}`, the others one call of the path's type. */
export function segmentCalls(path: 'track' | 'page' | 'identify' | 'batch', body: unknown, max: number): { calls: { type: string; call: Record<string, unknown> }[] } | { error: string; tooMany?: boolean } {
  if (!isObj(body)) return { error: 'the body must be a JSON object' };
  if (path !== 'batch') {
    if (body.type !== undefined && body.type !== path) return { error: `type: a different call type posted to /v1/${path} (post it to its own path, or to /v1/batch)` };
    return { calls: [{ type: path, call: body }] };
  }
  if (!Array.isArray(body.batch)) return { error: '"batch" must be an array of calls' };
  if (body.batch.length === 0) return { error: '"batch" must hold at least one call' };
  if (body.batch.length > max) return { error: `at most ${max} calls per batch; got ${body.batch.length}`, tooMany: true };
  // Batch-level context and integrations apply to every call that has none (Segment's batch semantics).
  const shared = { context: body.context };
  return {
    calls: body.batch.map((c: unknown) => {
      const call: Record<string, unknown> = isObj(c) ? { ...(isObj(shared.context) && !isObj(c.context) ? { context: shared.context } : {}), ...c } : {};
      return { type: typeof call.type === 'string' ? call.type : '', call };
    }),
  };
}

/** The user a call names: `userId`, else `anonymousId` (Segment requires one of them). */
export function userKeyOf(call: Record<string, unknown>): string | null {
  const id = str(call.userId);
  if (id) return `user:${id}`;
  const anon = str(call.anonymousId);
  return anon ? `anon:${anon}` : null;
}

/** Segment traits (identify traits or context.traits) → the relay's user fields (Meta user_data names). */
export function userFieldsOfTraits(traits: unknown): Record<string, unknown> {
  if (!isObj(traits)) return {};
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    const s = str(v);
    if (s !== undefined) out[k] = s;
  };
  put('em', traits.email);
  put('ph', traits.phone);
  put('fn', traits.firstName ?? traits.first_name);
  put('ln', traits.lastName ?? traits.last_name);
  if (out.fn === undefined && out.ln === undefined && typeof traits.name === 'string') {
    const parts = traits.name.trim().split(/\s+/);
    if (parts.length >= 2) {
      out.fn = parts[0];
      out.ln = parts.slice(1).join(' ');
    } else if (parts[0]) out.fn = parts[0];
  }
  put('ge', traits.gender);
  const birthday = str(traits.birthday);
  // Segment's birthday is an ISO date; Meta's db is YYYYMMDD.
  if (birthday && /^\d{4}-\d{2}-\d{2}/.test(birthday)) out.db = birthday.slice(0, 10).replaceAll('-', '');
  const address = isObj(traits.address) ? traits.address : {};
  put('ct', address.city);
  put('st', address.state);
  put('zp', address.postalCode ?? address.postal_code);
  put('country', address.country);
  return out;
}

/** A product of the e-commerce spec → a commerce item. */
function itemOf(p: unknown): Record<string, unknown> | null {
  if (!isObj(p)) return null;
  const id = str(p.product_id) ?? str(p.sku) ?? str(p.id);
  const item: Record<string, unknown> = {};
  if (id !== undefined) item.id = id;
  const quantity = num(p.quantity);
  if (quantity !== undefined) item.quantity = quantity;
  const price = num(p.price);
  if (price !== undefined) item.price = price;
  const name = str(p.name);
  if (name !== undefined) item.name = name;
  const category = str(p.category);
  if (category !== undefined) item.category = category;
  return Object.keys(item).length > 0 ? item : null;
}

/** Segment's consent (context.consent.categoryPreferences) → the categories consented to. */
function consentOf(context: Record<string, unknown>): string[] | undefined {
  const consent = isObj(context.consent) ? context.consent : null;
  const prefs = consent && isObj(consent.categoryPreferences) ? consent.categoryPreferences : null;
  return prefs ? Object.keys(prefs).filter((k) => prefs[k] === true) : undefined;
}

/** Maps one call; `type` is the call's type (from the path or the batch item). */
export function mapSegmentCall(type: string, call: Record<string, unknown>): SegmentMapped {
  const messageId = str(call.messageId) ?? null;
  const userKey = userKeyOf(call);
  if (!userKey) return { kind: 'invalid', messageId, message: 'a call needs userId or anonymousId' };
  const context = isObj(call.context) ? call.context : {};
  if (type === 'identify') return { kind: 'identify', messageId, userKey, traits: { ...userFieldsOfTraits(call.traits ?? context.traits), ...externalId(call) } };
  if (type === 'group' || type === 'alias' || type === 'screen') return { kind: 'ignored', messageId, reason: `${type} calls have no Meta web event` };
  if (type !== 'track' && type !== 'page') return { kind: 'invalid', messageId, message: 'type: not one of track, page, identify, screen, group, alias' };

  const properties = isObj(call.properties) ? call.properties : {};
  let event: string;
  if (type === 'page') event = 'page_view';
  else {
    const name = str(call.event);
    if (!name) return { kind: 'invalid', messageId, message: 'a track call needs "event"' };
    event = Object.hasOwn(SEGMENT_EVENT_MAP, name) ? SEGMENT_EVENT_MAP[name]! : name;
  }
  const user: Record<string, unknown> = { ...userFieldsOfTraits(context.traits), ...externalId(call) };
  const ip = str(context.ip);
  if (ip) user.client_ip_address = ip;
  const ua = str(context.userAgent);
  if (ua) user.client_user_agent = ua;
  const page = isObj(context.page) ? context.page : {};
  const url = str(page.url) ?? (type === 'page' ? str(properties.url) : undefined);
  const referrer = str(page.referrer) ?? (type === 'page' ? str(properties.referrer) : undefined);

  const input: Record<string, unknown> = { event, action_source: 'website', user };
  const orderId = str(properties.order_id);
  // The store's Purchase event_id rule (its template over order_id) applies to an Order Completed with an
  // order id, as for the webhooks and the snippet, so the channels deduplicate; else the event's own id, or
  // the messageId Segment guarantees unique per call.
  const eventId = str(properties.event_id) ?? (event === 'purchase' && orderId ? undefined : messageId ?? undefined);
  if (eventId !== undefined) input.event_id = eventId;
  const timestamp = str(call.timestamp) ?? str(call.originalTimestamp) ?? str(call.sentAt);
  if (timestamp !== undefined) input.timestamp = timestamp;
  if (url !== undefined) input.url = url;
  if (referrer !== undefined) input.referrer = referrer;
  if (orderId !== undefined) input.order_id = orderId;
  const value = num(properties.total) ?? num(properties.revenue) ?? num(properties.value) ?? (event === 'view_item' || event === 'add_to_cart' ? productValue(properties) : undefined);
  if (value !== undefined) input.value = value;
  const currency = str(properties.currency);
  if (currency !== undefined) input.currency = currency;
  const products = Array.isArray(properties.products) ? properties.products.map(itemOf).filter((i): i is Record<string, unknown> => i !== null) : [];
  // Product Viewed / Added describe one product in the properties themselves.
  const items = products.length > 0 ? products : event === 'view_item' || event === 'add_to_cart' ? [itemOf(properties)].filter((i): i is Record<string, unknown> => i !== null) : [];
  if (items.length > 0) input.items = items;
  const query = str(properties.query);
  if (event === 'search' && query !== undefined) input.search_string = query;
  const consent = consentOf(context);
  if (consent !== undefined) input.consent_categories = consent;
  return { kind: 'event', messageId, userKey, input };
}

/** Meta's external_id: userId, else anonymousId (as Segment's own Facebook Conversions API destination maps it). */
function externalId(call: Record<string, unknown>): Record<string, unknown> {
  const id = str(call.userId) ?? str(call.anonymousId);
  return id ? { external_id: id } : {};
}

function productValue(p: Record<string, unknown>): number | undefined {
  const price = num(p.price);
  if (price === undefined) return undefined;
  return Math.round(price * (num(p.quantity) ?? 1) * 100) / 100;
}
