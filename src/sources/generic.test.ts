import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generic, signGeneric } from './generic.js';
import { isPlatform, sourceDefinitions } from './index.js';
import type { WebhookRequest } from './types.js';

const SECRET = 'generic-secret';
const event = { event: 'purchase', event_id: 'purchase:1', timestamp: 1700000000, value: 10, currency: 'EUR', order_id: '1' };
const T = 1700000000;
function req(body: unknown, secret = SECRET): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(body));
  return { headers: { 'x-capi-relay-signature': signGeneric(secret, rawBody, T), 'X-Capi-Relay-Delivery-Id': 'd-1' }, rawBody, now: T * 1000 };
}

describe('generic source', () => {
  it('verifies t=…,v1=… over "{t}.{body}" with current or previous secret, giving the signature as replay key', () => {
    const r = req(event);
    const v1 = /v1=([0-9a-f]{64})$/.exec(r.headers['x-capi-relay-signature']!)![1];
    expect(generic.verify(r, [SECRET])).toEqual({ ok: true, replayKey: `${T}.${v1}` });
    expect(generic.verify(r, ['next', SECRET])).toMatchObject({ ok: true });
  });
  it('refuses a timestamp outside the tolerance (default 300 s, or the configured one) after checking the signature', () => {
    const r = req(event);
    expect(generic.verify({ ...r, now: (T + 300) * 1000 }, [SECRET])).toMatchObject({ ok: true });
    expect(generic.verify({ ...r, now: (T - 300) * 1000 }, [SECRET])).toMatchObject({ ok: true });
    expect(generic.verify({ ...r, now: (T + 301) * 1000 }, [SECRET])).toMatchObject({ code: 'timestamp_out_of_tolerance' });
    expect(generic.verify({ ...r, now: (T + 301) * 1000, toleranceSeconds: 600 }, [SECRET])).toMatchObject({ ok: true });
    expect(generic.verify({ ...r, now: (T + 301) * 1000 }, ['wrong'])).toMatchObject({ code: 'signature_invalid' });
  });
  it('refuses the old body-only sha256=<hex> signature with signature_outdated', () => {
    const r = req(event);
    const old = `sha256=${createHmac('sha256', SECRET).update(r.rawBody).digest('hex')}`;
    expect(generic.verify({ ...r, headers: { 'x-capi-relay-signature': old } }, [SECRET])).toMatchObject({ ok: false, code: 'signature_outdated' });
  });
  it('accepts only the exact header format: one t, 64-hex v1s, no extra digit or spaces', () => {
    const r = req(event);
    const good = r.headers['x-capi-relay-signature']!;
    const v1 = good.split('v1=')[1]!;
    const malformed = [
      `${good}0`, `${good.slice(0, -1)}`, `${good}00`, `t=${T}, v1=${v1}`, `t=${T},v1=${v1.slice(0, -1)}g`, `t=${T}`, `v1=${v1}`,
      `t=${T},t=${T},v1=${v1}`, `t=-${T},v1=${v1}`, `t=1${'0'.repeat(12)},v1=${v1}`, `t=${T},v1=${Buffer.from(v1, 'hex').toString('base64')}`,
      `t=${T},v1=${v1},v1=${v1},v1=${v1},v1=${v1},v1=${v1}`, `${good},`, 'garbage',
    ];
    for (const h of malformed) expect(generic.verify({ ...r, headers: { 'x-capi-relay-signature': h } }, [SECRET]), h).toMatchObject({ code: 'signature_malformed' });
    // Upper-case hex is the same digest; a second v1 (a sender rolling its secret) and Stripe-style v0 entries are fine.
    expect(generic.verify({ ...r, headers: { 'x-capi-relay-signature': `t=${T},v1=${v1.toUpperCase()}` } }, [SECRET])).toMatchObject({ ok: true });
    expect(generic.verify({ ...r, headers: { 'x-capi-relay-signature': `t=${T},v1=${'0'.repeat(64)},v1=${v1},v0=abc` } }, [SECRET])).toMatchObject({ ok: true });
  });
  it('refuses a delivery id that is not 1–128 safe characters', () => {
    const r = req(event);
    for (const id of ['', 'a b', 'x'.repeat(129), 'jane@example.com', 'é']) {
      expect(generic.verify({ ...r, headers: { ...r.headers, 'X-Capi-Relay-Delivery-Id': id } }, [SECRET]), id).toMatchObject({ code: 'delivery_id_invalid' });
    }
    expect(generic.verify({ ...r, headers: { ...r.headers, 'X-Capi-Relay-Delivery-Id': 'order-1001.attempt:2_x' } }, [SECRET])).toMatchObject({ ok: true });
  });
  it('rejects tampered bodies, wrong secrets and missing headers', () => {
    const r = req(event);
    expect(generic.verify({ ...r, rawBody: Buffer.from(JSON.stringify({ ...event, value: 1 })) }, [SECRET])).toMatchObject({ code: 'signature_invalid' });
    expect(generic.verify(r, ['other'])).toMatchObject({ code: 'signature_invalid' });
    expect(generic.verify({ ...r, headers: {} }, [SECRET])).toMatchObject({ code: 'signature_missing' });
  });
  it('passes one event or an events array through', () => {
    expect(generic.parse(req(event), {})).toEqual({ kind: 'events', deliveryId: 'd-1', events: [event] });
    expect(generic.parse(req({ events: [event, { ...event, event_id: 'purchase:2' }] }), {})).toMatchObject({ kind: 'events', events: [{}, { event_id: 'purchase:2' }] });
    expect(generic.parse(req({ events: 'x' }), {})).toMatchObject({ kind: 'unmappable', code: 'invalid_events' });
    // A non-object beside good events is that event's own rejection (by the transform), not the delivery's.
    expect(generic.parse(req({ events: [event, 0, null] }), {})).toMatchObject({ kind: 'events', events: [event, 0, null] });
    expect(generic.parse(req({ events: [] }), {}).kind).toBe('ignore');
  });
});

describe('registry', () => {
  it('has one definition per platform', () => {
    for (const [k, d] of Object.entries(sourceDefinitions)) expect(d.platform).toBe(k);
    expect(isPlatform('shopify')).toBe(true);
    expect(isPlatform('toString')).toBe(false);
  });
});
