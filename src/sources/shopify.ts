/** Shopify webhooks: base64 HMAC over the raw body, topic in `X-Shopify-Topic`, 64-bit ids read as strings. */
import type { CommerceEvent, CommerceItem, CommerceUser } from './commerce-event.js';
import { eventSourceUrl, pageUrl, siteFromHost } from './source-url.js';
import type { ParseResult, SourceDefinition, SourceSettings, WebhookRequest } from './types.js';
import { arr, cleanUser, fbclidFromUrl, first, header, mapJsonBody, num, obj, str, toUnixSeconds, verifyBase64Hmac, type Json } from './util.js';

const PURCHASE_TOPICS = new Set(['orders/create', 'orders/paid']);
const CART_TOPICS = new Set(['carts/create', 'carts/update']);

function items(lines: unknown): CommerceItem[] {
  return arr(lines).map((l) => {
    const line = obj(l);
    return {
      // product_id matches the catalog's content id; custom lines (no product) fall back to sku/line id.
      id: first(str(line.product_id), str(line.variant_id), str(line.sku), str(line.id)) ?? 'unknown',
      quantity: num(line.quantity) ?? 1,
      price: num(line.price),
      name: first(str(line.title), str(line.name)),
    };
  });
}

/** Click ids and browser cookies that themes/apps store as note attributes (cart attributes). */
function noteAttr(body: Json, names: string[]): string | undefined {
  for (const a of arr(body.note_attributes)) {
    const { name, value } = obj(a);
    if (typeof name === 'string' && names.includes(name)) return str(value);
  }
  return undefined;
}

/** `body` is an order/checkout with a nested customer, or (customers/*) the customer itself. */
function user(body: Json, isCustomer = false): CommerceUser | undefined {
  const customer = isCustomer ? body : obj(body.customer);
  const addr = obj(first(
    isFilled(body.billing_address),
    isFilled(body.shipping_address),
    isFilled(customer.default_address),
    isFilled(body.default_address),
  ));
  return cleanUser({
    email: first(str(body.email), str(body.contact_email), str(customer.email)),
    phone: first(str(body.phone), str(customer.phone), str(addr.phone)),
    first_name: first(str(addr.first_name), str(customer.first_name), str(body.first_name)),
    last_name: first(str(addr.last_name), str(customer.last_name), str(body.last_name)),
    city: str(addr.city),
    state: first(str(addr.province_code), str(addr.province)),
    zip: str(addr.zip),
    country: first(str(addr.country_code), str(addr.country)),
    id: str(customer.id),
    ip: str(body.browser_ip),
    user_agent: str(obj(body.client_details).user_agent),
    fbclid: first(fbclidFromUrl(str(body.landing_site)), noteAttr(body, ['fbclid', '_fbclid'])),
    fbc: noteAttr(body, ['_fbc', 'fbc']),
    fbp: noteAttr(body, ['_fbp', 'fbp']),
  });
}

function isFilled(v: unknown): Json | undefined {
  return v && typeof v === 'object' && Object.keys(v).length ? (v as Json) : undefined;
}

function actionSource(body: Json): string {
  // POS orders happened in a shop, not on the website.
  return str(body.source_name) === 'pos' ? 'physical_store' : 'website';
}

/** What a mapping needs besides the body: the delivery, the clock, the source settings and the shop. */
interface Context {
  deliveryId: string | null;
  now: number;
  settings: SourceSettings;
  /** `https://{X-Shopify-Shop-Domain}/`: the shop's myshopify.com address, when the header is sane. */
  shopSite: string | undefined;
}

/**
 * Website events only. The order status page is the page of a purchase; otherwise the landing page of the
 * visit (a path, on the configured site or the shop's own domain), then the site itself.
 */
function sourceUrl(body: Json, actionSourceName: string, ctx: Context): string | undefined {
  if (actionSourceName !== 'website') return undefined;
  const base = pageUrl(ctx.settings.siteUrl) ?? ctx.shopSite;
  return eventSourceUrl(ctx.settings, {
    pages: [str(body.order_status_url), base && pageUrl(str(body.landing_site), base)],
    platformSite: ctx.shopSite,
  });
}

function mapOrder(body: Json, ctx: Context): ParseResult {
  const { deliveryId, now, settings } = ctx;
  const orderId = str(body.id);
  if (!orderId) return { kind: 'unmappable', deliveryId, code: 'order_id_missing', message: 'order payload has no id' };
  const source = actionSource(body);
  const event: CommerceEvent = {
    event: 'purchase',
    // No event_id: the store's Purchase template names the order (transform), as on every other channel.
    timestamp: toUnixSeconds(first(str(body.processed_at), str(body.created_at))) ?? Math.floor(now / 1000),
    action_source: source,
    url: sourceUrl(body, source, ctx),
    value: num(body.total_price),
    currency: str(body.currency),
    order_id: orderId,
    items: items(body.line_items),
    user: user(body),
  };
  return { kind: 'events', deliveryId, events: [event] };
}

function mapOther(topic: string, body: Json, ctx: Context): ParseResult {
  const { deliveryId, now } = ctx;
  let event: string;
  let key: string | undefined;
  if (topic === 'checkouts/create') {
    event = 'begin_checkout';
    key = first(str(body.id), str(body.token)); // checkout samples may lack id; token is stable per checkout
  } else if (CART_TOPICS.has(topic)) {
    event = 'add_to_cart';
    // A cart is updated many times: the update time separates real changes, while retries keep it.
    const cart = first(str(body.token), str(body.id));
    key = cart && `${cart}:${str(body.updated_at) ?? ''}`;
  } else {
    event = 'sign_up';
    key = str(body.id);
  }
  if (!key) return { kind: 'unmappable', deliveryId, code: 'object_id_missing', message: `${topic} payload has no id or token` };
  const lines = items(body.line_items);
  const value = num(body.total_price) ?? (lines.length ? sumLines(body.line_items) : undefined);
  const out: CommerceEvent = {
    event,
    event_id: `shopify:${topic}:${key}`,
    timestamp: toUnixSeconds(first(str(body.created_at), str(body.updated_at))) ?? Math.floor(now / 1000),
    action_source: 'website',
    url: sourceUrl(body, 'website', ctx),
    value: event === 'sign_up' ? undefined : value,
    currency: event === 'sign_up' ? undefined : first(str(body.currency), lineCurrency(body.line_items)),
    items: lines.length ? lines : undefined,
    user: user(body, event === 'sign_up'),
  };
  return { kind: 'events', deliveryId, events: [out] };
}

function sumLines(lines: unknown): number {
  let cents = 0;
  for (const l of arr(lines)) {
    const line = obj(l);
    cents += Math.round((num(line.line_price) ?? (num(line.price) ?? 0) * (num(line.quantity) ?? 1)) * 100);
  }
  return cents / 100;
}

function lineCurrency(lines: unknown): string | undefined {
  const l = obj(arr(lines)[0]);
  return str(obj(obj(l.price_set).presentment_money).currency_code);
}

/** Shopify source definition. */
export const shopify: SourceDefinition = {
  platform: 'shopify',
  verify(req: WebhookRequest, secrets: string[]) {
    return verifyBase64Hmac(header(req.headers, 'X-Shopify-Hmac-Sha256'), req.rawBody, secrets, 'X-Shopify-Hmac-Sha256');
  },
  parse(req: WebhookRequest, settings: SourceSettings): ParseResult {
    const topic = header(req.headers, 'X-Shopify-Topic') ?? '';
    const deliveryId = header(req.headers, 'X-Shopify-Webhook-Id') ?? null;
    const mapped = PURCHASE_TOPICS.has(topic) || CART_TOPICS.has(topic) || topic === 'checkouts/create' || topic === 'customers/create';
    if (!mapped) return { kind: 'ignore', reason: `topic ${topic || '(none)'} produces no event` };
    const ctx: Context = { deliveryId, now: req.now, settings, shopSite: siteFromHost(header(req.headers, 'X-Shopify-Shop-Domain')) };
    return mapJsonBody(req.rawBody, deliveryId, (body) => (PURCHASE_TOPICS.has(topic) ? mapOrder(body, ctx) : mapOther(topic, body, ctx)), { keepBigInts: true });
  },
};
