/**
 * Issue 14, "bad input: a 4xx or a per-event `rejected`, never a 500": each input of the test campaign that
 * was a 500 (or a crash, or refused a whole batch), on both databases, which must answer alike.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../../src/sources/index.js';
import { dialects } from '../helpers/databases.js';
import { runCli } from '../helpers/processes.js';
import { ADMIN_HEADERS as admin, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

const ORIGIN = 'https://shop.example';
const GENERIC_SECRET = 'bad-input-generic-secret';
const STRIPE_SECRET = 'whsec_bad_input';
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

interface Result {
  event_id: string | null;
  status: string;
  code?: string;
  message?: string;
}

describe.each(dialects)('bad input on $name', (dialect) => {
  let t: TestRelay;
  let tenant: { id: string; ingestKey: string; publishableKey: string };
  let genericId: string;
  let stripeId: string;
  let n = 0;

  const good = (extra: Record<string, unknown> = {}) => ({
    event: 'purchase', event_id: `good-${++n}-${randomUUID()}`, timestamp: Math.floor(Date.now() / 1000) - 60, url: 'https://shop.example/thanks',
    value: 10, currency: 'EUR', order_id: `o-${n}`, user: { email: 'jane@example.com', user_agent: 'Mozilla/5.0', ip: '203.0.113.7' }, ...extra,
  });
  /** POST /v1/events with a raw JSON text (deep nesting cannot go through JSON.stringify). */
  const ingest = (text: string) =>
    t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' }, payload: text });
  const generic = (text: string, deliveryId: string = randomUUID()) =>
    t.relay.app.inject({
      method: 'POST', url: `/v1/webhooks/generic/${genericId}`, payload: text,
      headers: { 'content-type': 'application/json', 'x-capi-relay-signature': signGeneric(GENERIC_SECRET, text, Math.floor(Date.now() / 1000)), 'x-capi-relay-delivery-id': deliveryId },
    });
  const stored = async (eventIds: string[]) =>
    (await t.relay.store.db.selectFrom('events').select('event_id').where('tenant_id', '=', tenant.id).where('event_id', 'in', eventIds).execute()).length;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { logLevel: 'warn' });
    tenant = await createTenantViaApi(t, 'Bad input');
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '123456789012345', accessToken: 'EAAB-bad-input-0123456789' });
    const src = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/sources`, headers: admin, payload: { platform: 'generic', secret: GENERIC_SECRET } });
    genericId = src.json<{ id: string }>().id;
    const stripe = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/sources`, headers: admin, payload: { platform: 'stripe', secret: STRIPE_SECRET, siteUrl: 'https://shop.example/' } });
    stripeId = stripe.json<{ id: string }>().id;
    await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin: ORIGIN } });
  });
  afterAll(async () => {
    // Nothing in this file may reach the root error handler.
    expect(t.logs.filter((l) => l.includes('unhandled error'))).toEqual([]);
    await t?.close();
  });

  it('a NUL in event_id, event name, order_id or user agent rejects that event; the 99 good ones of its batch are stored', async () => {
    for (const bad of [{ event_id: 'nul\u0000id' }, { event: 'purch\u0000ase' }, { order_id: '10\u00001' }, { user: { email: 'a@b.co', user_agent: 'Mozilla\u0000' } }]) {
      const events = Array.from({ length: 99 }, () => good());
      events.splice(42, 0, good(bad));
      const res = await ingest(JSON.stringify({ events }));
      expect(res.statusCode).toBe(202);
      const results = res.json<{ results: Result[] }>().results;
      expect(results).toHaveLength(100);
      expect(results[42]).toMatchObject({ status: 'rejected', code: 'invalid_text' });
      expect(results[42]?.message).not.toContain('\u0000');
      expect(results.filter((r) => r.status === 'accepted')).toHaveLength(99);
      expect(await stored(events.filter((_, i) => i !== 42).map((e) => e.event_id))).toBe(99);
    }
  });

  it('a lone surrogate is refused alike (SQLite used to keep it as three U+FFFD)', async () => {
    const res = await ingest(JSON.stringify({ events: [good(), good({ event_id: 'ls-1', user: { email: 'a@b.co', user_agent: '\udf12' } })] }));
    expect(res.json<{ results: Result[] }>().results.map((r) => [r.status, r.code])).toEqual([['accepted', undefined], ['rejected', 'invalid_text']]);
    expect(await stored(['ls-1'])).toBe(0);
  });

  it('{"event": null} and {"event_name": null} are per-event rejections, on /v1/events and the generic webhook', async () => {
    const a = good();
    const res = await ingest(JSON.stringify({ events: [a, { event: null }, { event_name: null }] }));
    expect(res.statusCode).toBe(202);
    expect(res.json<{ results: Result[] }>().results.map((r) => [r.status, r.code ?? null])).toEqual([['accepted', null], ['rejected', 'missing_field'], ['rejected', 'missing_field']]);
    const b = good();
    const hook = await generic(JSON.stringify({ events: [b, { event: null }, 0] }));
    expect(hook.statusCode).toBe(200);
    expect(hook.json<{ results: Result[] }>().results.map((r) => [r.status, r.code ?? null])).toEqual([['accepted', null], ['rejected', 'missing_field'], ['rejected', 'invalid_type']]);
    expect(await stored([a.event_id, b.event_id])).toBe(2);
  });

  it('10,000 levels in custom_data, app_data or a generic-webhook event are rejected as too_deep', async () => {
    const base = JSON.stringify({ event_name: 'Lead', event_id: 'deep-1', user_data: { em: 'a@b.co' } }).slice(0, -1);
    const ok = good();
    for (const key of ['custom_data', 'app_data']) {
      const res = await ingest(`{"events":[${JSON.stringify(ok)},${base},"${key}":${deepObject(10_000)}}]}`);
      expect(res.statusCode).toBe(202);
      const results = res.json<{ results: Result[] }>().results;
      expect(results[1]).toMatchObject({ event_id: 'deep-1', status: 'rejected', code: 'too_deep' });
      expect(results[0]?.status).not.toBe('rejected');
    }
    const hook = await generic(`{"events":[${JSON.stringify(good())},${base},"custom_data":${deepObject(10_000)}}]}`);
    expect(hook.statusCode).toBe(200);
    expect(hook.json<{ results: Result[] }>().results.map((r) => r.code ?? r.status)).toEqual(['accepted', 'too_deep']);
  });

  it('strings and lists beyond their bounds are rejected as too_long', async () => {
    const res = await ingest(JSON.stringify({ events: [
      good({ event_id: 'x'.repeat(513) }), good({ order_id: 'é'.repeat(257) }), good({ url: `https://shop.example/${'p'.repeat(8200)}` }),
      good({ user: { email: 'a@b.co', user_agent: 'U'.repeat(1025) } }), good({ items: Array.from({ length: 1001 }, (_, i) => ({ id: `s${i}` })) }), good(),
    ] }));
    expect(res.statusCode).toBe(202);
    expect(res.json<{ results: Result[] }>().results.map((r) => r.code ?? r.status)).toEqual(['too_long', 'too_long', 'too_long', 'too_long', 'too_long', 'accepted']);
  });

  it('the generic webhook applies maxEventsPerRequest (it took 5,000 events)', async () => {
    const events = Array.from({ length: 1001 }, () => good());
    const res = await generic(JSON.stringify({ events }));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'too_many_events' } });
    expect(await stored(events.map((e) => e.event_id).slice(0, 500))).toBe(0);
  });

  it('a delivery that cannot be mapped is kept under a storable id, even when its delivery id is long or not valid text', async () => {
    // Stripe's delivery id is the event's own `id`, from the signed body; here the payment intent has no id.
    for (const evtId of ['evt_'.padEnd(5000, 'x'), 'evt_\u0000', 'evt_\udf12']) {
      const raw = JSON.stringify({ id: evtId, type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), data: { object: { object: 'payment_intent', amount: 100, currency: 'usd', status: 'succeeded' } } });
      const t0 = Math.floor(Date.now() / 1000);
      const res = await t.relay.app.inject({
        method: 'POST', url: `/v1/webhooks/stripe/${stripeId}`, payload: raw,
        headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t0},v1=${createHmac('sha256', STRIPE_SECRET).update(`${t0}.${raw}`).digest('hex')}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ results: Result[] }>().results).toEqual([expect.objectContaining({ event_id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), code: 'order_id_missing' })]);
    }
  });

  it('/v1/collect: a NUL in the event is a per-event rejection, in the gclid a 400; nothing stored', async () => {
    const beacon = (extra: Record<string, unknown>) =>
      t.relay.app.inject({
        method: 'POST', url: '/v1/collect', headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': 'Mozilla/5.0' },
        payload: JSON.stringify({ key: tenant.publishableKey, event: 'PageView', url: `${ORIGIN}/`, fbp: 'fb.1.1700000000000.1234567890', consent: true, ...extra }),
      });
    const res = await beacon({ event_id: 'c\u0000' });
    expect(res.statusCode).toBe(202);
    expect(res.json<{ results: Result[] }>().results).toEqual([{ event_id: null, status: 'rejected', code: 'invalid_text', field: 'event_id', message: expect.any(String) }]);
    const gclid = await beacon({ event_id: 'c-gclid', gclid: 'Cj0\u0000' });
    expect(gclid.statusCode).toBe(400);
    expect(gclid.json()).toMatchObject({ error: { code: 'invalid_body' } });
    expect(await stored(['c-gclid'])).toBe(0);
  });

  it('path and query parameters with U+0000 are a 400 invalid_parameter on every route', async () => {
    const auth = { authorization: `Bearer ${tenant.ingestKey}` };
    for (const [method, url, headers] of [
      ['GET', '/v1/events/%00', auth], ['GET', '/v1/events?event_name=%00', auth], ['GET', '/v1/events?since=1&source=a%00', auth],
      ['POST', '/v1/webhooks/shopify/%00', {}], ['GET', `/api/v1/tenants/a%00b`, admin], ['GET', `/api/v1/tenants/${tenant.id}/events?event_name=%00`, admin],
      ['GET', `/v1/events?event_name=${'x'.repeat(3000)}`, auth],
    ] as const) {
      const res = await t.relay.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, ...(method === 'POST' ? { payload: '{}' } : {}) });
      expect([url, res.statusCode, res.json().error?.code]).toEqual([url, 400, 'invalid_parameter']);
    }
  });

  it('admin bodies follow the same text rules', async () => {
    const res = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload: { name: 'Shop\u0000' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_body', message: 'body name: contains U+0000 or an unpaired surrogate, which cannot be stored as text' } });
  });
});

describe('capi-relay preview on bad input', () => {
  it('answers null names and 10,000 levels line by line instead of crashing', async () => {
    const lines = ['{"event": null}', '{"event_name": null}', `{"event_name":"Lead","custom_data":${deepObject(10_000)}}`, '{"event_name":"Lead","event_id":"a\\u0000"}'];
    const preview = await runCli(process.env, ['preview'], { input: `${lines.join('\n')}\n` });
    expect(preview.code, preview.stderr).toBe(0);
    const codes = preview.stdout.trim().split('\n').map((l) => {
      const out = JSON.parse(l) as { code?: string; dropped?: { code: string } };
      return out.dropped?.code ?? out.code;
    });
    expect(codes).toEqual(['missing_field', 'missing_field', 'too_deep', 'invalid_text']);
  });
});
