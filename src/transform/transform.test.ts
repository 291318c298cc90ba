import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hash.js';
import { defaultPolicy, parsePolicy, transformEvent } from './transform.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const ctx = { now: NOW, newId: () => 'generated-id' };
const T = Math.floor(NOW / 1000) - 60;
const UA = 'Mozilla/5.0';

describe('transformEvent: commerce shape', () => {
  const purchase = {
    event: 'purchase',
    event_id: 'ord-1001',
    timestamp: new Date((T) * 1000).toISOString(),
    url: 'https://shop.example/checkout/done',
    currency: 'eur',
    value: 59.9,
    order_id: 1001,
    items: [
      { id: 'SKU-1', quantity: 2, price: 20, name: 'Mug' },
      { id: 'SKU-2', price: 19.9 },
    ],
    user: {
      email: ' Jane.Doe@Example.com ', phone: '06 12 34 56 78', first_name: 'Jane', last_name: "O'Doe",
      city: 'Montréal', zip: 'H2X 1Y4', country: 'France', id: 'Cust 42', ip: '203.0.113.7',
      user_agent: UA, fbp: 'fb.1.1596403881668.1116446470', fbclid: 'AbCdEf123',
    },
  };

  it('maps a GA4-like purchase to a Meta Purchase with hashed user_data and contents', () => {
    const r = transformEvent(purchase, defaultPolicy, ctx);
    expect(r.kind).toBe('send');
    if (r.kind !== 'send') return;
    const e = r.event;
    expect(e).toMatchObject({ event_name: 'Purchase', event_time: T, event_id: 'ord-1001', action_source: 'website',
      event_source_url: 'https://shop.example/checkout/done' });
    expect(e.custom_data).toEqual({
      value: 59.9, currency: 'EUR', order_id: '1001', content_type: 'product', num_items: 3,
      contents: [{ id: 'SKU-1', quantity: 2, item_price: 20 }, { id: 'SKU-2', quantity: 1, item_price: 19.9 }],
      content_ids: ['SKU-1', 'SKU-2'],
    });
    const u = e.user_data;
    expect(u.em).toEqual([sha256Hex('jane.doe@example.com')]);
    expect(u.ph).toEqual([sha256Hex('33612345678')]); // country from the address: E.164 digits
    expect(u.fn).toEqual([sha256Hex('jane')]);
    expect(u.ln).toEqual([sha256Hex('odoe')]);
    expect(u.ct).toEqual([sha256Hex('montréal')]);
    expect(u.zp).toEqual([sha256Hex('h2x1y4')]);
    expect(u.country).toEqual([sha256Hex('fr')]);
    expect(u.external_id).toEqual([sha256Hex('cust42')]);
    expect(u.client_ip_address).toBe('203.0.113.7');
    expect(u.client_user_agent).toBe(UA);
    expect(u.fbp).toBe('fb.1.1596403881668.1116446470');
    expect(u.fbc).toBe(`fb.1.${T * 1000}.AbCdEf123`);
    expect(u).not.toHaveProperty('fbclid');
  });

  it('keeps the customer out of the page URLs: query parameters with an e-mail, a phone or a name go, and the decision says how many', () => {
    const r = transformEvent(
      { event: 'purchase', order_id: 'u1', value: 5, currency: 'EUR', url: 'https://shop.example.com/thanks?order=u1&email=jane%40example.com&phone=6505551212', user: { email: 'jane@example.com' } },
      defaultPolicy,
      ctx,
    );
    expect(r.kind).toBe('send');
    if (r.kind !== 'send') return;
    expect(r.event.event_source_url).toBe('https://shop.example.com/thanks?order=u1');
    expect(r.decisions).toContainEqual({ code: 'url_personal_data_removed', field: 'event_source_url', message: expect.stringMatching(/^2 query parameter/) as unknown });
    expect(JSON.stringify(r)).not.toMatch(/jane|6505551212/);
  });

  it('applies integrations.facebook overrides over everything', () => {
    const r = transformEvent({ ...purchase, integrations: { facebook: { event_name: 'BigPurchase',
      custom_data: { value: 1, predicted_ltv: 3 }, user_data: { em: 'other@example.com' } } } }, defaultPolicy, ctx);
    expect(r.kind).toBe('send');
    if (r.kind !== 'send') return;
    expect(r.event.event_name).toBe('BigPurchase');
    expect(r.event.custom_data).toMatchObject({ value: 1, predicted_ltv: 3 });
    expect(r.event.user_data.em).toEqual([sha256Hex('other@example.com')]);
  });

  it('unmapped names become custom events; tenant overrides win', () => {
    const base = { event_id: 'x', timestamp: T, action_source: 'system_generated', user: { id: 'u1' } };
    const r1 = transformEvent({ ...base, event: 'renewal' }, defaultPolicy, ctx);
    expect(r1.kind === 'send' && r1.event.event_name).toBe('renewal');
    const p = parsePolicy({ eventNameOverrides: { renewal: 'Subscribe' } });
    const r2 = transformEvent({ ...base, event: 'renewal' }, p, ctx);
    expect(r2.kind === 'send' && r2.event.event_name).toBe('Subscribe');
  });

  it('builds the event_id from a template when only order_id is given', () => {
    const p = parsePolicy({ eventIdTemplates: { Purchase: 'purchase:{order_id}' } });
    const { event_id: _drop, ...noId } = purchase;
    const r = transformEvent(noId, p, ctx);
    expect(r.kind === 'send' && r.event.event_id).toBe('purchase:1001');
    const r2 = transformEvent({ ...noId, event: 'add_to_cart' }, p, ctx);
    expect(r2.kind === 'send' && r2.event.event_id).toBe('generated-id');
  });

  it('rejects a Purchase without currency, naming the field (Meta refuses it, so it is never answered accepted)', () => {
    const { currency: _c, ...noCurrency } = purchase;
    const r = transformEvent(noCurrency, defaultPolicy, ctx);
    expect(r).toMatchObject({ kind: 'rejected', code: 'invalid_currency', field: 'custom_data.currency', eventId: 'ord-1001' });
    // Invalid wins over a policy that would keep the event back: the sender learns what to fix.
    const noConsent = transformEvent({ ...noCurrency, consent_categories: [] }, parsePolicy({ consent: { advertisingCategory: 'ads' } }), ctx);
    expect(noConsent).toMatchObject({ kind: 'rejected', code: 'invalid_currency' });
  });

  it('rejects what Meta refuses on any event: a bad currency, a non-numeric value, contents without id', () => {
    expect(transformEvent({ ...purchase, event: 'add_to_cart', currency: 'XX' }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_currency', field: 'custom_data.currency' });
    const override = { integrations: { facebook: { custom_data: { contents: [{ quantity: 1 }] } } } };
    expect(transformEvent({ ...purchase, ...override }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_contents', field: 'custom_data.contents[0].id' });
  });

  it('leaves items without an id out of contents and sends the order', () => {
    const r = transformEvent({ ...purchase, items: [{ id: 'A', quantity: 2 }, { quantity: 1, price: 3 }] }, defaultPolicy, ctx);
    expect(r.kind).toBe('send');
    if (r.kind !== 'send') return;
    expect(r.event.custom_data).toMatchObject({ contents: [{ id: 'A', quantity: 2 }], content_ids: ['A'], num_items: 3 });
    expect(r.decisions.map((d) => d.code)).toContain('item_without_id');
    const half = transformEvent({ ...purchase, items: [{ id: 'A', quantity: 0.5 }] }, defaultPolicy, ctx);
    expect(half.kind === 'send' && half.event.custom_data?.num_items).toBeUndefined();
  });

  it('rejects malformed input with stable codes', () => {
    expect(transformEvent({ ...purchase, colour: 'red' }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'unknown_key' });
    expect(transformEvent({ ...purchase, value: 'lots' }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_type' });
    expect(transformEvent({ ...purchase, timestamp: 'yesterday' }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_event_time' });
    expect(transformEvent({ ...purchase, user: { shoe_size: 42 } }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'unknown_key' });
    expect(transformEvent({ foo: 1 }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'missing_field' });
    expect(transformEvent('nope', defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_type' });
    expect(transformEvent({ ...purchase, action_source: 'tv' }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'invalid_action_source' });
  });
});

describe('transformEvent: Meta-native shape', () => {
  const hashedEm = sha256Hex('a@b.co');
  const pbHashed = sha256Hex('x@y.co').toUpperCase() + '.ABcDEFGh';
  const native = {
    event_name: 'Lead',
    event_time: T * 1000, // milliseconds: converted
    event_id: 'lead-7',
    action_source: 'website',
    event_source_url: 'https://site.example/form',
    user_data: {
      em: [hashedEm, pbHashed, 'RAW@Example.com', 'raw@example.com'],
      ph: '+44 20 7946 0958',
      client_user_agent: UA,
      fbc: 'fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890',
      lead_id: 123456,
      st: 'Tex.',
    },
    custom_data: { lead_type: 'form' },
  };

  it('passes pre-hashed values through (hex lowercased, appendix kept) and hashes raw ones once', () => {
    const r = transformEvent(native, defaultPolicy, ctx);
    expect(r.kind).toBe('send');
    if (r.kind !== 'send') return;
    expect(r.event.event_time).toBe(T);
    expect(r.decisions.map((d) => d.code)).toContain('event_time_ms');
    expect(r.event.user_data.em).toEqual([hashedEm, sha256Hex('x@y.co') + '.ABcDEFGh', sha256Hex('raw@example.com')]);
    expect(r.event.user_data.ph).toEqual([sha256Hex('442079460958')]);
    expect(r.event.user_data.st).toEqual([sha256Hex('tx')]);
    expect(r.event.user_data.fbc).toBe(native.user_data.fbc);
    expect(r.event.user_data.lead_id).toBe(123456);
    expect(r.event.custom_data).toEqual({ lead_type: 'form' });
  });

  it('rejects events outside the time window, drops website events without a user agent when strict', () => {
    const old = transformEvent({ ...native, event_time: T - 8 * 86400 }, defaultPolicy, ctx);
    expect(old).toMatchObject({ kind: 'rejected', code: 'event_time_too_old', field: 'event_time' });
    const store = transformEvent({ ...native, action_source: 'physical_store', event_time: T - 30 * 86400 }, defaultPolicy, ctx);
    expect(store.kind).toBe('send');
    const noUa = transformEvent({ ...native, user_data: { em: 'a@b.co' } }, parsePolicy({ strictWebsiteFields: true }), ctx);
    expect(noUa).toMatchObject({ kind: 'dropped', code: 'missing_client_user_agent' });
    const sentAnyway = transformEvent({ ...native, user_data: { em: 'a@b.co' } }, defaultPolicy, ctx);
    expect(sentAnyway.kind).toBe('send');
    expect(sentAnyway.kind === 'send' && sentAnyway.decisions.map((d) => d.code)).toContain('missing_client_user_agent');
  });

  it('rejects unknown event-level and user_data keys', () => {
    expect(transformEvent({ ...native, advertiser_tracking_enabled: true }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'unknown_key' });
    expect(transformEvent({ ...native, user_data: { email: 'a@b.co' } }, defaultPolicy, ctx)).toMatchObject({ kind: 'rejected', code: 'unknown_key', eventId: 'lead-7' });
  });

  it('generates an event_id when missing', () => {
    const { event_id: _e, ...noId } = native;
    const r = transformEvent(noId, defaultPolicy, ctx);
    expect(r.kind === 'send' && r.event.event_id).toBe('generated-id');
  });
});
