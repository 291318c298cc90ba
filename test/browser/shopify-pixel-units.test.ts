/** Issue 17: the Shopify custom pixel's event mapping and generator, with Shopify's documented payloads. */
import { readFileSync } from 'node:fs';
import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';
import { generateShopifyPixel, PUBLISHABLE_KEY_PLACEHOLDER } from '../../src/browser/shopify-pixel.js';
import { beaconFor, shopifyNumericId, shopifyOrderEventId, type SubscribedEvent } from '../../src/browser/shopify-pixel/beacons.js';
import { eventIdParts, orderEventId } from '../../src/core/event-id-template.js';
import { shopify } from '../../src/sources/shopify.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const events = JSON.parse(readFileSync(new URL('shopify-pixel-events.json', FIXTURES), 'utf8')) as Record<SubscribedEvent['name'], SubscribedEvent>;
const TEMPLATE = 'order-{order_id}-{event_name}';
const PARTS = eventIdParts(TEMPLATE, 'Purchase');

describe('Shopify custom pixel: event mapping', () => {
  it('reads Shopify\'s order id in both forms stores receive, and names it as the orders/create webhook does', () => {
    expect(shopifyNumericId('gid://shopify/OrderIdentity/820982911946154508')).toBe('820982911946154508');
    expect(shopifyNumericId('820982911946154508')).toBe('820982911946154508');
    expect(shopifyNumericId(null)).toBeUndefined();
    // The webhook's order id, read by the Shopify source from the signed sample (a 64-bit id, kept exact).
    const body = readFileSync(new URL('shopify-orders-create.json', FIXTURES), 'utf8');
    const parsed = shopify.parse({ headers: { 'X-Shopify-Topic': 'orders/create' }, rawBody: Buffer.from(body), now: Date.now() } as never, {} as never);
    expect(parsed.kind).toBe('events');
    const webhookOrderId = (parsed as { events: { order_id: string }[] }).events[0]!.order_id;
    expect(webhookOrderId).toBe('820982911946154508');
    const fromWebhook = orderEventId(TEMPLATE, 'Purchase', webhookOrderId);
    expect(shopifyOrderEventId(PARTS, 'gid://shopify/OrderIdentity/820982911946154508')).toBe(fromWebhook);
    expect(shopifyOrderEventId(PARTS, '820982911946154508')).toBe(fromWebhook);
    expect(fromWebhook).toBe('order-820982911946154508-Purchase');
  });

  it('maps the five standard events to Meta events with their values, items and ids', () => {
    const b = (name: SubscribedEvent['name']) => beaconFor(events[name], PARTS)!;
    expect(b('page_viewed')).toMatchObject({ event: 'PageView', event_id: events.page_viewed.id, url: 'https://snowdevil.example/products/aviator-sunglasses', timestamp: 1640995200 });
    expect(b('product_viewed')).toMatchObject({ event: 'ViewContent', value: 89.99, currency: 'USD', items: [{ id: '788032119674292922', quantity: 1, price: 89.99, name: 'Aviator sunglasses' }] });
    expect(b('product_added_to_cart')).toMatchObject({ event: 'AddToCart', value: 89.99, currency: 'USD', items: [{ id: '788032119674292922', quantity: 1 }] });
    expect(b('checkout_started')).toMatchObject({ event: 'InitiateCheckout', value: 404.95, currency: 'USD' });
    expect(b('checkout_started').items).toHaveLength(3);
    expect(b('checkout_started').order_id).toBeUndefined();
    const purchase = b('checkout_completed');
    expect(purchase).toMatchObject({ event: 'Purchase', event_id: 'order-820982911946154508-Purchase', order_id: '820982911946154508', value: 404.95, currency: 'USD' });
    // Contact data for the relay to hash (never sent anywhere else), the customer by its numeric id as the webhook has it.
    expect(purchase.user).toEqual({ email: 'jon@example.com', phone: '555-555-BILL', first_name: 'Bob', last_name: 'Biller', city: 'Billtown', state: 'KY', zip: 'K2P0B0', country: 'US', external_id: '115310627314723954' });
  });

  it('sends no Purchase it cannot name (no order id) and carries the landing fbclid', () => {
    const noOrder = JSON.parse(JSON.stringify(events.checkout_completed)) as SubscribedEvent & { data: { checkout: { order: unknown } } };
    noOrder.data.checkout.order = null;
    expect(beaconFor(noOrder, PARTS)).toBeUndefined();
    const landing = JSON.parse(JSON.stringify(events.page_viewed)) as SubscribedEvent;
    landing.context.document.location.search = '?utm_source=fb&fbclid=IwAR0xYz';
    expect(beaconFor(landing, PARTS)?.fbclid).toBe('IwAR0xYz');
  });

  it('keeps the event when the landing URL holds an fbclid that is not valid percent-encoding', () => {
    // "%E0%A4%A" is a cut-off UTF-8 sequence: decodeURIComponent throws on it, and the event was skipped.
    const purchase = JSON.parse(JSON.stringify(events.checkout_completed)) as SubscribedEvent;
    purchase.context.document.location.search = '?fbclid=IwAR%E0%A4%A';
    expect(beaconFor(purchase, PARTS)).toMatchObject({ event: 'Purchase', event_id: 'order-820982911946154508-Purchase', fbclid: 'IwAR%E0%A4%A' });
  });
});

describe('Shopify custom pixel: generator', () => {
  it('fills in the key, the relay URL and the store\'s rule, as one ES2017 script', async () => {
    const pixel = await generateShopifyPixel({ publishableKey: 'cr_pub_abc', relayUrl: 'https://relay.example.com/', eventIdTemplates: { Purchase: TEMPLATE } });
    expect(pixel).toMatchObject({ relayUrl: 'https://relay.example.com', keyIncluded: true, purchaseEventIdTemplate: TEMPLATE });
    expect(Object.keys(pixel.events)).toEqual(['page_viewed', 'product_viewed', 'product_added_to_cart', 'checkout_started', 'checkout_completed']);
    expect(pixel.code).toContain('{"key":"cr_pub_abc","endpoint":"https://relay.example.com","purchaseIdParts":["order-","-Purchase"]}');
    expect(pixel.code).not.toContain('__CONFIG__');
    expect(pixel.code).not.toContain(PUBLISHABLE_KEY_PLACEHOLDER);
    expect(() => parse(pixel.code, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow();
  });

  it('without the key (stored hashed, shown once) leaves a placeholder and says so; the default rule by default', async () => {
    const pixel = await generateShopifyPixel({ relayUrl: 'https://relay.example.com', eventIdTemplates: {} });
    expect(pixel.keyIncluded).toBe(false);
    expect(pixel.purchaseEventIdTemplate).toBe('purchase:{order_id}');
    expect(pixel.code).toContain(`"key":"${PUBLISHABLE_KEY_PLACEHOLDER}"`);
    expect(pixel.code).toContain(`Replace ${PUBLISHABLE_KEY_PLACEHOLDER}`);
  });
});
