import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commerce7 } from './commerce7.js';
import type { WebhookRequest } from './types.js';

const DIR = resolve(import.meta.dirname, '../../test/fixtures');
const CREDENTIALS = 'webhook-user:webhook-pass';
const read = (f: string): string => readFileSync(resolve(DIR, f), 'utf8');
/** The order/membership/reservation fixtures are bare payloads: wrap them as Commerce7 sends them. */
function req(name: string, object?: string, action = 'Create', patch: Record<string, unknown> = {}): WebhookRequest {
  const headers = JSON.parse(read(`${name}.headers.json`)) as Record<string, string>;
  const raw = read(`${name}.json`);
  const body = object
    ? JSON.stringify({ object, action, payload: { ...(JSON.parse(raw) as object), ...patch }, user: 'ops@example.com', tenantId: 'spectra' })
    : raw;
  return { headers, rawBody: Buffer.from(body), now: Date.parse('2024-01-01T00:00:00Z') };
}

describe('commerce7 verify', () => {
  const r = req('commerce7-cart-update');
  it('accepts with no secret configured, and matching Basic credentials (current or previous)', () => {
    expect(commerce7.verify({ ...r, headers: {} }, [])).toEqual({ ok: true });
    expect(commerce7.verify(r, [CREDENTIALS])).toEqual({ ok: true });
    expect(commerce7.verify(r, ['new-user:new-pass', CREDENTIALS])).toEqual({ ok: true });
  });
  it('rejects wrong or missing credentials when a secret is configured', () => {
    expect(commerce7.verify(r, ['webhook-user:other'])).toMatchObject({ code: 'signature_invalid' });
    expect(commerce7.verify({ ...r, headers: {} }, [CREDENTIALS])).toMatchObject({ code: 'signature_missing' });
    expect(commerce7.verify({ ...r, headers: { authorization: 'Bearer x' } }, [CREDENTIALS])).toMatchObject({ code: 'signature_missing' });
  });
});

describe('commerce7 parse', () => {
  it('maps Order Create to a purchase in decimal units with the configured currency', () => {
    const r = commerce7.parse(req('commerce7-order', 'Order'), { currency: 'cad' });
    expect(r).toMatchObject({ kind: 'events', deliveryId: null });
    expect(r.kind === 'events' && r.events[0]).toEqual({
      event: 'purchase',
      order_id: 'cf61d2ca-41d5-44f4-8e46-17ef90c83920',
      timestamp: Math.floor(Date.parse('2018-12-04T19:10:28.143Z') / 1000),
      action_source: 'website',
      value: 50.4,
      currency: 'CAD',
      items: [{ id: 'f43b751f-1124-472c-b94b-0ea8aebf011b', quantity: 1, price: 45, name: '2014 Spectra Cabernet Sauvignon', category: 'Wine' }],
      user: {
        phone: '+16042175161', first_name: 'Zachary', last_name: 'Kamphuis', city: 'Vancouver', state: 'BC', zip: 'v6g0b6', country: 'CA',
        id: 'c48d6fbd-e235-4ffd-a527-d9dd25e8d2c2',
      },
    });
  });

  it('gives web sales the configured site as event_source_url, and POS sales none', () => {
    const web = commerce7.parse(req('commerce7-order', 'Order'), { currency: 'CAD', siteUrl: 'https://winery.example.com/' });
    expect(web.kind === 'events' && web.events[0]).toMatchObject({ action_source: 'website', url: 'https://winery.example.com/' });
    const unknownSite = commerce7.parse(req('commerce7-order', 'Order'), { currency: 'CAD' });
    expect(unknownSite.kind === 'events' && unknownSite.events[0]?.url).toBeUndefined();
    const pos = commerce7.parse(req('commerce7-cart-update'), { currency: 'USD', siteUrl: 'https://winery.example.com/' });
    expect(pos.kind === 'events' && pos.events[0]).toMatchObject({ action_source: 'physical_store', url: undefined });
  });

  it('flags a purchase as unmappable without a configured currency', () => {
    expect(commerce7.parse(req('commerce7-order', 'Order'), {})).toMatchObject({ kind: 'unmappable', code: 'currency_required' });
  });

  it('maps Club Membership Create to subscribe and a cancellation to CancelMembership', () => {
    const created = commerce7.parse(req('commerce7-club-membership', 'Club Membership'), {});
    expect(created.kind === 'events' && created.events[0]).toMatchObject({
      event: 'subscribe',
      event_id: 'commerce7:club-membership/create:28e4c85b-2834-4370-82d9-582cd0069250',
      timestamp: Math.floor(Date.parse('2018-05-18T17:02:59.777Z') / 1000),
      user: { first_name: 'Jason', last_name: 'Andres', city: 'Mission', state: 'BC', country: 'CA', id: '9065172d-79e8-4900-93d1-7a2916ffcce2' },
    });
    const cancelled = commerce7.parse(req('commerce7-club-membership', 'Club Membership', 'Update', { status: 'Cancelled', cancelDate: '2019-01-01T00:00:00.000Z' }), {});
    expect(cancelled.kind === 'events' && cancelled.events[0]).toMatchObject({
      event: 'CancelMembership',
      event_id: 'commerce7:club-membership/cancel:28e4c85b-2834-4370-82d9-582cd0069250',
      timestamp: Date.parse('2019-01-01T00:00:00Z') / 1000,
    });
    expect(commerce7.parse(req('commerce7-club-membership', 'Club Membership', 'Update'), {}).kind).toBe('ignore');
  });

  it('maps Reservation Create to generate_lead with IP, user agent and phone (obfuscated emails dropped)', () => {
    const r = commerce7.parse(req('commerce7-reservation', 'Reservation'), { currency: 'CAD' });
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      event: 'generate_lead',
      event_id: 'commerce7:reservation/create:1a4ce7c6-2959-48d1-92ba-c6ce63c75e01',
      value: 15,
      currency: 'CAD',
      action_source: 'website',
      user: { first_name: 'Andrew', phone: '+16046135343', zip: 'V6A1C2', ip: '165.225.243.31', user_agent: expect.stringContaining('Chrome/112') as unknown },
    });
    expect(r.kind === 'events' && r.events[0]?.user?.email).toBeUndefined();
  });

  it('maps the Cart Update fixture to add_to_cart', () => {
    const r = commerce7.parse(req('commerce7-cart-update'), { currency: 'USD' });
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      event: 'add_to_cart',
      event_id: 'commerce7:cart/update:6b025777-32c9-4a71-83d4-1e9e3322486c:2021-02-03T01:03:17.198Z',
      action_source: 'physical_store',
      value: 20.47,
      items: [{ id: 'ac85fcfb-d6c4-475c-a097-916bac68d5ad', quantity: 1, price: 19 }],
      user: { phone: '+15103685427', city: 'Napa', zip: '94558', ip: '192.168.0.30' },
    });
  });

  it('ignores other objects and actions', () => {
    expect(commerce7.parse(req('commerce7-order', 'Order', 'Update'), { currency: 'USD' }).kind).toBe('ignore');
    expect(commerce7.parse(req('commerce7-order', 'Product'), {}).kind).toBe('ignore');
    expect(commerce7.parse({ headers: {}, rawBody: Buffer.from('[]'), now: 0 }, {})).toMatchObject({ kind: 'unmappable', code: 'invalid_json' });
  });
});
