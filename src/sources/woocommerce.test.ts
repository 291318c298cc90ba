import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from './types.js';
import { woocommerce } from './woocommerce.js';

const DIR = resolve(import.meta.dirname, '../../test/fixtures');
const SECRET = 'capi-relay-test-woo-secret';
function fixture(name: string): WebhookRequest {
  const headers = JSON.parse(readFileSync(resolve(DIR, `${name}.headers.json`), 'utf8')) as Record<string, string>;
  return { headers, rawBody: readFileSync(resolve(DIR, `${name}.json`)), now: Date.parse('2017-03-22T19:30:00Z') };
}
function withBody(req: WebhookRequest, patch: Record<string, unknown>): WebhookRequest {
  const body = { ...(JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>), ...patch };
  return { ...req, rawBody: Buffer.from(JSON.stringify(body)) };
}

describe('woocommerce verify', () => {
  const req = fixture('woocommerce-order-created');
  it('accepts the exact fixture bytes, and the previous secret', () => {
    expect(woocommerce.verify(req, [SECRET])).toEqual({ ok: true });
    expect(woocommerce.verify(req, ['rotated', SECRET])).toEqual({ ok: true });
    expect(woocommerce.verify(fixture('woocommerce-customer-created'), [SECRET]).ok).toBe(true);
  });
  it('rejects a tampered body, a wrong secret and a missing header', () => {
    expect(woocommerce.verify(withBody(req, { total: '0.01' }), [SECRET])).toMatchObject({ code: 'signature_invalid' });
    expect(woocommerce.verify(req, ['wrong'])).toMatchObject({ code: 'signature_invalid' });
    const { ['X-WC-Webhook-Signature']: _s, ...rest } = req.headers;
    expect(woocommerce.verify({ ...req, headers: rest }, [SECRET])).toMatchObject({ code: 'signature_missing' });
  });
});

describe('woocommerce parse', () => {
  it('recognises the unsigned ping and ignores it', () => {
    const ping: WebhookRequest = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: Buffer.from('webhook_id=12'), now: 0 };
    expect(woocommerce.isPing?.(ping)).toBe(true);
    expect(woocommerce.verify(ping, [SECRET]).ok).toBe(true);
    expect(woocommerce.parse(ping, {})).toEqual({ kind: 'ignore', reason: 'webhook ping' });
    expect(woocommerce.isPing?.(fixture('woocommerce-order-created'))).toBe(false);
  });

  it('maps a processing order to a purchase', () => {
    const r = woocommerce.parse(fixture('woocommerce-order-created'), {});
    expect(r.kind).toBe('events');
    if (r.kind !== 'events') return;
    expect(r.deliveryId).toBe('0f0e0d0c0b0a09080706050403020100');
    expect(r.events[0]).toEqual({
      event: 'purchase',
      timestamp: Date.parse('2017-03-22T19:28:08Z') / 1000,
      action_source: 'website',
      // X-WC-Webhook-Source: the WordPress home URL.
      url: 'https://example.com/',
      value: 29.35,
      currency: 'USD',
      order_id: '727',
      items: [
        { id: '93', quantity: 2, price: 3, name: 'Woo Single #1' },
        { id: '23', quantity: 1, price: 12, name: 'Ship Your Idea &ndash; Color: Black, Size: M Test' },
      ],
      user: {
        email: 'john.doe@example.com',
        phone: '(555) 555-5555',
        first_name: 'John',
        last_name: 'Doe',
        city: 'San Francisco',
        state: 'CA',
        zip: '94103',
        country: 'US',
      },
    });
  });

  it('reads IP and user agent, and maps order.updated only when paid', () => {
    const req = fixture('woocommerce-order-created');
    const upd = { ...req, headers: { ...req.headers, 'X-WC-Webhook-Topic': 'order.updated' } };
    const r = woocommerce.parse(withBody(upd, { customer_ip_address: '198.51.100.4', customer_user_agent: 'UA/1', customer_id: 9 }), {});
    expect(r.kind === 'events' && r.events[0]?.user).toMatchObject({ ip: '198.51.100.4', user_agent: 'UA/1', id: '9' });
    expect(woocommerce.parse(withBody(upd, { status: 'pending' }), {})).toMatchObject({ kind: 'ignore' });
  });

  it('maps customer.created to sign_up', () => {
    const r = woocommerce.parse(fixture('woocommerce-customer-created'), {});
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      event: 'sign_up',
      event_id: 'woocommerce:customer.created:25',
      user: { email: 'john.doe@example.com', first_name: 'John', zip: '94103', id: '25' },
    });
  });

  it('takes event_source_url from the configured site before X-WC-Webhook-Source, and none without either', () => {
    const req = fixture('woocommerce-customer-created');
    const site = woocommerce.parse(req, { siteUrl: 'https://shop.example.com/' });
    expect(site.kind === 'events' && site.events[0]?.url).toBe('https://shop.example.com/');
    const { ['X-WC-Webhook-Source']: _src, ...rest } = req.headers;
    const none = woocommerce.parse({ ...req, headers: rest }, {});
    expect(none.kind === 'events' && none.events[0]?.url).toBeUndefined();
    const bad = woocommerce.parse({ ...req, headers: { ...req.headers, 'X-WC-Webhook-Source': 'not a url' } }, {});
    expect(bad.kind === 'events' && bad.events[0]?.url).toBeUndefined();
  });

  it('ignores unknown topics', () => {
    const req = fixture('woocommerce-order-created');
    expect(woocommerce.parse({ ...req, headers: { ...req.headers, 'X-WC-Webhook-Topic': 'product.updated' } }, {}).kind).toBe('ignore');
  });
});
