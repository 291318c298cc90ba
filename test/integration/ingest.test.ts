import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, addPixelViaApi, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';
import { deliveryStates } from '../../src/store/delivery-state.js';

const ACCESS_TOKEN = 'EAAB-secret-access-token-never-in-plain-text';

function purchase(overrides: Record<string, unknown> = {}) {
  return {
    event: 'purchase',
    event_id: `order-${Math.random().toString(36).slice(2)}`,
    timestamp: Math.floor(Date.now() / 1000) - 60,
    url: 'https://shop.example.com/thanks',
    value: 42.5,
    currency: 'EUR',
    order_id: '1001',
    user: { email: 'Jane.Doe@Example.com', ip: '203.0.113.7', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)', fbp: 'fb.1.1596403881668.1116446470' },
    ...overrides,
  };
}

describe.each(dialects)('ingest API on $name', (dialect) => {
  let t: TestRelay;
  let tenantA: { id: string; ingestKey: string };
  let tenantB: { id: string; ingestKey: string };

  async function post(key: string | null, body: unknown, headers: Record<string, string> = {}) {
    return t.relay.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  beforeAll(async () => {
    t = await startTestRelay(dialect);
    tenantA = await createTenantViaApi(t, 'Store A');
    tenantB = await createTenantViaApi(t, 'Store B');
    await addPixelViaApi(t, tenantA.id, { pixelId: '123456789012345', accessToken: ACCESS_TOKEN });
  });
  afterAll(async () => t?.close());

  it('accepts one event and queues it for the pixel', async () => {
    const res = await post(tenantA.ingestKey, purchase({ event_id: 'single-1' }));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ results: [{ event_id: 'single-1', status: 'accepted' }] });
    const list = (await t.relay.app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${tenantA.ingestKey}` } })).json();
    const item = list.items.find((i: { eventId: string }) => i.eventId === 'single-1');
    expect(item.eventName).toBe('Purchase');
    expect(item.deliveries).toHaveLength(1);
    expect(item.deliveries[0].status).toBe('queued');
  });

  it('accepts a batch, answering per event in input order', async () => {
    const events = [purchase({ event_id: 'b-1' }), { event: 'add_to_cart', event_id: 'b-2', url: 'https://shop.example.com/p/1', user: { email: 'a@b.co', user_agent: 'UA' } }, { nonsense: true }];
    const res = await post(tenantA.ingestKey, { events });
    expect(res.statusCode).toBe(202);
    const { results } = res.json();
    expect(results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'rejected']);
    expect(results[2].code).toEqual(expect.any(String));
    expect(results[2].message).toEqual(expect.any(String));
  });

  it('generates an event_id when none is given and returns it', async () => {
    const { event_id: _omit, ...noId } = purchase({ order_id: undefined });
    const res = await post(tenantA.ingestKey, noId);
    const [result] = res.json().results;
    expect(result.status).toBe('accepted');
    expect(result.event_id).toMatch(/\S{8,}/);
  });

  it('answers duplicate for a re-sent event, also inside one batch', async () => {
    const e = purchase({ event_id: 'dup-1' });
    expect((await post(tenantA.ingestKey, e)).json().results[0].status).toBe('accepted');
    expect((await post(tenantA.ingestKey, e)).json().results[0].status).toBe('duplicate');
    const batch = (await post(tenantA.ingestKey, { events: [purchase({ event_id: 'dup-2' }), purchase({ event_id: 'dup-2' })] })).json();
    expect(batch.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'duplicate']);
    const list = (await t.relay.app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: { authorization: `Bearer ${tenantA.ingestKey}` } })).json();
    expect(list.items.filter((i: { eventId: string }) => i.eventId === 'dup-1')).toHaveLength(1);
  });

  it.each([
    ['no key', null, purchase(), {}, 401, 'unauthorized'],
    ['a wrong key', 'cr_ingest_wrong', purchase(), {}, 401, 'unauthorized'],
    ['bad JSON', 'A', '{"event": "purchase",', {}, 400, 'invalid_json'],
    ['a __proto__ key deep in custom data', 'A', '{"events":[{"event":"purchase","custom_data":{"a":{"__proto__":{"x":1}}}}]}', {}, 400, 'invalid_json'],
    ['a constructor.prototype key', 'A', '{"events":[{"event":"purchase","constructor":{"prototype":{"x":1}}}]}', {}, 400, 'invalid_json'],
    ['an array body', 'A', [purchase()], {}, 400, 'invalid_body'],
    ['an empty batch', 'A', { events: [] }, {}, 400, 'invalid_body'],
    ['keys beside events', 'A', { events: [purchase()], extra: 1 }, {}, 400, 'invalid_body'],
    ['too many events', 'A', { events: Array.from({ length: 1001 }, () => purchase()) }, {}, 413, 'too_many_events'],
    ['a non-JSON content type', 'A', 'event=purchase', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
  ] as const)('rejects %s with a code', async (_label, key, body, headers, status, code) => {
    const res = await post(key === 'A' ? tenantA.ingestKey : key, body, headers);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message).toEqual(expect.any(String));
    // Valid JSON refused on purpose is not called malformed: the message names the key.
    if (_label.includes('proto') || _label.includes('constructor')) expect(res.json().error.message).toMatch(/"__proto__" key or a "constructor" key holding "prototype"/);
  });

  it('rejects an oversized body with 413', async () => {
    const huge = { events: [purchase({ padding: 'x'.repeat(6 * 1024 * 1024) })] };
    const res = await post(tenantA.ingestKey, huge);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('body_too_large');
  });

  it.each([
    ['an unknown key', { ...purchase(), surprise: 1 }],
    ['a wrong type', { ...purchase(), value: 'lots' }],
    ['a wrong type for event', { ...purchase(), event: 42 }],
  ])('rejects an event with %s, per event, keeping the good ones', async (_label, bad) => {
    const res = await post(tenantA.ingestKey, { events: [purchase(), bad] });
    expect(res.statusCode).toBe(202);
    const [good, rejected] = res.json().results;
    expect(good.status).toBe('accepted');
    expect(rejected.status).toBe('rejected');
    expect(rejected.code).toMatch(/^[a-z_]+$/);
  });

  it('isolates tenants: B can neither read nor be written as A', async () => {
    await post(tenantA.ingestKey, purchase({ event_id: 'iso-a' }));
    const resB = await post(tenantB.ingestKey, purchase({ event_id: 'iso-a' }));
    // Stored for B (not a duplicate of A's), and skipped: B has no pixel.
    expect(resB.json().results[0]).toMatchObject({ event_id: 'iso-a', status: 'skipped', code: 'no_active_pixel' });
    const listB = (await t.relay.app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: { authorization: `Bearer ${tenantB.ingestKey}` } })).json();
    expect(listB.items).toHaveLength(1);
    expect(listB.items[0].deliveries).toEqual([]);
    const listA = (await t.relay.app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: { authorization: `Bearer ${tenantA.ingestKey}` } })).json();
    const aEvent = listA.items.find((i: { eventId: string }) => i.eventId === 'iso-a');
    const peek = await t.relay.app.inject({ method: 'GET', url: `/v1/events/${aEvent.id}`, headers: { authorization: `Bearer ${tenantB.ingestKey}` } });
    expect(peek.statusCode).toBe(404);
    const own = await t.relay.app.inject({ method: 'GET', url: `/v1/events/${aEvent.id}`, headers: { authorization: `Bearer ${tenantA.ingestKey}` } });
    expect(own.statusCode).toBe(200);
    expect(own.json().history[0].status).toBe('queued');
  });

  it('skips, with a reason, an event for a store with no enabled pixel; a pixel added later sends only new traffic', async () => {
    const c = await createTenantViaApi(t, 'Store C');
    const before = await post(c.ingestKey, { events: [purchase({ event_id: 'c-1' }), { nonsense: true }] });
    expect(before.statusCode).toBe(202);
    const [skipped, rejected] = before.json().results;
    expect(skipped).toMatchObject({ event_id: 'c-1', status: 'skipped', code: 'no_active_pixel' });
    expect(skipped.message).toMatch(/no enabled pixel/);
    expect(rejected.status).toBe('rejected');
    const pixel = await addPixelViaApi(t, c.id, { pixelId: '223344556677', accessToken: 'EAAB-store-c-token-0123' });
    const after = (await post(c.ingestKey, purchase({ event_id: 'c-2' }))).json().results[0];
    expect(after).toEqual({ event_id: 'c-2', status: 'accepted' });
    const rows = await t.relay.store.db.selectFrom('events').select(['id', 'event_id', 'status', 'drop_code']).where('tenant_id', '=', c.id).orderBy('event_id').execute();
    const deliveries = await deliveryStates(t.relay.store.db, c.id);
    // The old event stays skipped with its reason in the event log; only the new one has a delivery.
    expect(rows.map((r) => ({ ...r, pixels: deliveries.filter((d) => d.eventRowId === r.id).map((d) => d.pixelRowId) })).map(({ id: _id, ...r }) => r)).toEqual([
      { event_id: 'c-1', status: 'skipped', drop_code: 'no_active_pixel', pixels: [] },
      { event_id: 'c-2', status: 'queued', drop_code: null, pixels: [pixel] },
    ]);
    // A disabled pixel takes nothing either.
    const off = await t.relay.app.inject({ method: 'POST', url: `/api/v1/pixels/${pixel}/status`, headers: ADMIN_HEADERS, payload: { status: 'disabled' } });
    expect(off.statusCode).toBe(200);
    expect((await post(c.ingestKey, purchase({ event_id: 'c-3' }))).json().results[0]).toMatchObject({ status: 'skipped', code: 'no_active_pixel' });
  });

  it('filters the event log by event name in any case and by channel, its short name included, with no wildcards', async () => {
    const auth = { authorization: `Bearer ${tenantA.ingestKey}` };
    const count = async (q: string) => ((await t.relay.app.inject({ method: 'GET', url: `/v1/events?limit=500&${q}`, headers: auth })).json().items as unknown[]).length;
    const purchases = await count('event_name=Purchase');
    expect(purchases).toBeGreaterThan(0);
    expect(await count('event_name=purchase')).toBe(purchases);
    expect(await count('event_name=PURCHASE')).toBe(purchases);
    const fromApi = await count('source=api');
    expect(fromApi).toBeGreaterThan(0);
    expect(await count('source=API')).toBe(fromApi);
    // LIKE's wildcards are plain characters in a filter.
    expect(await count('source=%25')).toBe(0);
    expect(await count('source=a_i')).toBe(0);
  });

  it('filters and paginates the event log, newest first', async () => {
    const key = tenantA.ingestKey;
    const auth = { authorization: `Bearer ${key}` };
    const page1 = (await t.relay.app.inject({ method: 'GET', url: '/v1/events?limit=2&event_name=Purchase', headers: auth })).json();
    expect(page1.items).toHaveLength(2);
    expect(page1.items.every((i: { eventName: string }) => i.eventName === 'Purchase')).toBe(true);
    expect(page1.items[0].receivedAt).toBeGreaterThanOrEqual(page1.items[1].receivedAt);
    const page2 = (await t.relay.app.inject({ method: 'GET', url: `/v1/events?limit=2&event_name=Purchase&cursor=${page1.nextCursor}`, headers: auth })).json();
    const ids1 = page1.items.map((i: { id: string }) => i.id);
    expect(page2.items.some((i: { id: string }) => ids1.includes(i.id))).toBe(false);
    const queued = (await t.relay.app.inject({ method: 'GET', url: '/v1/events?status=queued', headers: auth })).json();
    expect(queued.items.length).toBeGreaterThan(0);
    const bad = await t.relay.app.inject({ method: 'GET', url: '/v1/events?limit=0', headers: auth });
    expect(bad.json().error.code).toBe('invalid_parameter');
    // The same query rules as the dashboard's log: an unknown status or parameter is refused, not ignored.
    for (const q of ['status=bogus', 'colour=red', 'since=yesterday']) {
      const refused = await t.relay.app.inject({ method: 'GET', url: `/v1/events?${q}`, headers: auth });
      expect([refused.statusCode, refused.json().error.code], q).toEqual([400, 'invalid_parameter']);
    }
    const future = (await t.relay.app.inject({ method: 'GET', url: `/v1/events?since=${Date.now() + 3_600_000}`, headers: auth })).json();
    expect(future.items).toEqual([]);
  });

  it('keeps the access token out of the database and the logs in plain text', async () => {
    const rows = await t.relay.store.db.selectFrom('pixels').select('token_sealed').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.token_sealed).not.toContain(ACCESS_TOKEN);
    if (dialect.name === 'sqlite') {
      for (const f of readdirSync(t.db.dataDir)) {
        expect(readFileSync(join(t.db.dataDir, f)).includes(Buffer.from(ACCESS_TOKEN))).toBe(false);
      }
    }
    const everything = t.logs.join('');
    expect(everything).not.toContain(ACCESS_TOKEN);
    expect(everything).not.toContain(tenantA.ingestKey);
    expect(everything).not.toContain('Jane.Doe@Example.com');
    expect(everything.toLowerCase()).not.toContain('jane.doe@example.com');
  });

  it('stores no plain-text email', async () => {
    const rows = await t.relay.store.db.selectFrom('events').select('payload').execute();
    for (const r of rows) expect(r.payload.toLowerCase()).not.toContain('jane.doe@example.com');
  });
});
