/**
 * Plain customer data never reaches a message. Canary customer data (an e-mail, a phone number, a name)
 * goes down every rejection path — the ingest API, /v1/collect, each webhook platform, the CSV import —
 * as values in the wrong field, as keys, in bodies that do not parse and in forged requests. Afterwards
 * no table of the store (every one, both databases), no log line and no rejection message holds a
 * canary in clear. The rule the messages follow: src/core/input-messages.ts.
 */
import { createHmac } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../../src/sources/index.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { withStoreMigratedTo } from '../helpers/old-store.js';
import { ADMIN_HEADERS as admin, createTenantViaApi, startTestRelay, type ApiTenant, type TestRelay } from '../helpers/relay.js';

const EMAIL = 'pii.canary.7f3a@example.org';
const PHONE = '+44 7700 900123';
const NAME = 'Zebulon Canarywood';
/** The clear forms a leak could take: as sent, lower-cased, the phone's digits, the name's parts. */
const CANARY_FORMS = [EMAIL, 'pii.canary.7f3a', '7700 900123', '7700900123', 'canarywood', 'zebulon'];

const ORIGIN = 'https://shop.example';
const SECRETS = {
  shopify: 'canary-shopify-secret',
  woocommerce: 'canary-woo-secret',
  stripe: 'whsec_canary',
  commerce7: 'hook-user:hook-pass',
  generic: 'canary-generic-secret',
} as const;
type Platform = keyof typeof SECRETS;

/** Malformed events carrying the canaries: a value in the wrong field, a key, a wrong type. */
const BAD_EVENTS: unknown[] = [
  { event: 'purchase', order_id: 'c1', value: 1, currency: 'EUR', timestamp: EMAIL, user: { phone: PHONE, first_name: NAME } },
  { event: 'purchase', order_id: 'c2', value: 1, currency: 'EUR', user: { [PHONE]: EMAIL, last_name: NAME } },
  { event: 'purchase', order_id: 'c3', value: 1, currency: 'EUR', [NAME]: EMAIL, user: { phone: PHONE } },
  { event: 'purchase', order_id: 'c4', value: 1, currency: 'EUR', items: [{ id: 'sku', [EMAIL]: PHONE, name: NAME }] },
  { event: 'purchase', order_id: 'c5', value: 1, currency: 'EUR', integrations: { facebook: { [PHONE]: EMAIL, event_name: NAME } } },
  { event: 'purchase', order_id: 'c6', value: 1, currency: { email: EMAIL, phone: PHONE, name: NAME } },
  { event_name: 'Lead', action_source: EMAIL, user_data: { ph: PHONE, fn: NAME } },
  { event_name: 'Lead', event_time: `${NAME} ${PHONE}`, user_data: { em: EMAIL } },
  { event_name: 'Lead', user_data: { [EMAIL]: NAME, ph: PHONE } },
  { event_name: 'Lead', opt_out: NAME, user_data: { em: EMAIL, ph: PHONE } },
];
const NOT_JSON = `{"event":"purchase","user":{"email":${EMAIL},"phone":${PHONE},"name":${NAME}}`;

describe.each(dialects)('no plain customer data in messages, store or logs on $name', (dialect) => {
  let t: TestRelay;
  let tenant: ApiTenant;
  const sources: Partial<Record<Platform, string>> = {};
  const clock = steppedClock(Date.parse('2026-03-01T12:00:00Z'));
  /** Every answer to a rejected input, scanned with the store and the logs at the end. */
  const answers: string[] = [];

  beforeAll(async () => {
    t = await startTestRelay(dialect, {}, clock.now);
    tenant = await createTenantViaApi(t, 'Canary');
    for (const platform of Object.keys(SECRETS) as Platform[]) {
      const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/sources`, headers: admin, payload: { platform, secret: SECRETS[platform], currency: 'EUR' } });
      expect(res.statusCode, platform).toBe(201);
      sources[platform] = res.json().id;
    }
    const origin = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin: ORIGIN } });
    expect(origin.statusCode).toBe(201);
  });
  afterAll(async () => t?.close());

  async function send(opts: { url: string; headers?: Record<string, string>; payload: string | object; expect: number[] }) {
    const res = await t.relay.app.inject({ method: 'POST', url: opts.url, headers: opts.headers ?? {}, payload: opts.payload as string });
    expect(opts.expect, `${opts.url}: ${res.body}`).toContain(res.statusCode);
    answers.push(res.body);
    return res;
  }
  const webhook = (platform: Platform, headers: Record<string, string>, body: string, expectStatus = [200]) =>
    send({ url: `/v1/webhooks/${platform}/${sources[platform]}`, headers: { 'content-type': 'application/json', ...headers }, payload: body, expect: expectStatus });
  const b64 = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64');
  const now = () => Math.floor(clock.now() / 1000);

  it('rejects each malformed event on POST /v1/events, one by one and in a batch, without repeating a value', async () => {
    const auth = { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' };
    for (const ev of BAD_EVENTS) {
      const res = await send({ url: '/v1/events', headers: auth, payload: JSON.stringify(ev), expect: [202] });
      expect(res.json().results[0].status, JSON.stringify(ev)).toBe('rejected');
    }
    const batch = await send({ url: '/v1/events', headers: auth, payload: JSON.stringify({ events: BAD_EVENTS }), expect: [202] });
    expect(batch.json().results.map((r: { status: string }) => r.status)).toEqual(BAD_EVENTS.map(() => 'rejected'));
    await send({ url: '/v1/events', headers: auth, payload: JSON.stringify({ events: BAD_EVENTS, [EMAIL]: PHONE }), expect: [400] });
    await send({ url: '/v1/events', headers: auth, payload: NOT_JSON, expect: [400] });
  });

  it('accepts events whose page URLs carry the customer in their query (a thank-you page, a campaign link), leaving it out', async () => {
    const query = `order=c1&email=${encodeURIComponent(EMAIL)}&tel=${encodeURIComponent(PHONE)}&name=${encodeURIComponent(NAME)}&to=${EMAIL}`;
    const auth = { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' };
    const server = { event: 'purchase', order_id: 'c1', value: 5, currency: 'EUR', timestamp: now() - 60, url: `${ORIGIN}/thanks?${query}`, referrer: `${ORIGIN}/cart?${query}`, user: { email: 'someone.else@example.net' } };
    // Stored (skipped here: this store has no pixel), which is what the scan below reads.
    expect((await send({ url: '/v1/events', headers: auth, payload: JSON.stringify(server), expect: [202] })).json().results[0].status).toBe('skipped');
    const browser = { key: tenant.publishableKey, event: 'ViewContent', url: `${ORIGIN}/p/mug?${query}`, referrer: `https://mail.example/?${query}`, fbp: 'fb.1.1596403881668.1116446470', consent: true };
    const res = await send({ url: '/v1/collect', headers: { origin: ORIGIN, 'content-type': 'text/plain' }, payload: JSON.stringify(browser), expect: [202] });
    expect(res.json().results[0].status).toBe('skipped');
    const stored = await t.relay.store.db.selectFrom('events').select('payload').where('tenant_id', '=', tenant.id).where('event_id', '=', 'purchase:c1').executeTakeFirstOrThrow();
    expect(JSON.parse(stored.payload)).toMatchObject({ event_source_url: `${ORIGIN}/thanks?order=c1`, referrer_url: `${ORIGIN}/cart?order=c1` });
  });

  it('rejects malformed browser events on POST /v1/collect', async () => {
    const headers = { origin: ORIGIN, 'content-type': 'application/json' };
    const bodies = [
      { key: tenant.publishableKey, event: 'Purchase', order_id: 'b1', value: 1, currency: 'EUR', timestamp: EMAIL, user: { email: EMAIL, phone: PHONE, first_name: NAME } },
      { key: tenant.publishableKey, event: 'ViewContent', items: [{ id: 'sku', [EMAIL]: PHONE, name: NAME }] },
      { key: tenant.publishableKey, event: 'ViewContent', currency: { email: EMAIL, name: NAME }, user: { phone: PHONE } },
    ];
    for (const body of bodies) {
      const res = await send({ url: '/v1/collect', headers, payload: JSON.stringify(body), expect: [202] });
      expect(res.json().results[0].status).toBe('rejected');
    }
    await send({ url: '/v1/collect', headers: { origin: ORIGIN, 'content-type': 'text/plain' }, payload: NOT_JSON, expect: [400] });
  });

  it('keeps rejected generic webhook events as PII-free Unmappable rows', async () => {
    const body = JSON.stringify({ events: BAD_EVENTS });
    const res = await webhook('generic', { 'x-capi-relay-signature': signGeneric(SECRETS.generic, body, now()), 'x-capi-relay-delivery-id': 'canary-1' }, body);
    expect(res.json().results.map((r: { status: string }) => r.status)).toEqual(BAD_EVENTS.map(() => 'rejected'));
    await webhook('generic', { 'x-capi-relay-signature': signGeneric(SECRETS.generic, NOT_JSON, now()), 'x-capi-relay-delivery-id': 'canary-2' }, NOT_JSON);
    await webhook('generic', { 'x-capi-relay-signature': signGeneric('forged', body, now()) }, body, [401]);
    const rows = await t.relay.store.db.selectFrom('events').select(['drop_code']).where('event_name', '=', 'Unmappable').where('source', '=', 'webhook:generic').execute();
    expect(rows.length).toBe(BAD_EVENTS.length + 1);
  });

  it('keeps unmappable platform webhooks (no id, not JSON) and refuses forged ones, for every platform', async () => {
    const customer = { email: EMAIL, phone: PHONE, first_name: 'Zebulon', last_name: 'Canarywood' };
    // Shopify: an order and a checkout with the customer but no id; a body that is not JSON; a forged one.
    const order = JSON.stringify({ email: EMAIL, phone: PHONE, customer, billing_address: { ...customer, name: NAME }, total_price: '1.00', currency: 'EUR' });
    const shop = (topic: string, body: string, secret: string = SECRETS.shopify) =>
      ({ 'x-shopify-topic': topic, 'x-shopify-webhook-id': `canary-${topic}-${body.length}`, 'x-shopify-hmac-sha256': b64(secret, body) });
    await webhook('shopify', shop('orders/create', order), order);
    await webhook('shopify', shop('checkouts/create', order), order);
    await webhook('shopify', shop('orders/create', NOT_JSON), NOT_JSON);
    await webhook('shopify', shop('orders/create', order, 'forged'), order, [401]);
    // WooCommerce: an order without an id, a customer without an id, not JSON, forged.
    const woo = (topic: string, body: string, secret: string = SECRETS.woocommerce) =>
      ({ 'x-wc-webhook-topic': topic, 'x-wc-webhook-delivery-id': `canary-${topic}-${body.length}`, 'x-wc-webhook-signature': b64(secret, body) });
    const wooOrder = JSON.stringify({ billing: { ...customer, email: EMAIL }, total: '1.00', currency: 'EUR' });
    await webhook('woocommerce', woo('order.created', wooOrder), wooOrder);
    await webhook('woocommerce', woo('customer.created', wooOrder), wooOrder);
    await webhook('woocommerce', woo('order.created', NOT_JSON), NOT_JSON);
    await webhook('woocommerce', woo('order.created', wooOrder, 'forged'), wooOrder, [401]);
    // Commerce7: an order without an id, not JSON, wrong credentials.
    const c7 = (credentials: string) => ({ authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });
    const c7Order = JSON.stringify({ object: 'Order', action: 'Create', payload: { customer: { ...customer, emails: [{ email: EMAIL }], phones: [{ phone: PHONE }] }, total: 100 } });
    await webhook('commerce7', c7(SECRETS.commerce7), c7Order);
    await webhook('commerce7', c7(SECRETS.commerce7), NOT_JSON);
    await webhook('commerce7', c7(`${EMAIL}:${PHONE}`), c7Order, [401]);
    // Stripe: a payment intent without an id, not JSON, forged.
    const stripeSig = (body: string, secret: string = SECRETS.stripe) =>
      ({ 'stripe-signature': `t=${now()},v1=${createHmac('sha256', secret).update(`${now()}.${body}`).digest('hex')}` });
    const intent = JSON.stringify({ id: 'evt_canary', type: 'payment_intent.succeeded', data: { object: { amount: 100, currency: 'eur', receipt_email: EMAIL, shipping: { name: NAME, phone: PHONE } } } });
    await webhook('stripe', stripeSig(intent), intent);
    await webhook('stripe', stripeSig(NOT_JSON), NOT_JSON);
    await webhook('stripe', stripeSig(intent, 'whsec_forged'), intent, [401]);
  });

  it('rejects CSV rows and a malformed CSV without repeating a cell', async () => {
    const csv = [
      'email,phone,first_name,last_name,event_time,value,currency,order_id',
      `${EMAIL},${PHONE},Zebulon,Canarywood,${EMAIL},1,EUR,k1`,
      `${EMAIL},${PHONE},Zebulon,Canarywood,2026-02-01,${PHONE},EUR,k2`,
      `${EMAIL},${PHONE},Zebulon,Canarywood,2026-02-01,1,${NAME},k3`,
      `${EMAIL},${PHONE},Zebulon,Canarywood,2099-01-01,1,EUR,k4`,
    ].join('\n');
    const url = `/api/v1/tenants/${tenant.id}/imports`;
    const res = await send({ url, headers: { ...admin, 'content-type': 'text/csv' }, payload: csv, expect: [200] });
    expect(res.json().summary).toMatchObject({ rows: 4, rejected: 4 });
    const broken = `email,event_time\nx "${EMAIL}",2026-02-01\n`;
    await send({ url, headers: { ...admin, 'content-type': 'text/csv' }, payload: broken, expect: [400] });
  });

  it('leaves no canary in clear in any table, any log line or any rejection message', async () => {
    const db = t.relay.store.db;
    const tables = dialect.name === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['events', 'event_clear_fields', 'delivery_batches', 'delivery_exceptions', 'audit_log', 'webhook_replay_keys']));
    const found: string[] = [];
    let rowsScanned = 0;
    for (const table of tables) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows;
      rowsScanned += rows.length;
      const text = JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).toLowerCase();
      for (const form of CANARY_FORMS) if (text.includes(form.toLowerCase())) found.push(`${table}: ${form}`);
    }
    const logs = t.logs.join('').toLowerCase();
    for (const form of CANARY_FORMS) if (logs.includes(form.toLowerCase())) found.push(`logs: ${form}`);
    for (const answer of answers) for (const form of CANARY_FORMS) if (answer.toLowerCase().includes(form.toLowerCase())) found.push(`answer: ${form} in ${answer.slice(0, 300)}`);
    expect(found).toEqual([]);
    // The scan saw the rejections it looks for: Unmappable rows from every platform.
    const kept = await db.selectFrom('events').select(['source']).where('event_name', '=', 'Unmappable').execute();
    expect(new Set(kept.map((r) => r.source))).toEqual(new Set(['webhook:generic', 'webhook:shopify', 'webhook:woocommerce', 'webhook:commerce7', 'webhook:stripe']));
    expect(rowsScanned).toBeGreaterThan(kept.length);
  });
});

describe.each(dialects)('rejection messages stored by earlier releases on $name', (dialect) => {
  it('lose their values in migration 0017, keeping their code and every other message', async () => {
    await withStoreMigratedTo(dialect, '0014_webhook_replay_keys', async (store) => {
      const db = store.db as unknown as Kysely<unknown>;
      await store.db.insertInto('tenants').values({ id: 't1', name: 'Old', status: 'active', forwarding: 1, policy: '{}', created_at: 1 }).execute();
      const row = (id: string, code: string, message: string) => ({
        id, tenant_id: 't1', event_name: 'Unmappable', event_id: id, source: 'webhook:generic', order_id: null, event_time: 1, received_at: 1,
        status: 'dropped', payload: '{}', client_ip_address: null, client_user_agent: null, decisions: '[]', drop_code: code, drop_message: message, simulated: 0,
      });
      await store.db.insertInto('events').values([
        row('e1', 'invalid_event_time', `event_time: "${EMAIL}" is not a unix time or ISO-8601 date`),
        row('e2', 'unknown_key', `user_data: unknown key "${PHONE}"`),
        row('e3', 'invalid_action_source', `action_source: "${NAME}" is not one of website, app`),
        row('e4', 'order_id_missing', 'order payload has no id'),
      ] as never).execute();
      await migrateToLatest(db, store.adapter);
      const messages = await store.db.selectFrom('events').select(['id', 'drop_code', 'drop_message']).orderBy('id').execute();
      expect(messages).toEqual([
        { id: 'e1', drop_code: 'invalid_event_time', drop_message: 'invalid_event_time: the input value was removed from this message' },
        { id: 'e2', drop_code: 'unknown_key', drop_message: 'unknown_key: the input value was removed from this message' },
        { id: 'e3', drop_code: 'invalid_action_source', drop_message: 'invalid_action_source: the input value was removed from this message' },
        { id: 'e4', drop_code: 'order_id_missing', drop_message: 'order payload has no id' },
      ]);
    });
  });
});
