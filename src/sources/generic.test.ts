import { describe, expect, it } from 'vitest';
import { generic, signGeneric } from './generic.js';
import { isPlatform, sourceDefinitions } from './index.js';
import type { WebhookRequest } from './types.js';

const SECRET = 'generic-secret';
const event = { event: 'purchase', event_id: 'purchase:1', timestamp: 1700000000, value: 10, currency: 'EUR', order_id: '1' };
function req(body: unknown, secret = SECRET): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(body));
  return { headers: { 'x-capi-relay-signature': signGeneric(secret, rawBody), 'X-Capi-Relay-Delivery-Id': 'd-1' }, rawBody, now: 0 };
}

describe('generic source', () => {
  it('verifies sha256=<hex> with current or previous secret', () => {
    expect(generic.verify(req(event), [SECRET])).toEqual({ ok: true });
    expect(generic.verify(req(event), ['next', SECRET])).toEqual({ ok: true });
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
