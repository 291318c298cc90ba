/**
 * The promise behind `accepted`: any event the relay answers `accepted`, the strict emulator (Meta's rules,
 * every E? rule enforced) takes. Generated events of both input shapes, pass-through fields included
 * (Meta-native custom_data, contents, app_data, data_processing_options; commerce items and
 * integrations.facebook overrides), go through POST /v1/events and the delivery engine to the emulator.
 * The transform's rules (src/transform/meta-rules.ts) may not import the emulator's; this is what proves
 * the two agree.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { ACCEPTED_CURRENCIES } from '../../src/transform/meta-rules.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';
import { deliveryStates } from '../../src/store/delivery-state.js';

const PIXEL = '314159265358979';
const TOKEN = 'EAAB-property-token-0123456789';
const NOW = Date.UTC(2026, 10, 24, 12);
const T = Math.floor(NOW / 1000);
const HEX = 'ab'.repeat(32);

const opt = <A>(a: fc.Arbitrary<A>) => fc.option(a, { nil: undefined, freq: 3 });
/** Mostly values Meta takes, sometimes one it refuses: enough valid events reach the emulator to mean something. */
const mostly = <A, B>(valid: fc.Arbitrary<A>, invalid: fc.Arbitrary<B>) => fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const time = mostly(
  fc.oneof(fc.integer({ min: T - 6 * 86400, max: T + 60 }), fc.constantFrom((T - 30) * 1000, new Date((T - 90) * 1000).toISOString(), T + 0.5, T - 7 * 86400 + 3600, T - 7 * 86400 + 3599)),
  fc.integer({ min: T - 90 * 86400, max: T + 3600 }),
);
const currency = mostly(
  fc.oneof(fc.constantFrom('EUR', 'usd', ' gbp ', 'JPY', 'CHF'), fc.constantFrom(...ACCEPTED_CURRENCIES)),
  fc.constantFrom('XX', 'XAU', 'USN', 'BOV', 'EURO', '', 'VED'),
);
const anyCurrency = mostly(currency, fc.constantFrom<unknown>(12, null, ['EUR']));
const amount = mostly(
  fc.oneof(fc.double({ min: -10, max: 1e6, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 5000 })),
  fc.constantFrom<unknown>('12.5', 'lots', Number.NaN, 1e400, null, true),
);
const actionSource = mostly(fc.constantFrom('website', 'app', 'physical_store', 'email', 'system_generated', 'chat', 'WEBSITE'), fc.constantFrom('tv', ''));
const url = fc.constantFrom('https://shop.example/p/1', 'http://shop.example', 'ftp://x', 'shop.example', '');

/** Raw customer fields under commerce names (the relay normalizes and hashes them). */
const commerceUser = fc.record(
  {
    email: fc.constantFrom('Jane@Example.com', ' a@b.co ', 'not-an-email', HEX, HEX.toUpperCase(), ''),
    phone: fc.constantFrom('+1 (650) 555-1212', '0612345678', 'abc', 33612345678),
    first_name: fc.constantFrom('Jane', 'José', ''),
    last_name: fc.constantFrom('Doe', "O'Brien"),
    city: fc.constantFrom('Paris', 'San Francisco'),
    state: fc.constantFrom('CA', 'California', 'tx', 'zz'),
    zip: fc.constantFrom('94103', '75001', 12345),
    country: fc.constantFrom('US', 'fr', 'France', 'Atlantis'),
    gender: fc.constantFrom('f', 'Male', 'x'),
    birthdate: fc.constantFrom('1990-02-01', '19900201', '2990-01-01'),
    id: fc.constantFrom('cust-1', 42),
    ip: fc.constantFrom('203.0.113.7', '2001:db8::1', '999.1.1.1', HEX),
    user_agent: fc.constantFrom('Mozilla/5.0 (X11; Linux x86_64)', ''),
    fbp: fc.constantFrom('fb.1.1596403881668.1116446470', 'fb.1.x', HEX),
    fbc: fc.constantFrom('fb.1.1596403881668.IwAR2F4', HEX),
    fbclid: fc.constantFrom('IwAR2F4-abc', ''),
  },
  { requiredKeys: [] },
);

/** user_data as a Meta-native sender gives it: raw or already hashed, plus Meta's clear ids. */
const metaUserData = fc.record(
  {
    em: fc.constantFrom<unknown>('jane@example.com', HEX, [HEX, 'x@y.co'], `${HEX}.AbCdEfGh`),
    ph: fc.constantFrom<unknown>('16505551212', [HEX]),
    external_id: fc.constantFrom<unknown>('u-1', ['u-1', 'u-2'], 7),
    client_ip_address: fc.constantFrom('203.0.113.7', 'nope'),
    client_user_agent: fc.constantFrom('Mozilla/5.0'),
    fbp: fc.constantFrom('fb.1.1596403881668.1116446470', HEX),
    fbc: fc.constantFrom('fb.1.1596403881668.IwAR2F4'),
    subscription_id: fc.constantFrom<unknown>('sub-1', 99),
    lead_id: fc.constantFrom<unknown>(123456, '123456', 'lead-x'),
    fb_login_id: fc.constantFrom<unknown>(987, 'abc'),
    madid: fc.constantFrom<unknown>('38400000-8cf0-11bd-b23e-10b96e40000d'),
    ct: fc.constantFrom<unknown>('paris'),
    ge: fc.constantFrom<unknown>('f'),
  },
  { requiredKeys: [] },
);

const contentItem = fc.record(
  {
    id: mostly(fc.constantFrom<unknown>('SKU-1', 'SKU-2', 17), fc.constantFrom<unknown>('', null)),
    quantity: mostly(fc.integer({ min: 1, max: 5 }), fc.constantFrom<unknown>('2', 1.5, null)),
    item_price: amount,
    delivery_category: mostly(fc.constantFrom('home_delivery', 'in_store'), fc.constantFrom('drone')),
  },
  { requiredKeys: ['id', 'quantity'] },
);
const contents = mostly(fc.array(contentItem, { maxLength: 3 }), fc.constantFrom<unknown>('SKU-1', [{}], ['x']));

/** Meta-native custom_data, passed through by the relay. */
const customData = fc.record(
  {
    value: amount,
    currency: anyCurrency,
    contents,
    content_ids: fc.constantFrom<unknown>(['SKU-1'], 'SKU-1'),
    content_type: fc.constantFrom('product', 'product_group', 'other'),
    num_items: mostly(fc.constantFrom(2, 0), fc.constantFrom<unknown>(2.5, '2')),
    predicted_ltv: amount,
    delivery_category: mostly(fc.constantFrom('curbside'), fc.constantFrom('teleport')),
    order_id: fc.constantFrom<unknown>('1001', 1001),
    lead_type: fc.constantFrom('form'),
    nested: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);

const metaNative = fc.record(
  {
    event_name: mostly(fc.constantFrom('Purchase', 'Lead', 'AddToCart', 'ViewContent', 'MyCustomEvent'), fc.constantFrom('', ' ')),
    event_time: time,
    event_id: opt(fc.string({ minLength: 1, maxLength: 8 })),
    action_source: opt(actionSource),
    event_source_url: opt(url),
    referrer_url: opt(url),
    opt_out: opt(mostly(fc.constant(false), fc.constant(true))),
    user_data: metaUserData,
    custom_data: opt(customData),
    app_data: opt(fc.constantFrom<unknown>({ advertiser_tracking_enabled: 1, extinfo: ['i2', 'com.example'] }, { anything: [1, 2] })),
    original_event_data: opt(fc.constantFrom<unknown>({ event_name: 'Purchase', event_time: T - 10 })),
    data_processing_options: opt(mostly(fc.constantFrom<unknown>([], ['LDU']), fc.constantFrom<unknown>(['GDPR']))),
    data_processing_options_country: opt(mostly(fc.constantFrom<unknown>(0, 1), fc.constantFrom<unknown>(2))),
    data_processing_options_state: opt(mostly(fc.constantFrom<unknown>(0, 1000, 1013), fc.constantFrom<unknown>(999))),
    consent_categories: opt(mostly(fc.constant(['ads']), fc.constant([]))),
  },
  { requiredKeys: ['event_name', 'user_data'] },
);

const commerceItem = fc.record(
  {
    id: fc.oneof({ weight: 5, arbitrary: fc.constantFrom<unknown>('SKU-1', 'SKU-2', 7) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('', '  ') }),
    quantity: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(0.5, 2.25)),
    price: fc.double({ min: 0, max: 500, noNaN: true }),
    name: fc.constantFrom('Mug'),
    category: fc.constantFrom('Kitchen'),
  },
  { requiredKeys: [] },
);

const commerce = fc.record(
  {
    event: fc.constantFrom('purchase', 'add_to_cart', 'view_item', 'begin_checkout', 'generate_lead', 'sign_up', 'search', 'my_custom'),
    event_id: opt(fc.string({ minLength: 1, maxLength: 8 })),
    timestamp: time,
    url: opt(url),
    referrer: opt(url),
    value: amount,
    amount: amount,
    currency: currency,
    order_id: fc.constantFrom<unknown>('1001', 1002, 'A-3'),
    items: fc.array(commerceItem, { maxLength: 3 }),
    content_type: fc.constantFrom('product', 'product_group', 'thing'),
    search_string: fc.constantFrom('mugs'),
    status: fc.constantFrom<unknown>('active', true),
    consent_categories: mostly(fc.constant(['ads']), fc.constant([])),
    opt_out: mostly(fc.constant(false), fc.constant(true)),
    action_source: actionSource,
    user: commerceUser,
    integrations: fc.record(
      {
        facebook: fc.record(
          { event_name: fc.constantFrom('Purchase', 'Subscribe'), custom_data: customData, user_data: fc.record({ fbp: fc.constantFrom('fb.1.1596403881668.1116446470', HEX) }, { requiredKeys: [] }) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['event', 'user'] },
);

/** One event of each answer: sent, skipped (the customer opted out), rejected (older than seven days). */
const ALL_ANSWERS = [
  { event_name: 'Lead', event_time: T - 60, action_source: 'website', event_source_url: 'https://shop.example/p/1', user_data: { em: 'jane@example.com', client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' } },
  { event_name: 'Lead', event_time: T - 60, opt_out: true, action_source: 'website', event_source_url: 'https://shop.example/p/1', user_data: { em: 'jane@example.com' } },
  { event_name: 'Lead', event_time: T - 30 * 86400, action_source: 'website', event_source_url: 'https://shop.example/p/1', user_data: { em: 'jane@example.com' } },
];

// The loosest sending policy a tenant can set (no send conditions, LDU off so the input's own
// data_processing_options go out, consent stripped rather than dropped): the most events reach Meta.
const LOOSE = { ldu: 'off', sendConditions: { requireOneOf: [], minOtherIdentifiers: 0 }, consent: { advertisingCategory: 'ads', withoutConsent: 'strip_user_data' } };

describe.each(dialects)('accepted means Meta takes it, on $name', (dialect) => {
  const clock = steppedClock(NOW);
  let emulator: Emulator;
  let t: TestRelay;
  const keys: string[] = [];

  beforeAll(async () => {
    const started = await startEmulator({ now: clock.now, pixels: { [PIXEL]: { name: 'Property', tokens: [TOKEN] } } });
    emulator = started.emulator;
    // The relay and the emulator read one clock: the time window is judged at the same instant by both.
    t = await startTestRelay(dialect, { graphUrl: started.graphUrl }, clock.now);
    for (const policy of [{}, LOOSE]) {
      const tenant = await t.relay.tenants.createTenant(`Store ${keys.length}`, policy);
      await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: TOKEN });
      keys.push(tenant.ingestKey);
    }
  });
  afterAll(async () => {
    await t?.close();
    await emulator?.close();
  });

  async function drain(): Promise<void> {
    const engine = t.relay.engine;
    if (!engine) throw new Error('delivery is off');
    for (let i = 0; i < 50 && (await engine.tick()) > 0; i++);
  }

  it('every event answered accepted is received by the strict emulator; the rest are skipped or rejected with a code', async () => {
    // Bounded to a few seconds: each run is an ingest request and a delivery round trip to the emulator.
    const numRuns = dialect.name === 'sqlite' ? 100 : 40;
    const tally: Record<string, number> = {};
    let run = 0;
    const sendAndCheck = async (events: readonly unknown[], tenant: number): Promise<void> => {
      run++;
      emulator.state.resetEvents();
      // Unique ids per run, so an accepted event is never a duplicate of an earlier run's.
      const batch = events.map((e, i) => (typeof e === 'object' && e !== null && 'event_id' in e && e.event_id !== undefined ? { ...e, event_id: `r${run}-${i}-${String(e.event_id)}` } : e));
      const res = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${keys[tenant]}` }, payload: { events: batch } });
      // fast-check's strings include "__proto__" and "constructor": JSON with such a key is refused as a whole.
      const serialized = JSON.stringify(batch);
      if (res.statusCode === 400 && (serialized.includes('"__proto__"') || serialized.includes('"prototype"'))) {
        expect(res.json()).toMatchObject({ error: { code: 'invalid_json', message: expect.stringMatching(/"__proto__" key/) } });
        tally['refused:prototype_key'] = (tally['refused:prototype_key'] ?? 0) + 1;
        return;
      }
      expect(res.statusCode, res.body).toBe(202);
      const results = res.json<{ results: { event_id: string | null; status: string; code?: string; field?: string }[] }>().results;
      expect(results).toHaveLength(batch.length);
      for (const r of results) {
        tally[r.status] = (tally[r.status] ?? 0) + 1;
        if (r.code) tally[`${r.status}:${r.code}:${r.field ?? ""}`] = (tally[`${r.status}:${r.code}:${r.field ?? ""}`] ?? 0) + 1;
        if (r.status === 'skipped' || r.status === 'rejected') expect(r.code).toMatch(/^[a-z0-9_]+$/);
      }
      await drain();
      expect(emulator.state.rejections().map((x) => x.error.message)).toEqual([]);
      const received = new Set(emulator.state.events({ pixelId: PIXEL }).map((e) => e.event.event_id));
      const accepted = results.filter((r) => r.status === 'accepted').map((r) => r.event_id);
      const missing = accepted.filter((id) => !received.has(id));
      if (missing.length > 0) {
        const events = await t.relay.store.db.selectFrom('events').select(['id', 'tenant_id', 'event_id']).where('event_id', 'in', missing as string[]).execute();
        const states = (await Promise.all([...new Set(events.map((e) => e.tenant_id))].map((id) => deliveryStates(t.relay.store.db, id)))).flat();
        const rows = events.map((e) => ({ event_id: e.event_id, deliveries: states.filter((d) => d.eventRowId === e.id) }));
        expect.fail(`accepted, never received: ${JSON.stringify(rows)} now=${clock.now()}`);
      }
    };
    // A first batch with each answer, so the tally below never rests on chance alone (an opt-out is rare in
    // the generated events: about 2 in a PostgreSQL run of 40).
    await sendAndCheck(ALL_ANSWERS, 0);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(metaNative, commerce), { minLength: 1, maxLength: 6 }), fc.nat({ max: 1 }), sendAndCheck),
      { numRuns },
    );
    process.stdout.write(`[meta-rules property ${dialect.name}] ${JSON.stringify(tally)}\n`);
    // Not vacuous: a good share of the generated events is sent, and each other answer occurs.
    expect(tally.accepted ?? 0).toBeGreaterThan(numRuns / 2);
    expect(tally.skipped ?? 0).toBeGreaterThan(0);
    expect(tally.rejected ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('every currency the relay accepts, the strict emulator accepts', async () => {
    const events = [...ACCEPTED_CURRENCIES].map((c, i) => ({ event: 'purchase', event_id: `cur-${i}`, timestamp: T - 60, value: 1, currency: c, user: { email: 'jane@example.com' } }));
    emulator.state.resetEvents();
    const res = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${keys[0]}` }, payload: { events } });
    expect(res.json<{ results: { status: string }[] }>().results.every((r) => r.status === 'accepted')).toBe(true);
    await drain();
    expect(emulator.state.rejections().map((x) => x.error.message)).toEqual([]);
    expect(emulator.state.events({ pixelId: PIXEL })).toHaveLength(events.length);
  });
});
