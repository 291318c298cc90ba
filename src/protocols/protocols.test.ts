import { describe, expect, it } from 'vitest';
import { mapMpRequest, validateMpRequest } from './ga4-mp.js';
import { eventsReceived, graphMessages, readGraphRequest } from './graph-api.js';
import { mapSegmentCall, segmentCalls, userFieldsOfTraits } from './segment.js';

const HASH = 'a'.repeat(64);

describe('readGraphRequest', () => {
  it('takes the token from the body, then the query, then the bearer header', () => {
    expect(readGraphRequest({ data: [{}], access_token: 'b' }, { access_token: 'q' }, 'h')).toMatchObject({ token: 'b' });
    expect(readGraphRequest({ data: [{}] }, { access_token: 'q' }, 'h')).toMatchObject({ token: 'q' });
    expect(readGraphRequest({ data: [{}] }, {}, 'h')).toMatchObject({ token: 'h' });
    expect(readGraphRequest({ data: [{}] }, {}, null)).toMatchObject({ token: null });
  });
  it('parses form-encoded data, accepts the SDK’s nulls and honours test_event_code', () => {
    expect(readGraphRequest({ data: '[{"event_name":"X"}]', test_event_code: 'T1' }, {}, null)).toEqual({ token: null, events: [{ event_name: 'X' }], testEventCode: 'T1' });
    expect(readGraphRequest({ data: [{}], test_event_code: null, partner_agent: null, namespace_id: null }, {}, 't')).toEqual({ token: 't', events: [{}] });
  });
  it('answers parameter errors that blame the field', () => {
    expect(readGraphRequest({}, {}, 't')).toMatchObject({ blame: 'data' });
    expect(readGraphRequest({ data: '[' }, {}, 't')).toMatchObject({ blame: 'data' });
    expect(readGraphRequest({ data: {} }, {}, 't')).toMatchObject({ blame: 'data' });
    expect(readGraphRequest({ data: [] }, {}, 't')).toMatchObject({ blame: 'data' });
    expect(readGraphRequest({ data: [{}, {}] }, {}, 't', 1)).toMatchObject({ blame: 'data' });
    expect(readGraphRequest({ data: [{}], surprise: 1 }, {}, 't')).toMatchObject({ blame: 'surprise' });
    expect(readGraphRequest({ data: [{}], test_event_code: 5 }, {}, 't')).toMatchObject({ blame: 'test_event_code' });
    expect(readGraphRequest([1], {}, 't')).toHaveProperty('detail');
  });
});

describe('graphMessages', () => {
  it('says what was hashed, checked, looks wrongly hashed, and what was not forwarded', () => {
    const inputs = [
      { user_data: { em: ['Jane@Example.com'], ph: HASH, fbp: HASH } },
      { user_data: { em: [HASH] } },
      {},
      {},
    ];
    const msgs = graphMessages(inputs, [
      { event_id: 'a', status: 'accepted' },
      { event_id: 'b', status: 'duplicate' },
      { event_id: null, status: 'rejected', code: 'missing_field', message: 'event_name: empty' },
      { event_id: 'd', status: 'accepted', code: 'consent_denied', message: 'no consent' },
    ]);
    expect(msgs).toEqual([
      'data[0].user_data: em sent in plain text: normalized and SHA-256 hashed before forwarding',
      'data[0].user_data: ph already hashed: checked as SHA-256 and forwarded as sent',
      'data[0].user_data: fbp look hashed; Meta wants them in clear, so they cannot match',
      'data[1].user_data: em already hashed: checked as SHA-256 and forwarded as sent',
      'data[1] (event_id b): already received with this event_name and event_id: not sent again',
      'data[2]: not accepted: missing_field: event_name: empty',
      'data[3] (event_id d): stored, not forwarded: consent_denied: no consent',
    ]);
    expect(eventsReceived([{ event_id: 'a', status: 'accepted' }, { event_id: 'b', status: 'duplicate' }, { event_id: null, status: 'rejected' }])).toBe(2);
  });
});

describe('Segment mapping', () => {
  const context = { ip: '203.0.113.9', userAgent: 'UA', page: { url: 'https://s.example/p' }, traits: { email: 'a@b.co' } };
  it('maps Order Completed to a purchase without event_id, so the store’s Purchase rule names it', () => {
    const m = mapSegmentCall('track', { userId: 'u1', messageId: 'm1', event: 'Order Completed', context, properties: { order_id: 'o1', total: 30, revenue: 25, currency: 'USD', products: [{ product_id: 'p1', price: 10, quantity: 3 }] } });
    expect(m).toEqual({ kind: 'event', messageId: 'm1', userKey: 'user:u1', input: { event: 'purchase', action_source: 'website', url: 'https://s.example/p', order_id: 'o1', value: 30, currency: 'USD', items: [{ id: 'p1', price: 10, quantity: 3 }], user: { em: 'a@b.co', external_id: 'u1', client_ip_address: '203.0.113.9', client_user_agent: 'UA' } } });
  });
  it('uses messageId as event_id unless the event carries one; revenue when no total; others are custom events', () => {
    expect(mapSegmentCall('track', { anonymousId: 'x', messageId: 'm2', event: 'Checkout Started', properties: { revenue: 9 } })).toMatchObject({ input: { event: 'begin_checkout', event_id: 'm2', value: 9, user: { external_id: 'x' } } });
    expect(mapSegmentCall('track', { anonymousId: 'x', messageId: 'm3', event: 'Product Viewed', properties: { event_id: 'own', product_id: 'p', price: 5 } })).toMatchObject({ input: { event: 'view_item', event_id: 'own', value: 5, items: [{ id: 'p', price: 5 }] } });
    expect(mapSegmentCall('track', { userId: 'u', event: 'Video Played' })).toMatchObject({ input: { event: 'Video Played' } });
    expect(mapSegmentCall('page', { userId: 'u', properties: { url: 'https://s.example/' } })).toMatchObject({ input: { event: 'page_view', url: 'https://s.example/' } });
  });
  it('turns identify into traits and refuses calls without a user', () => {
    expect(mapSegmentCall('identify', { userId: 'u', traits: { email: 'e@x.co', name: 'Jane Q Doe', birthday: '1990-02-15T00:00:00Z', address: { postalCode: '94025' } } })).toEqual({ kind: 'identify', messageId: null, userKey: 'user:u', traits: { em: 'e@x.co', fn: 'Jane', ln: 'Q Doe', db: '19900215', zp: '94025', external_id: 'u' } });
    expect(mapSegmentCall('track', { event: 'X' })).toMatchObject({ kind: 'invalid' });
    expect(mapSegmentCall('group', { userId: 'u' })).toMatchObject({ kind: 'ignored' });
    expect(userFieldsOfTraits('nope')).toEqual({});
  });
  it('splits batches, applying batch-level context to calls without one', () => {
    const r = segmentCalls('batch', { batch: [{ type: 'track', event: 'A' }, { type: 'page', context: { ip: '1.1.1.1' } }], context: { ip: '2.2.2.2' } }, 10);
    expect(r).toEqual({ calls: [{ type: 'track', call: { type: 'track', event: 'A', context: { ip: '2.2.2.2' } } }, { type: 'page', call: { type: 'page', context: { ip: '1.1.1.1' } } }] });
    expect(segmentCalls('batch', { batch: new Array(3).fill({}) }, 2)).toMatchObject({ tooMany: true });
    expect(segmentCalls('track', { type: 'page' }, 2)).toHaveProperty('error');
  });
});

describe('GA4 Measurement Protocol mapping', () => {
  it('maps events with transaction_id, value, currency, items and user_data', () => {
    const [p] = mapMpRequest({ client_id: 'c', timestamp_micros: 1_700_000_000_000_000, user_data: { sha256_email_address: [HASH] }, consent: { ad_user_data: 'GRANTED' }, events: [{ name: 'purchase', params: { transaction_id: 'T1', value: 3, currency: 'EUR', items: [{ item_id: 'i', price: 3, quantity: 1 }] } }] });
    expect(p).toEqual({ event: 'purchase', action_source: 'website', timestamp: 1_700_000_000, order_id: 'T1', value: 3, currency: 'EUR', items: [{ id: 'i', price: 3, quantity: 1 }], consent_categories: ['ad_user_data'], user: { em: HASH, external_id: 'c' } });
  });
  it('validates as Google’s debug endpoint does', () => {
    expect(validateMpRequest({ client_id: 'c', events: [{ name: 'ok_name' }] })).toEqual([]);
    expect(validateMpRequest({ client_id: 'c', events: new Array(26).fill({ name: 'x' }) }).map((m) => m.validationCode)).toEqual(['EXCEEDED_MAX_ENTITIES']);
    expect(validateMpRequest(null)).toHaveLength(1);
  });
});
