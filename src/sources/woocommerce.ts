/** WooCommerce webhooks: base64 HMAC over the raw body, topic in `X-WC-Webhook-Topic`, unsigned save-time ping. */
import type { CommerceEvent, CommerceItem, CommerceUser } from './commerce-event.js';
import { eventSourceUrl } from './source-url.js';
import type { ParseResult, SourceDefinition, SourceSettings, WebhookRequest } from './types.js';
import { arr, cleanUser, first, header, mapJsonBody, num, obj, str, toUnixSeconds, verifyBase64Hmac, type Json } from './util.js';

/** Statuses meaning the money is in (processing = paid, awaiting fulfilment). */
const PAID_STATUSES = new Set(['processing', 'completed', 'paid']);

/** True for the form-encoded `webhook_id=N` ping WooCommerce sends, unsigned, when a webhook is saved. */
export function isWooPing(req: WebhookRequest): boolean {
  return req.rawBody.length < 64 && /^webhook_id=\d+\s*$/.test(req.rawBody.toString('utf8'));
}

function metaValue(body: Json, keys: string[]): string | undefined {
  for (const m of arr(body.meta_data)) {
    const { key, value } = obj(m);
    if (typeof key === 'string' && keys.includes(key)) return str(value);
  }
  return undefined;
}

function user(body: Json, customerId: unknown): CommerceUser | undefined {
  const billing = obj(body.billing);
  const shipping = obj(body.shipping);
  const id = str(customerId);
  return cleanUser({
    email: first(str(billing.email), str(body.email)),
    phone: first(str(billing.phone), str(shipping.phone)),
    first_name: first(str(billing.first_name), str(body.first_name), str(shipping.first_name)),
    last_name: first(str(billing.last_name), str(body.last_name), str(shipping.last_name)),
    city: first(str(billing.city), str(shipping.city)),
    state: first(str(billing.state), str(shipping.state)),
    zip: first(str(billing.postcode), str(shipping.postcode)),
    country: first(str(billing.country), str(shipping.country)),
    id: id === '0' ? undefined : id, // 0 = guest checkout
    ip: str(body.customer_ip_address),
    user_agent: str(body.customer_user_agent),
    // Tracking plugins commonly store the browser's click id / cookies as order meta.
    fbclid: metaValue(body, ['fbclid', '_fbclid']),
    fbc: metaValue(body, ['_fbc', 'fbc']),
    fbp: metaValue(body, ['_fbp', 'fbp']),
  });
}

function items(lines: unknown): CommerceItem[] {
  return arr(lines).map((l) => {
    const line = obj(l);
    const variation = str(line.variation_id);
    return {
      id: (variation && variation !== '0' ? variation : str(line.product_id)) ?? str(line.sku) ?? 'unknown',
      quantity: num(line.quantity) ?? 1,
      price: num(line.price),
      name: str(line.name),
    };
  });
}

/** What a mapping needs besides the body. */
interface Context {
  deliveryId: string | null;
  now: number;
  settings: SourceSettings;
  /**
   * The event's website URL. Order and customer payloads name no page, so it is the configured site or
   * `X-WC-Webhook-Source`, which WooCommerce fills with the WordPress home URL.
   */
  url: string | undefined;
}

function mapOrder(body: Json, { deliveryId, now, settings, url }: Context): ParseResult {
  const status = str(body.status) ?? '';
  // order.updated fires on every change; only paid states are a purchase (ids dedup repeats).
  if (!PAID_STATUSES.has(status)) return { kind: 'ignore', reason: `order status ${status || '(none)'} is not paid` };
  const orderId = str(body.id);
  if (!orderId) return { kind: 'unmappable', deliveryId, code: 'order_id_missing', message: 'order payload has no id' };
  const event: CommerceEvent = {
    event: 'purchase',
    // No event_id: the store's Purchase template names the order (transform), as on every other channel.
    timestamp: first(toUnixSeconds(body.date_paid_gmt), toUnixSeconds(body.date_created_gmt)) ?? Math.floor(now / 1000),
    action_source: 'website',
    url,
    value: num(body.total),
    currency: str(body.currency),
    order_id: orderId,
    items: items(body.line_items),
    user: user(body, body.customer_id),
  };
  return { kind: 'events', deliveryId, events: [event] };
}

function mapCustomer(body: Json, { deliveryId, now, url }: Context): ParseResult {
  const customerId = str(body.id);
  if (!customerId) return { kind: 'unmappable', deliveryId, code: 'object_id_missing', message: 'customer payload has no id' };
  const event: CommerceEvent = {
    event: 'sign_up',
    event_id: `woocommerce:customer.created:${customerId}`,
    timestamp: toUnixSeconds(body.date_created_gmt) ?? Math.floor(now / 1000),
    action_source: 'website',
    url,
    user: user(body, body.id),
  };
  return { kind: 'events', deliveryId, events: [event] };
}

/** WooCommerce source definition. */
export const woocommerce: SourceDefinition = {
  platform: 'woocommerce',
  isPing: isWooPing,
  verify(req: WebhookRequest, secrets: string[]) {
    // The ping is unsigned by design and maps to nothing, so letting it through grants nothing.
    if (isWooPing(req)) return { ok: true };
    return verifyBase64Hmac(header(req.headers, 'X-WC-Webhook-Signature'), req.rawBody, secrets, 'X-WC-Webhook-Signature');
  },
  parse(req: WebhookRequest, settings: SourceSettings): ParseResult {
    if (isWooPing(req)) return { kind: 'ignore', reason: 'webhook ping' };
    const topic = header(req.headers, 'X-WC-Webhook-Topic') ?? '';
    const deliveryId = header(req.headers, 'X-WC-Webhook-Delivery-ID') ?? null;
    const isOrder = topic === 'order.created' || topic === 'order.updated';
    if (!isOrder && topic !== 'customer.created') return { kind: 'ignore', reason: `topic ${topic || '(none)'} produces no event` };
    const url = eventSourceUrl(settings, { platformSite: header(req.headers, 'X-WC-Webhook-Source') });
    const ctx: Context = { deliveryId, now: req.now, settings, url };
    return mapJsonBody(req.rawBody, deliveryId, (body) => (isOrder ? mapOrder(body, ctx) : mapCustomer(body, ctx)));
  },
};
