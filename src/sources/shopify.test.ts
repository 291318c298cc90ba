import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shopify } from './shopify.js';
import type { WebhookRequest } from './types.js';

// Platform payload samples with their headers and test secrets: test/fixtures/README.md.
const DIR = resolve(import.meta.dirname, '../../test/fixtures');
const SECRET = 'capi-relay-test-shopify-secret';
function fixture(name: string): WebhookRequest {
  const headers = JSON.parse(readFileSync(resolve(DIR, `${name}.headers.json`), 'utf8')) as Record<string, string>;
  return { headers, rawBody: readFileSync(resolve(DIR, `${name}.json`)), now: Date.parse('2025-07-10T16:15:47Z') };
}

describe('shopify verify', () => {
  const req = fixture('shopify-orders-create');
  it('accepts the exact fixture bytes', () => {
    expect(shopify.verify(req, [SECRET])).toEqual({ ok: true });
  });
  it('accepts the previous secret during rotation', () => {
    expect(shopify.verify(req, ['new-secret', SECRET])).toEqual({ ok: true });
  });
  it('accepts lower-cased header names', () => {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(shopify.verify({ ...req, headers }, [SECRET]).ok).toBe(true);
  });
  it('rejects a tampered body, a wrong secret and a missing header', () => {
    const tampered = Buffer.from(req.rawBody.toString('utf8').replace('404.95', '4.95'));
    expect(shopify.verify({ ...req, rawBody: tampered }, [SECRET])).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(shopify.verify(req, ['wrong'])).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(shopify.verify(req, [])).toMatchObject({ ok: false, code: 'signature_invalid' });
    const { ['X-Shopify-Hmac-Sha256']: _h, ...rest } = req.headers;
    expect(shopify.verify({ ...req, headers: rest }, [SECRET])).toMatchObject({ ok: false, code: 'signature_missing' });
  });
  it('verifies every fixture', () => {
    for (const f of ['shopify-carts-update', 'shopify-checkouts-create', 'shopify-customers-create']) {
      expect(shopify.verify(fixture(f), [SECRET]).ok).toBe(true);
    }
  });
});

describe('shopify parse', () => {
  it('maps orders/create to a purchase with the exact 64-bit order id', () => {
    const r = shopify.parse(fixture('shopify-orders-create'), {});
    expect(r.kind).toBe('events');
    if (r.kind !== 'events') return;
    expect(r.deliveryId).toBe('545ebdd4-b7be-4d3d-b14e-54aa78e0e0f9');
    const [e] = r.events;
    expect(e).toMatchObject({
      event: 'purchase',
      order_id: '820982911946154508',
      value: 404.95,
      currency: 'USD',
      action_source: 'website',
      timestamp: Date.parse('2021-12-31T19:00:00-05:00') / 1000,
      user: { email: 'jon@example.com', first_name: 'Steve', last_name: 'Shipper', city: 'Shippington', state: 'KY', zip: '40003', country: 'US', id: '115310627314723954' },
    });
    expect(e?.items).toHaveLength(5);
    expect(e?.items?.[0]).toEqual({ id: '788032119674292922', quantity: 1, price: 89.99, name: 'Aviator sunglasses' });
    expect(e?.items?.[1]?.id).toBe('LENS-PROTECT-2YR');
  });

  it('treats orders/paid as the same order, and leaves its event_id to the store\'s Purchase template', () => {
    const req = fixture('shopify-orders-create');
    const paid = shopify.parse({ ...req, headers: { ...req.headers, 'X-Shopify-Topic': 'orders/paid' } }, {});
    expect(paid.kind === 'events' && paid.events[0]?.order_id).toBe('820982911946154508');
    // The transform names it from the store's one template (core/event-id-template.ts), as every channel does.
    expect(paid.kind === 'events' && 'event_id' in paid.events[0]!).toBe(false);
  });

  it('reads IP, user agent and fbclid when the order carries them', () => {
    const req = fixture('shopify-orders-create');
    const body = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>;
    body.browser_ip = '203.0.113.7';
    body.client_details = { user_agent: 'Mozilla/5.0' };
    body.landing_site = '/products/x?utm_source=fb&fbclid=IwAR123';
    body.note_attributes = [{ name: '_fbp', value: 'fb.1.1700000000.123' }];
    const r = shopify.parse({ ...req, rawBody: Buffer.from(JSON.stringify(body)) }, {});
    expect(r.kind === 'events' && r.events[0]?.user).toMatchObject({ ip: '203.0.113.7', user_agent: 'Mozilla/5.0', fbclid: 'IwAR123', fbp: 'fb.1.1700000000.123' });
  });

  it('maps checkouts/create keyed by token', () => {
    const r = shopify.parse(fixture('shopify-checkouts-create'), {});
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      event: 'begin_checkout',
      event_id: 'shopify:checkouts/create:123123123',
      value: 421.88,
      currency: 'USD',
      user: { email: 'example@email.com', city: 'Billtown', zip: 'K2P0B0', country: 'US' },
    });
  });

  it('maps carts/update to add_to_cart with line value and currency', () => {
    const r = shopify.parse(fixture('shopify-carts-update'), {});
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      event: 'add_to_cart',
      event_id: 'shopify:carts/update:exampleCartId:2022-01-01T00:00:00.000Z',
      value: 59.97,
      currency: 'USD',
      items: [{ id: '788032119674292922', quantity: 3, price: 19.99 }],
    });
  });

  it('maps customers/create to sign_up', () => {
    const r = shopify.parse(fixture('shopify-customers-create'), {});
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      event: 'sign_up',
      event_id: 'shopify:customers/create:706405506930370084',
      user: { email: 'bob@biller.com', first_name: 'Bob', city: 'Ottawa', zip: 'K2P 2L8', country: 'CA', id: '706405506930370084' },
    });
  });

  it('fills event_source_url: order status page without its key, landing page, configured site, shop domain', () => {
    const order = shopify.parse(fixture('shopify-orders-create'), {});
    expect(order.kind === 'events' && order.events[0]?.url).toBe('https://jsmith.myshopify.com/548380009/orders/123456abcd/authenticate');
    // Checkouts and carts name no page of their own: the shop's domain from X-Shopify-Shop-Domain …
    const cart = shopify.parse(fixture('shopify-carts-update'), {});
    expect(cart.kind === 'events' && cart.events[0]?.url).toBe('https://snowdevil.myshopify.com/');
    // … unless the source has a site URL (the storefront's own domain, which Meta has verified).
    const checkout = shopify.parse(fixture('shopify-checkouts-create'), { siteUrl: 'https://shop.example.com/' });
    expect(checkout.kind === 'events' && checkout.events[0]?.url).toBe('https://shop.example.com/');
    const req = fixture('shopify-checkouts-create');
    const body = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>;
    body.landing_site = '/products/snowboard?utm_source=fb&fbclid=IwAR123';
    const landed = shopify.parse({ ...req, rawBody: Buffer.from(JSON.stringify(body)) }, { siteUrl: 'https://shop.example.com' });
    expect(landed.kind === 'events' && landed.events[0]).toMatchObject({ url: 'https://shop.example.com/products/snowboard', user: { fbclid: 'IwAR123' } });
  });

  it('gives POS orders no event_source_url, and ignores a malformed shop domain header', () => {
    const req = fixture('shopify-orders-create');
    const body = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>;
    body.source_name = 'pos';
    const pos = shopify.parse({ ...req, rawBody: Buffer.from(JSON.stringify(body)) }, { siteUrl: 'https://shop.example.com/' });
    expect(pos.kind === 'events' && pos.events[0]).toMatchObject({ action_source: 'physical_store', url: undefined });
    const cart = fixture('shopify-carts-update');
    const odd = shopify.parse({ ...cart, headers: { ...cart.headers, 'X-Shopify-Shop-Domain': 'evil.example/x?y' } }, {});
    expect(odd.kind === 'events' && odd.events[0]?.url).toBeUndefined();
  });

  it('ignores other topics and flags bodies that are not JSON', () => {
    const req = fixture('shopify-orders-create');
    expect(shopify.parse({ ...req, headers: { ...req.headers, 'X-Shopify-Topic': 'products/update' } }, {}).kind).toBe('ignore');
    expect(shopify.parse({ ...req, rawBody: Buffer.from('nope') }, {})).toMatchObject({ kind: 'unmappable', code: 'invalid_json' });
  });
});
