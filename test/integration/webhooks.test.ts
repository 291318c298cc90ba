import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../../src/sources/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS as admin, addPixelViaApi, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** One webhook request as a platform sends it. */
interface Delivery {
  headers: Record<string, string>;
  body: string | Buffer;
}

function fixture(name: string): Delivery {
  return {
    headers: JSON.parse(readFileSync(new URL(`${name}.headers.json`, FIXTURES), 'utf8')) as Record<string, string>,
    body: readFileSync(new URL(`${name}.json`, FIXTURES)),
  };
}
const fixtureJson = (name: string) => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Record<string, unknown>;

function without(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));
}

// The shared test secrets (fixtures/README.md); Commerce7's Basic credentials are those of its headers files.
const SHOPIFY_SECRET = 'capi-relay-test-shopify-secret';
const WOO_SECRET = 'capi-relay-test-woo-secret';
const STRIPE_SECRET = 'whsec_capi_relay_test';
const C7_CREDENTIALS = 'webhook-user:webhook-pass';
const GENERIC_SECRET = 'generic-secret';

/** Bodies the tests build themselves are signed the way each platform signs. */
const sign = {
  shopify(topic: string, body: unknown): Delivery {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const headers = { ...fixture('shopify-orders-create').headers, 'X-Shopify-Topic': topic, 'X-Shopify-Webhook-Id': randomUUID() };
    return { headers: { ...headers, 'X-Shopify-Hmac-Sha256': createHmac('sha256', SHOPIFY_SECRET).update(raw).digest('base64') }, body: raw };
  },
  woocommerce(body: unknown): Delivery {
    const raw = JSON.stringify(body);
    const headers = { ...fixture('woocommerce-order-created').headers, 'X-WC-Webhook-Delivery-ID': randomUUID() };
    return { headers: { ...headers, 'X-WC-Webhook-Signature': createHmac('sha256', WOO_SECRET).update(raw).digest('base64') }, body: raw };
  },
  stripe(evt: unknown, t: number): Delivery {
    const raw = JSON.stringify(evt);
    const v1 = createHmac('sha256', STRIPE_SECRET).update(`${t}.${raw}`).digest('hex');
    return { headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` }, body: raw };
  },
  /** Commerce7 posts `{object, action, payload, user, tenantId}`; the order/membership/reservation samples are bare payloads. */
  commerce7(object: string, action: string, payload: unknown, credentials = C7_CREDENTIALS): Delivery {
    const raw = JSON.stringify({ object, action, payload, user: 'ops@example.com', tenantId: 'spectra' });
    return { headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(credentials).toString('base64')}` }, body: raw };
  },
  /** Signed at GENERIC_AT, the relay clock of the generic tests. */
  generic(body: unknown, deliveryId: string = randomUUID()): Delivery {
    const raw = JSON.stringify(body);
    return { headers: { 'content-type': 'application/json', 'x-capi-relay-signature': signGeneric(GENERIC_SECRET, raw, GENERIC_AT / 1000), 'x-capi-relay-delivery-id': deliveryId }, body: raw };
  },
};

/** What the stored Meta event must hold; customer fields are given normalized and checked hashed. */
interface Expected {
  eventName: string;
  value: number;
  currency: string;
  orderId?: string;
  url?: string;
  user: Record<string, string>;
  ip?: string;
}

interface PlatformCase {
  platform: 'shopify' | 'woocommerce' | 'commerce7' | 'stripe' | 'generic';
  source: { secret: string; currency?: string; siteUrl?: string };
  /** The relay clock for this platform's samples (Stripe signatures are only valid near `t`). */
  at: number;
  delivery: () => Delivery;
  expected: Expected;
  /** Same delivery, signature no longer valid for it: 401 `signature_invalid`. */
  tampered: (d: Delivery) => Delivery;
  /** Signature (or credentials) header removed: 401 `signature_missing`. */
  unsigned: (d: Delivery) => Delivery;
  /** A verified request that needs no event: 200 `ignored`. */
  ping: () => Delivery;
  /** Another order carrying the browser IP (and user agent) the platform passes, when the sample has none. */
  withIp: () => { delivery: Delivery; expected: Expected };
  /** The per-event answer to `delivery` (default: accepted). */
  answer?: { status: string; code?: string };
}

const SHOPIFY_AT = Date.parse('2022-01-01T00:10:00Z');
const WOO_AT = Date.parse('2017-03-22T19:30:00Z');
const C7_AT = Date.parse('2018-12-04T19:15:00Z');
const STRIPE_T = 1648320033;
const GENERIC_AT = Date.parse('2024-05-01T12:00:00Z');

// Real Commerce7 order webhooks embed the customer; the published sample omits it, so the tests add one.
const c7Order = () => ({ ...fixtureJson('commerce7-order'), customer: { id: 'c48d6fbd-e235-4ffd-a527-d9dd25e8d2c2', emails: [{ email: 'Zach@Example.com' }] } });
const genericPurchase = {
  event: 'purchase', event_id: 'purchase:G1', timestamp: GENERIC_AT / 1000 - 60, url: 'https://shop.example.com/thanks?ref=mail',
  value: 10, currency: 'EUR', order_id: 'G1',
  user: { email: 'Ann@Example.com', city: 'Lyon', zip: '69001', country: 'FR', ip: '203.0.113.9', user_agent: 'Mozilla/5.0' },
};

const CASES: PlatformCase[] = [
  {
    platform: 'shopify',
    source: { secret: SHOPIFY_SECRET },
    at: SHOPIFY_AT,
    delivery: () => fixture('shopify-orders-create'),
    expected: {
      eventName: 'Purchase', value: 404.95, currency: 'USD', orderId: '820982911946154508',
      // The order status page without its `?key=` access token.
      url: 'https://jsmith.myshopify.com/548380009/orders/123456abcd/authenticate',
      user: { em: 'jon@example.com', fn: 'steve', ln: 'shipper', ct: 'shippington', st: 'ky', zp: '40003', country: 'us' },
    },
    tampered: (d) => ({ ...d, body: d.body.toString().replace('404.95', '4.95') }),
    unsigned: (d) => ({ ...d, headers: without(d.headers, 'X-Shopify-Hmac-Sha256') }),
    ping: () => sign.shopify('products/update', { id: 632910392, title: 'IPod Nano - 8GB' }),
    withIp: () => {
      const order = { ...fixtureJson('shopify-orders-create'), id: 'BIG_ID', browser_ip: '198.51.100.7', client_details: { user_agent: 'Mozilla/5.0 (iPhone)' } };
      // A 64-bit id beyond 2^53 written as a JSON number, as Shopify does: it must arrive unrounded.
      const raw = JSON.stringify(order).replace('"id":"BIG_ID"', '"id":820982911946154999');
      return {
        delivery: sign.shopify('orders/create', raw),
        expected: { eventName: 'Purchase', value: 404.95, currency: 'USD', orderId: '820982911946154999', user: { em: 'jon@example.com' }, ip: '198.51.100.7' },
      };
    },
  },
  {
    platform: 'woocommerce',
    source: { secret: WOO_SECRET },
    at: WOO_AT,
    delivery: () => fixture('woocommerce-order-created'),
    expected: {
      eventName: 'Purchase', value: 29.35, currency: 'USD', orderId: '727',
      url: 'https://example.com/', // X-WC-Webhook-Source
      user: { em: 'john.doe@example.com', fn: 'john', ln: 'doe', ct: 'sanfrancisco', st: 'ca', zp: '94103', country: 'us' },
    },
    tampered: (d) => ({ ...d, body: d.body.toString().replace('"total": "29.35"', '"total": "0.01"') }),
    unsigned: (d) => ({ ...d, headers: without(d.headers, 'X-WC-Webhook-Signature') }),
    // Sent unsigned and form-encoded when the webhook is saved in WordPress.
    ping: () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'webhook_id=12' }),
    withIp: () => {
      const order = { ...fixtureJson('woocommerce-order-created'), id: 728, customer_ip_address: '198.51.100.8', customer_user_agent: 'Mozilla/5.0 (X11)' };
      return {
        delivery: sign.woocommerce(order),
        expected: { eventName: 'Purchase', value: 29.35, currency: 'USD', orderId: '728', user: { em: 'john.doe@example.com' }, ip: '198.51.100.8' },
      };
    },
  },
  {
    platform: 'commerce7',
    source: { secret: C7_CREDENTIALS, currency: 'CAD', siteUrl: 'https://winery.example.com' },
    at: C7_AT,
    delivery: () => sign.commerce7('Order', 'Create', c7Order()),
    expected: {
      eventName: 'Purchase', value: 50.4, currency: 'CAD', orderId: 'cf61d2ca-41d5-44f4-8e46-17ef90c83920',
      url: 'https://winery.example.com/', // Commerce7 names no page: the source's site URL
      user: { em: 'zach@example.com', fn: 'zachary', ln: 'kamphuis', ct: 'vancouver', st: 'bc', zp: 'v6g0b6', country: 'ca' },
    },
    // Commerce7 signs nothing: its Basic credentials are what a forger cannot produce.
    tampered: (d) => ({ ...d, headers: { ...d.headers, authorization: `Basic ${Buffer.from('webhook-user:guess').toString('base64')}` } }),
    unsigned: (d) => ({ ...d, headers: without(d.headers, 'authorization') }),
    ping: () => sign.commerce7('Product', 'Update', { id: 'f43b751f-1124-472c-b94b-0ea8aebf011b', title: 'Cabernet' }),
    // The reservation sample carries the booker's IP and browser (connectionInformation).
    withIp: () => ({
      // Booked a minute before the test's clock (the sample's own date is years after C7_AT: Meta refuses future events).
      delivery: sign.commerce7('Reservation', 'Create', { ...fixtureJson('commerce7-reservation'), createdAt: '2018-12-04T19:14:00.000Z' }),
      expected: { eventName: 'Lead', value: 15, currency: 'CAD', user: { fn: 'andrew' }, url: 'https://winery.example.com/', ip: '165.225.243.31' },
    }),
  },
  {
    platform: 'stripe',
    source: { secret: STRIPE_SECRET, siteUrl: 'https://shop.example.com/' },
    at: STRIPE_T * 1000,
    delivery: () => fixture('stripe-payment-intent-succeeded'),
    // The sample names no email, phone or cookie: the default send conditions keep it back, in the event log.
    answer: { status: 'skipped', code: 'send_condition' },
    expected: {
      eventName: 'Purchase', value: 20, currency: 'USD', orderId: 'pi_000000000000000000000000',
      url: 'https://shop.example.com/', // a payment intent names no page
      // The sample's billing details: no email, a name and an address.
      user: { fn: 'jenny', ln: 'rosen', ct: 'sanfrancisco', st: 'ca', zp: '94103', country: 'us' },
    },
    tampered: (d) => ({ ...d, body: d.body.toString().replace('"amount": 2000', '"amount": 1') }),
    unsigned: (d) => ({ ...d, headers: without(d.headers, 'Stripe-Signature') }),
    ping: () => sign.stripe({ id: 'evt_ping', type: 'customer.created', created: STRIPE_T, data: { object: { id: 'cus_1', object: 'customer' } } }, STRIPE_T),
    withIp: () => {
      const session = {
        id: 'cs_test_ip', object: 'checkout.session', amount_total: 4250, currency: 'eur', created: STRIPE_T - 5, payment_status: 'paid',
        payment_intent: 'pi_with_ip', success_url: 'https://shop.example.com/thanks?session_id={CHECKOUT_SESSION_ID}',
        customer_details: { email: 'Buyer@Example.com', name: 'Ada Lovelace', address: { city: 'London', country: 'GB', postal_code: 'N1 9GU' } },
        metadata: { client_ip_address: '198.51.100.9', client_user_agent: 'Mozilla/5.0 (Mac)' },
      };
      return {
        delivery: sign.stripe({ id: 'evt_with_ip', type: 'checkout.session.completed', created: STRIPE_T, data: { object: session } }, STRIPE_T),
        expected: {
          eventName: 'Purchase', value: 42.5, currency: 'EUR', orderId: 'pi_with_ip', url: 'https://shop.example.com/thanks',
          user: { em: 'buyer@example.com', fn: 'ada', ln: 'lovelace', ct: 'london', country: 'gb' }, ip: '198.51.100.9',
        },
      };
    },
  },
  {
    platform: 'generic',
    source: { secret: GENERIC_SECRET },
    at: GENERIC_AT,
    delivery: () => sign.generic(genericPurchase, 'dlv-generic-1'),
    expected: {
      eventName: 'Purchase', value: 10, currency: 'EUR', orderId: 'G1', url: 'https://shop.example.com/thanks?ref=mail',
      user: { em: 'ann@example.com', ct: 'lyon', zp: '69001', country: 'fr' }, ip: '203.0.113.9',
    },
    tampered: (d) => ({ ...d, body: d.body.toString().replace('"value":10', '"value":1') }),
    unsigned: (d) => ({ ...d, headers: without(d.headers, 'x-capi-relay-signature') }),
    ping: () => sign.generic({ events: [] }),
    withIp: () => ({
      delivery: sign.generic({ ...genericPurchase, event_id: 'purchase:G2', order_id: 'G2', user: { email: 'bo@example.com', ip: '2001:db8::5', user_agent: 'curl/8' } }),
      expected: { eventName: 'Purchase', value: 10, currency: 'EUR', orderId: 'G2', user: { em: 'bo@example.com' }, ip: '2001:db8::5' },
    }),
  },
];

describe.each(dialects)('webhooks on $name', (dialect) => {
  let t: TestRelay;
  let tenantId: string;
  const clock = steppedClock();
  const sourceIds: Record<string, string> = {};

  async function events(source?: string) {
    let q = t.relay.store.db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId);
    if (source) q = q.where('source', '=', source);
    return q.execute();
  }
  function post(platform: string, id: string, d: Delivery) {
    return t.relay.app.inject({ method: 'POST', url: `/v1/webhooks/${platform}/${id}`, headers: d.headers, payload: d.body });
  }

  /** The stored row of one event, its Meta payload checked against what the platform sent. */
  async function expectStored(platform: string, eventId: string, e: Expected): Promise<void> {
    const rows = (await events(`webhook:${platform}`)).filter((r) => r.event_id === eventId);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    // The IP is kept to be sent: an event that never will be (a gate dropped it) is stored without, flagged as had.
    const sendable = row.status === 'queued';
    expect(row).toMatchObject({ event_name: e.eventName, order_id: e.orderId ?? null, had_client_ip: e.ip ? 1 : 0 });
    const clear = await t.relay.store.db.selectFrom('event_clear_fields').select('client_ip_address').where('tenant_id', '=', row.tenant_id).where('seq', '=', row.seq).executeTakeFirst();
    expect(clear?.client_ip_address ?? null).toBe(sendable ? (e.ip ?? null) : null);
    const payload = JSON.parse(row.payload) as { custom_data: Record<string, unknown>; user_data: Record<string, unknown>; event_source_url?: string; action_source: string };
    expect(payload.custom_data).toMatchObject({ value: e.value, currency: e.currency, ...(e.orderId ? { order_id: e.orderId } : {}) });
    expect(payload.action_source).toBe('website');
    if (e.url) expect(payload.event_source_url).toBe(e.url);
    for (const [key, clear] of Object.entries(e.user)) {
      expect(payload.user_data[key], key).toEqual([sha256(clear)]);
      // Hashed only: the clear value never reaches the database.
      expect(row.payload.toLowerCase()).not.toContain(`"${clear}"`);
    }
    if (!e.user.em) expect(payload.user_data.em).toBeUndefined();
  }

  beforeAll(async () => {
    // A pixel, so mapped events are queued (answered accepted); nothing is delivered in these tests.
    t = await startTestRelay(dialect, { deliveryEnabled: false }, clock.now);
    tenantId = (await createTenantViaApi(t, 'Hooks')).id;
    // A pixel to send to: an event with none is never sent, so it would be stored without the IP (nothing is sent
    // here, the workers are not started).
    await addPixelViaApi(t, tenantId, { pixelId: '123456789012345', accessToken: 'EAAB-hooks-token-0123' });
    for (const c of CASES) {
      const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/sources`, headers: admin, payload: { platform: c.platform, ...c.source } });
      expect(res.statusCode).toBe(201);
      expect(res.json().webhookUrl).toMatch(new RegExp(`/v1/webhooks/${c.platform}/${res.json().id}$`));
      sourceIds[c.platform] = res.json().id;
    }
  });
  afterAll(async () => t?.close());

  describe.each(CASES)('$platform', (c) => {
    const to = (d: Delivery) => post(c.platform, sourceIds[c.platform]!, d);

    it('rejects a forged or unsigned delivery with 401 and stores nothing', async () => {
      clock.set(c.at);
      const before = (await events(`webhook:${c.platform}`)).length;
      const forged = await to(c.tampered(c.delivery()));
      expect(forged.statusCode).toBe(401);
      expect(forged.json().error).toMatchObject({ code: 'signature_invalid', message: expect.any(String) as unknown });
      const unsigned = await to(c.unsigned(c.delivery()));
      expect(unsigned.statusCode).toBe(401);
      expect(unsigned.json().error.code).toBe('signature_missing');
      expect(await events(`webhook:${c.platform}`)).toHaveLength(before);
    });

    it('accepts the signed delivery and stores the Meta event; a retried delivery is a duplicate', async () => {
      clock.set(c.at);
      const res = await to(c.delivery());
      expect(res.statusCode).toBe(200);
      const [result] = res.json().results;
      expect(result, JSON.stringify(result)).toMatchObject(c.answer ?? { status: 'accepted' });
      await expectStored(c.platform, result.event_id, c.expected);
      const before = (await events(`webhook:${c.platform}`)).length;
      const again = await to(c.delivery());
      expect(again.statusCode).toBe(200);
      // A generic delivery is deduplicated as a whole by its delivery id; the platforms' by event id.
      if (c.platform === 'generic') expect(again.json()).toMatchObject({ status: 'duplicate', results: [] });
      else expect(again.json().results).toEqual([expect.objectContaining({ event_id: result.event_id, status: 'duplicate' })]);
      expect(await events(`webhook:${c.platform}`)).toHaveLength(before);
    });

    it('keeps the browser IP the platform passes (apart from the hashed payload)', async () => {
      clock.set(c.at);
      const { delivery, expected } = c.withIp();
      const res = await to(delivery);
      expect(res.statusCode).toBe(200);
      const [result] = res.json().results;
      expect(result.status, JSON.stringify(result)).toMatch(/^(accepted|skipped)$/);
      await expectStored(c.platform, result.event_id, expected);
    });

    it('answers a ping (a delivery that needs no event) with 200 and stores nothing', async () => {
      clock.set(c.at);
      const before = (await events(`webhook:${c.platform}`)).length;
      const res = await to(c.ping());
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ignored', results: [] });
      expect(await events(`webhook:${c.platform}`)).toHaveLength(before);
    });
  });

  it('maps every other platform sample through the route to its Meta event', async () => {
    const samples: { platform: string; at: number; delivery: Delivery; eventName: string; answer?: { status: string; code?: string } }[] = [
      { platform: 'shopify', at: SHOPIFY_AT, delivery: fixture('shopify-checkouts-create'), eventName: 'InitiateCheckout' },
      // A cart names no customer: stored and logged, skipped by the send conditions.
      { platform: 'shopify', at: SHOPIFY_AT, delivery: fixture('shopify-carts-update'), eventName: 'AddToCart', answer: { status: 'skipped', code: 'send_condition' } },
      { platform: 'shopify', at: SHOPIFY_AT, delivery: fixture('shopify-customers-create'), eventName: 'CompleteRegistration' },
      { platform: 'woocommerce', at: WOO_AT, delivery: fixture('woocommerce-customer-created'), eventName: 'CompleteRegistration' },
      // At the sample's own time: a cart updated in 2021 is in the future of C7_AT, and Meta refuses that.
      { platform: 'commerce7', at: Date.parse('2021-02-03T01:05:00Z'), delivery: fixture('commerce7-cart-update'), eventName: 'AddToCart' },
      { platform: 'commerce7', at: Date.parse('2018-05-18T17:05:00Z'), delivery: sign.commerce7('Club Membership', 'Create', fixtureJson('commerce7-club-membership')), eventName: 'Subscribe' },
      {
        platform: 'commerce7', at: C7_AT, eventName: 'CancelMembership',
        delivery: sign.commerce7('Club Membership', 'Update', { ...fixtureJson('commerce7-club-membership'), status: 'Cancelled', cancelDate: '2018-12-01T00:00:00.000Z' }),
      },
    ];
    for (const s of samples) {
      clock.set(s.at);
      const res = await post(s.platform, sourceIds[s.platform]!, s.delivery);
      expect(res.statusCode, s.eventName).toBe(200);
      const [result] = res.json().results;
      expect(result, `${s.platform} ${s.eventName} ${JSON.stringify(result)}`).toMatchObject(s.answer ?? { status: 'accepted' });
      const [row] = (await events(`webhook:${s.platform}`)).filter((r) => r.event_id === result.event_id);
      expect(row?.event_name).toBe(s.eventName);
    }
  });

  it('sends one Purchase per Shopify order: orders/paid after orders/create is a duplicate', async () => {
    clock.set(SHOPIFY_AT);
    const created = fixture('shopify-orders-create');
    // Another topic and webhook id over the same signed body: a second webhook for the same order.
    const paid = { ...created, headers: { ...created.headers, 'X-Shopify-Topic': 'orders/paid', 'X-Shopify-Webhook-Id': randomUUID() } };
    const res = await post('shopify', sourceIds.shopify!, paid);
    expect(res.json().results).toEqual([expect.objectContaining({ event_id: 'purchase:820982911946154508', status: 'duplicate' })]);
  });

  it('refuses a Stripe signature older than 300 s with timestamp_out_of_tolerance, storing nothing', async () => {
    clock.set((STRIPE_T + 301) * 1000);
    const before = (await events('webhook:stripe')).length;
    const res = await post('stripe', sourceIds.stripe!, fixture('stripe-payment-intent-succeeded'));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('timestamp_out_of_tolerance');
    expect(await events('webhook:stripe')).toHaveLength(before);
  });

  it('verifies the raw bytes whatever the content type, and answers 404 for unknown or mismatched sources', async () => {
    clock.set(GENERIC_AT);
    const d = sign.generic({ ...genericPurchase, event_id: 'purchase:G3', order_id: 'G3' });
    const bare = await t.relay.app.inject({ method: 'POST', url: `/v1/webhooks/generic/${sourceIds.generic}`, headers: { 'x-capi-relay-signature': d.headers['x-capi-relay-signature']! }, payload: Buffer.from(d.body) });
    expect(bare.statusCode).toBe(200);
    expect(bare.json().results[0].status).toBe('accepted');
    const json = { 'content-type': 'application/json' };
    expect((await post('generic', 'nope', { headers: json, body: '{}' })).json().error.code).toBe('not_found');
    expect((await post('shopify', sourceIds.generic!, { headers: json, body: '{}' })).statusCode).toBe(404);
    expect((await post('magento', sourceIds.generic!, { headers: json, body: '{}' })).statusCode).toBe(404);
  });

  it('keeps an unmappable delivery as a PII-free Unmappable row and answers 200', async () => {
    clock.set(GENERIC_AT);
    const bad = sign.generic({ event: 'purchase', event_id: 'bad-1', surprise: 'jane@example.com' }, 'dlv-1');
    const res = await post('generic', sourceIds.generic!, bad);
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0].status).toBe('rejected');
    const rows = (await events('webhook:generic')).filter((r) => r.event_name === 'Unmappable');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'dropped', event_id: 'dlv-1', drop_code: 'unknown_key' });
    expect(JSON.stringify(rows[0])).not.toContain('jane@example.com');
    const notJson = 'not json at all';
    const r2 = await post('generic', sourceIds.generic!, { headers: { 'content-type': 'text/plain', 'x-capi-relay-signature': signGeneric(GENERIC_SECRET, notJson, GENERIC_AT / 1000) }, body: notJson });
    expect(r2.statusCode).toBe(200);
    expect(r2.json().results[0]).toMatchObject({ status: 'rejected', code: 'invalid_json', event_id: `sha256:${sha256(notJson)}` });
    const log = (await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenantId}/events?event_name=Unmappable`, headers: admin })).json();
    expect(log.items).toHaveLength(2);
  });

  it('accepts the previous secret after a rotation, and stops at a disabled source', async () => {
    clock.set(SHOPIFY_AT);
    const rot = await t.relay.app.inject({ method: 'POST', url: `/api/v1/sources/${sourceIds.shopify}/rotate-secret`, headers: admin, payload: { secret: 'new-shopify-secret' } });
    expect(rot.statusCode).toBe(200);
    const f = fixture('shopify-orders-create');
    expect((await post('shopify', sourceIds.shopify!, f)).statusCode).toBe(200);
    await t.relay.app.inject({ method: 'POST', url: `/api/v1/sources/${sourceIds.shopify}/status`, headers: admin, payload: { status: 'disabled' } });
    expect((await post('shopify', sourceIds.shopify!, f)).statusCode).toBe(404);
    expect(t.logs.join('')).not.toContain(SHOPIFY_SECRET);
  });
});
