/**
 * Shopify's standard customer events (Web Pixels API) → /v1/collect beacons. Pure: the sandbox wiring is in
 * main.ts. A Purchase is named by the store's one rule from Shopify's order id, so the `orders/create` webhook
 * (whose `id` is the same number) gives it the same event_id and Meta counts the order once.
 */
import type {
  CheckoutLineItem,
  MailingAddress,
  MoneyV2,
  PixelEventsCheckoutCompleted,
  PixelEventsCheckoutStarted,
  PixelEventsPageViewed,
  PixelEventsProductAddedToCart,
  PixelEventsProductViewed,
  ProductVariant,
} from '@shopify/web-pixels-extension';
import { orderEventIdFromParts } from '../../core/event-id-template.js';
import { decodeQueryPart } from '../../core/uri-decode.js';

/** The five events the pixel subscribes to, and the Meta standard event each becomes. */
export const SUBSCRIBED_EVENTS = {
  page_viewed: 'PageView',
  product_viewed: 'ViewContent',
  product_added_to_cart: 'AddToCart',
  checkout_started: 'InitiateCheckout',
  checkout_completed: 'Purchase',
} as const;

export type SubscribedEvent =
  | PixelEventsPageViewed
  | PixelEventsProductViewed
  | PixelEventsProductAddedToCart
  | PixelEventsCheckoutStarted
  | PixelEventsCheckoutCompleted;

export interface BeaconItem {
  id: string;
  quantity: number;
  price?: number;
  name?: string;
}

/** A /v1/collect body without the browser ids (main.ts adds key, consent, fbp, fbc). */
export interface Beacon {
  event: string;
  event_id: string;
  url: string;
  timestamp: number;
  referrer?: string;
  fbclid?: string;
  value?: number;
  currency?: string;
  order_id?: string;
  items?: BeaconItem[];
  content_type?: string;
  user?: Record<string, string>;
}

/**
 * `gid://shopify/OrderIdentity/820982911946154508` → `820982911946154508`. Shopify's checkout payload gives some
 * stores the global id and others the bare number; the webhooks' `id` is always the bare number.
 */
export function shopifyNumericId(id: string | null | undefined): string | undefined {
  if (id === null || id === undefined) return undefined;
  const s = String(id).trim();
  const m = /^gid:\/\/shopify\/[A-Za-z]+\/(\d+)(?:\?.*)?$/.exec(s);
  if (m) return m[1];
  return s === '' ? undefined : s;
}

/** The event_id of a Shopify order under the store's rule: what the `orders/create` webhook gets for `id`. */
export function shopifyOrderEventId(purchaseIdParts: readonly string[], orderId: string | null | undefined): string | undefined {
  const id = shopifyNumericId(orderId);
  return id === undefined ? undefined : orderEventIdFromParts(purchaseIdParts, id);
}

function variantItem(v: ProductVariant | null | undefined, quantity: number): BeaconItem | undefined {
  if (!v) return undefined;
  // The product id, as the order webhook's line items give it (product_id), so the catalogue ids agree.
  const id = shopifyNumericId(v.product && v.product.id) || shopifyNumericId(v.id) || (v.sku ? v.sku : undefined);
  if (!id) return undefined;
  const item: BeaconItem = { id, quantity };
  if (v.price && typeof v.price.amount === 'number') item.price = v.price.amount;
  const name = (v.product && v.product.title) || v.title;
  if (name) item.name = name;
  return item;
}

function lineItems(lines: readonly CheckoutLineItem[] | null | undefined): BeaconItem[] {
  const out: BeaconItem[] = [];
  for (const line of lines || []) {
    const item = variantItem(line.variant, line.quantity || 1);
    if (item) out.push(item);
  }
  return out;
}

function money(target: Beacon, m: MoneyV2 | null | undefined, currency?: string | null): void {
  if (m && typeof m.amount === 'number') target.value = m.amount;
  const c = (m && m.currencyCode) || currency;
  if (c) target.currency = c;
}

function contact(email: string | null, phone: string | null, address: MailingAddress | null, customerId: string | undefined): Record<string, string> | undefined {
  const user: Record<string, string> = {};
  const put = (k: string, v: string | null | undefined) => {
    if (v) user[k] = v;
  };
  put('email', email);
  put('phone', phone || (address && address.phone));
  if (address) {
    put('first_name', address.firstName);
    put('last_name', address.lastName);
    put('city', address.city);
    put('state', address.provinceCode || address.province);
    put('zip', address.zip);
    put('country', address.countryCode || address.country);
  }
  put('external_id', customerId);
  return Object.keys(user).length ? user : undefined;
}

function param(search: string, name: string): string | undefined {
  const m = new RegExp('[?&]' + name + '=([^&#]*)').exec(search || '');
  // A value that is not valid percent-encoding is kept as it is: throwing here skipped the whole event.
  return m && m[1] ? decodeQueryPart(m[1]) : undefined;
}

/** The beacon for one of the subscribed events; undefined when it cannot be named (a Purchase without an order id). */
export function beaconFor(event: SubscribedEvent, purchaseIdParts: readonly string[]): Beacon | undefined {
  const location = event.context.document.location;
  const at = Date.parse(event.timestamp);
  const b: Beacon = {
    event: SUBSCRIBED_EVENTS[event.name],
    event_id: event.id,
    url: location.href,
    timestamp: Math.floor((Number.isFinite(at) ? at : Date.now()) / 1000),
  };
  if (event.context.document.referrer) b.referrer = event.context.document.referrer;
  const fbclid = param(location.search, 'fbclid');
  if (fbclid) b.fbclid = fbclid;

  switch (event.name) {
    case 'page_viewed':
      break;
    case 'product_viewed': {
      const v = event.data.productVariant;
      const item = variantItem(v, 1);
      if (item) b.items = [item];
      money(b, v && v.price);
      b.content_type = 'product';
      break;
    }
    case 'product_added_to_cart': {
      const line = event.data.cartLine;
      if (!line) break;
      const item = variantItem(line.merchandise, line.quantity || 1);
      if (item) b.items = [item];
      money(b, line.cost && line.cost.totalAmount);
      b.content_type = 'product';
      break;
    }
    case 'checkout_started':
    case 'checkout_completed': {
      const c = event.data.checkout;
      b.items = lineItems(c.lineItems);
      money(b, c.totalPrice, c.currencyCode);
      b.content_type = 'product';
      if (event.name === 'checkout_completed') {
        const orderId = shopifyNumericId(c.order && c.order.id);
        const eventId = shopifyOrderEventId(purchaseIdParts, orderId);
        if (!orderId || !eventId) return undefined;
        b.order_id = orderId;
        b.event_id = eventId;
        const customer = c.order && c.order.customer;
        const user = contact(c.email, c.phone, c.billingAddress || c.shippingAddress, shopifyNumericId(customer && customer.id));
        if (user) b.user = user;
      }
      break;
    }
  }
  return b;
}
