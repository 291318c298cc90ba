import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { type EmulatedStore, type TestRelay, useEmulatedStore } from '../helpers/relay.js';

/** GA4 Measurement Protocol bodies, as Google documents them, become Meta events at the emulator. */
const PIXEL = '111111111111';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(dialects)('GA4 Measurement Protocol on $name', (dialect) => {
  const clock = steppedClock();
  let emulator: Emulator;
  let t: TestRelay;
  let tenant: EmulatedStore['tenant'];

  useEmulatedStore(dialect, clock, { [PIXEL]: { name: 'A', tokens: ['tok-A'] } }, (store) => ({ emulator, t, tenant } = store));

  const url = (path: string, secret = tenant.ingestKey) => `${path}?measurement_id=G-TEST123&api_secret=${encodeURIComponent(secret)}`;
  const post = (path: string, body: unknown, secret?: string) => t.relay.app.inject({ method: 'POST', url: url(path, secret), headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const items = [{ item_id: 'SKU-1', item_name: 'Mug', price: 21.25, quantity: 2, item_category: 'Kitchen' }];

  it('maps purchase, view_item, add_to_cart, begin_checkout, generate_lead, sign_up and page_view; answers 204', async () => {
    const params = { page_location: 'https://shop.example.com/p/mug', currency: 'EUR', value: 42.5, items };
    const res = await post('/mp/collect', {
      client_id: '1234567890.1700000000', user_id: 'cust-42', timestamp_micros: (clock.now() - 60_000) * 1000,
      user_data: { sha256_email_address: [sha('jane.doe@example.com')], sha256_phone_number: [sha('+16505551212')], address: [{ city: 'menlopark', region: 'ca', postal_code: '94025', country: 'US' }] },
      events: [
        { name: 'purchase', params: { ...params, transaction_id: 'T-1001' } },
        { name: 'view_item', params },
        { name: 'add_to_cart', params },
        { name: 'begin_checkout', params },
        { name: 'generate_lead', params: { page_location: params.page_location, currency: 'EUR', value: 5 } },
        { name: 'sign_up', params: { page_location: params.page_location, method: 'Google' } },
        { name: 'page_view', params: { page_location: 'https://shop.example.com/' } },
      ],
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    for (let i = 0; i < 20 && (await t.relay.engine!.tick()) > 0; i++);
    const got = Object.fromEntries(emulator.state.events({ pixelId: PIXEL }).map((r) => [r.event.event_name, r.event]));
    expect(Object.keys(got).sort()).toEqual(['AddToCart', 'CompleteRegistration', 'InitiateCheckout', 'Lead', 'PageView', 'Purchase', 'ViewContent']);
    expect(got.Purchase).toMatchObject({ event_id: 'purchase:T-1001', event_source_url: 'https://shop.example.com/p/mug', custom_data: { value: 42.5, currency: 'EUR', order_id: 'T-1001' } });
    expect(got.Purchase?.user_data).toMatchObject({ em: [sha('jane.doe@example.com')], external_id: [sha('cust-42')], zp: [sha('94025')] });
    expect(got.PageView).toMatchObject({ event_source_url: 'https://shop.example.com/' });
  });

  it('/debug/mp/collect stores nothing and answers Google’s validationMessages', async () => {
    const ok = await post('/debug/mp/collect', { client_id: 'c1', events: [{ name: 'page_view', params: { page_location: 'https://shop.example.com/' } }] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ validationMessages: [] });
    const bad = await post('/debug/mp/collect', { events: [{ name: '1bad name' }, { name: 'session_start' }] });
    expect(bad.json().validationMessages).toEqual([
      { fieldPath: 'client_id', description: expect.any(String), validationCode: 'VALUE_REQUIRED' },
      { fieldPath: 'events[0].name', description: expect.any(String), validationCode: 'NAME_INVALID' },
      { fieldPath: 'events[1].name', description: expect.any(String), validationCode: 'NAME_RESERVED' },
    ]);
    const rejected = await post('/debug/mp/collect', { client_id: 'c1', events: [{ name: 'purchase', params: { value: 'lots', currency: 'EUR' } }] });
    expect(rejected.json().validationMessages).toEqual([expect.objectContaining({ fieldPath: 'events[0]', validationCode: 'VALUE_INVALID' })]);
    const rows = await t.relay.store.db.selectFrom('events').select('id').execute();
    expect(rows).toHaveLength(0);
    // /mp/collect refuses what the debug twin flags, naming it.
    const refused = await post('/mp/collect', { events: [{ name: 'page_view' }] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toContain('client_id');
  });

  it('refuses a wrong api_secret or a missing measurement_id before reading the body', async () => {
    expect((await post('/mp/collect', '{', 'nope')).statusCode).toBe(401);
    const noId = await t.relay.app.inject({ method: 'POST', url: `/mp/collect?api_secret=${tenant.ingestKey}`, headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(noId.statusCode).toBe(400);
    expect(noId.json().error.code).toBe('invalid_parameter');
  });
});
