import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripe, stripeAmount } from './stripe.js';
import type { WebhookRequest } from './types.js';

const DIR = resolve(import.meta.dirname, '../../test/fixtures');
const SECRET = 'whsec_capi_relay_test';
const CREATED = 1648320033;
function fixture(now = CREATED * 1000): WebhookRequest {
  const name = 'stripe-payment-intent-succeeded';
  const headers = JSON.parse(readFileSync(resolve(DIR, `${name}.headers.json`), 'utf8')) as Record<string, string>;
  return { headers, rawBody: readFileSync(resolve(DIR, `${name}.json`)), now };
}
function signed(body: unknown, t = CREATED): WebhookRequest {
  const raw = Buffer.from(JSON.stringify(body));
  const v1 = createHmac('sha256', SECRET).update(`${t}.`).update(raw).digest('hex');
  return { headers: { 'stripe-signature': `t=${t},v1=${v1}` }, rawBody: raw, now: t * 1000 };
}

describe('stripe verify', () => {
  it('accepts the fixture with the clock pinned, and the previous secret', () => {
    expect(stripe.verify(fixture(), [SECRET])).toEqual({ ok: true });
    expect(stripe.verify(fixture((CREATED + 299) * 1000), ['whsec_new', SECRET])).toEqual({ ok: true });
  });
  it('rejects outside the 300 s tolerance', () => {
    expect(stripe.verify(fixture((CREATED + 301) * 1000), [SECRET])).toMatchObject({ code: 'timestamp_out_of_tolerance' });
    expect(stripe.verify(fixture((CREATED - 301) * 1000), [SECRET])).toMatchObject({ code: 'timestamp_out_of_tolerance' });
  });
  it('rejects a tampered body, a wrong secret, a missing or malformed header', () => {
    const req = fixture();
    const tampered = Buffer.from(req.rawBody.toString('utf8').replace('"amount": 2000', '"amount": 1'));
    expect(stripe.verify({ ...req, rawBody: tampered }, [SECRET])).toMatchObject({ code: 'signature_invalid' });
    expect(stripe.verify(req, ['whsec_wrong'])).toMatchObject({ code: 'signature_invalid' });
    expect(stripe.verify({ ...req, headers: {} }, [SECRET])).toMatchObject({ code: 'signature_missing' });
    expect(stripe.verify({ ...req, headers: { 'Stripe-Signature': 't=1' } }, [SECRET])).toMatchObject({ code: 'signature_malformed' });
  });
});

describe('stripe parse', () => {
  it('maps payment_intent.succeeded to a purchase', () => {
    const r = stripe.parse(fixture(), {});
    expect(r).toMatchObject({ kind: 'events', deliveryId: 'evt_000000000000000000000000' });
    if (r.kind !== 'events') return;
    expect(r.events[0]).toMatchObject({
      event: 'purchase',
      order_id: 'pi_000000000000000000000000',
      value: 20,
      currency: 'USD',
      timestamp: 1648320032,
      user: { first_name: 'Jenny', last_name: 'Rosen', city: 'San Francisco', state: 'CA', zip: '94103', country: 'US' },
    });
    expect(r.events[0]?.user?.email).toBeUndefined();
  });

  it('maps a paid checkout.session.completed with customer details and zero-decimal currency', () => {
    const session = {
      id: 'cs_test_1', object: 'checkout.session', amount_total: 5000, currency: 'jpy', created: 1700000000,
      payment_intent: 'pi_42', payment_status: 'paid', customer: 'cus_9',
      customer_details: { email: 'buyer@example.com', name: 'Ada Lovelace', phone: '+441234', address: { city: 'London', country: 'GB', postal_code: 'N1', state: null } },
      metadata: { fbc: 'fb.1.1700000000.abc' },
    };
    const r = stripe.parse(signed({ id: 'evt_2', type: 'checkout.session.completed', created: 1700000001, data: { object: session } }), {});
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      order_id: 'pi_42', value: 5000, currency: 'JPY',
      user: { email: 'buyer@example.com', first_name: 'Ada', last_name: 'Lovelace', city: 'London', id: 'cus_9', fbc: 'fb.1.1700000000.abc' },
    });
    const unpaid = stripe.parse(signed({ id: 'evt_3', type: 'checkout.session.completed', data: { object: { ...session, payment_status: 'unpaid' } } }), {});
    expect(unpaid.kind).toBe('ignore');
  });

  it('fills event_source_url from metadata, the success page (without its query) or the configured site', () => {
    // A payment intent names no page: only the configured site can say where it happened.
    const bare = stripe.parse(fixture(), {});
    expect(bare.kind === 'events' && bare.events[0]?.url).toBeUndefined();
    const site = stripe.parse(fixture(), { siteUrl: 'https://shop.example.com/' });
    expect(site.kind === 'events' && site.events[0]?.url).toBe('https://shop.example.com/');
    const session = { id: 'cs_1', amount_total: 1000, currency: 'eur', payment_status: 'paid', success_url: 'https://shop.example.com/thanks?session_id={CHECKOUT_SESSION_ID}' };
    const done = stripe.parse(signed({ id: 'evt_5', type: 'checkout.session.completed', data: { object: session } }), { siteUrl: 'https://other.example.com/' });
    expect(done.kind === 'events' && done.events[0]?.url).toBe('https://shop.example.com/thanks');
    const named = stripe.parse(signed({ id: 'evt_6', type: 'checkout.session.completed', data: { object: { ...session, metadata: { event_source_url: 'https://shop.example.com/checkout/done?email=a@b.co' } } } }), {});
    expect(named.kind === 'events' && named.events[0]?.url).toBe('https://shop.example.com/checkout/done');
  });

  it('converts minor units per currency and ignores other types', () => {
    expect(stripeAmount(1999, 'usd')).toBe(19.99);
    expect(stripeAmount(500, 'KRW')).toBe(500);
    expect(stripeAmount(1500, 'kwd')).toBe(1.5);
    expect(stripe.parse(signed({ id: 'evt_4', type: 'charge.refunded', data: { object: {} } }), {}).kind).toBe('ignore');
  });
});
