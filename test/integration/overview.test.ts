/**
 * The store owner's overview, alerts, setup checklist, publishable key and event details through the real HTTP
 * app on every dialect, with delivery to the strict emulator; and the refused-traffic counts behind them.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertsAnswer, EventDetails, PublishableKeyAnswer, SetupAnswer, TenantOverview } from '../../src/core/overview-api.js';
import type { Emulator } from '../../src/emulator/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { allDeliveryStates } from '../helpers/delivery-states.js';
import { startEmulator } from '../helpers/emulator.js';
import { ADMIN_HEADERS, createTenantViaApi, startTestRelay, type ApiTenant, type TestRelay } from '../helpers/relay.js';

const PIXEL = '111111111111';
const OTHER_PIXEL = '222222222222';
const ORIGIN = 'https://shop.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140';
const HOUR = 3_600_000;

function order(i: number, now: number, overrides: Record<string, unknown> = {}) {
  return {
    event: 'purchase',
    event_id: `purchase:${i}`,
    timestamp: Math.floor(now / 1000) - 30,
    url: `${ORIGIN}/thanks`,
    value: 10 + i,
    currency: 'EUR',
    order_id: String(i),
    items: [{ id: `sku-${i}`, quantity: 2, price: 5 }],
    user: { email: `buyer${i}@example.com`, phone: '+33612345678', ip: '203.0.113.9', user_agent: UA, fbp: 'fb.1.1596403881668.1116446470' },
    ...overrides,
  };
}

describe.each(dialects)('overview, alerts and setup on $name', (dialect) => {
  const clock = steppedClock();
  let emulator: Emulator;
  let graphUrl: string;
  let t: TestRelay;
  let tenant: ApiTenant;

  beforeAll(async () => {
    ({ emulator, graphUrl } = await startEmulator({
      now: clock.now,
      pixels: { [PIXEL]: { name: 'Shop pixel', tokens: ['tok-A-0123456789', 'tok-A-renewed-0123'] }, [OTHER_PIXEL]: { name: 'Second', tokens: ['tok-B-0123456789'] } },
    }));
  });
  afterAll(async () => emulator?.close());
  beforeEach(async () => {
    clock.set(Date.now());
    emulator.state.resetEvents();
    emulator.state.clearFaults();
    t = await startTestRelay(dialect, { graphUrl, graphVersion: 'v24.0', collectRatePerMinute: 3, adminPassword: 'correct horse battery staple' }, clock.now);
    tenant = await createTenantViaApi(t, 'Demo Shop');
  });
  afterEach(async () => t?.close());

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    t.relay.app.inject({ method, url, headers: ADMIN_HEADERS, ...(payload === undefined ? {} : { payload }) });
  async function get<T>(url: string): Promise<T> {
    const res = await api('GET', url);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  }
  async function addPixel(pixelId: string, accessToken: string): Promise<string> {
    const res = await api('POST', `/api/v1/tenants/${tenant.id}/pixels`, { pixelId, accessToken });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  }
  async function ingest(events: unknown[]) {
    const res = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` }, payload: { events } });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ results: { status: string }[] }>().results;
  }
  function collect(body: Record<string, unknown>, origin = ORIGIN, remoteAddress = '198.51.100.7') {
    return t.relay.app.inject({
      method: 'POST',
      url: '/v1/collect',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin, 'user-agent': UA },
      payload: JSON.stringify({ key: tenant.publishableKey, consent: true, url: `${ORIGIN}/p`, fbp: 'fb.1.1700000000000.1234567890', ...body }),
      remoteAddress,
    });
  }
  async function allowOrigin() {
    expect((await api('POST', `/api/v1/tenants/${tenant.id}/origins`, { origin: ORIGIN })).statusCode).toBe(201);
  }
  /** Runs delivery passes until nothing is due for an active pixel (paused pixels' work waits on purpose). */
  async function drain() {
    const engine = t.relay.engine;
    if (!engine) throw new Error('delivery is off');
    for (let round = 0; round < 100; round++) {
      if ((await engine.tick()) > 0) continue;
      const active = new Set((await t.relay.store.db.selectFrom('pixels').select('id').where('status', '=', 'active').execute()).map((p) => p.id));
      const due = (await allDeliveryStates(t.relay.store)).filter((d) => active.has(d.pixelRowId) && ['queued', 'failed', 'sending'].includes(d.status));
      if (due.length === 0) return;
      clock.advance(16 * 60 * 1000);
    }
    throw new Error('delivery did not settle');
  }
  /** Makes one stored event's payload one the emulator refuses, so its delivery ends dead (a real Meta 400). */
  async function poison(eventId: string) {
    const row = await t.relay.store.db.selectFrom('events').select(['id', 'payload']).where('event_id', '=', eventId).executeTakeFirstOrThrow();
    await t.relay.store.db.updateTable('events').set({ payload: JSON.stringify({ ...JSON.parse(row.payload), advertiser_tracking_enabled: true }) }).where('id', '=', row.id).execute();
    return row.id;
  }

  it('overview: events by channel, pixels by the name Test Connection learned, delivery health, dead with Retry all', async () => {
    const pixel = await addPixel(PIXEL, 'tok-A-0123456789');
    await allowOrigin();
    const before = await get<TenantOverview>(`/api/v1/tenants/${tenant.id}/overview`);
    expect(before.pixels).toEqual([expect.objectContaining({ id: pixel, pixelId: PIXEL, name: null, health: 'idle' })]);
    expect(before.events).toMatchObject({ today: { total: 0 }, last7Days: { total: 0 }, lastReceivedAt: null });

    const check = await api('POST', `/api/v1/pixels/${pixel}/test-connection`);
    expect(check.json()).toMatchObject({ ok: true, name: 'Shop pixel' });

    const now = clock.now();
    // Server only (two orders), browser only (a view), and one order both the browser and the server reported.
    expect((await ingest([order(1, now), order(2, now), order(3, now)])).map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect((await collect({ event: 'ViewContent', event_id: 'v-1' })).statusCode).toBe(202);
    expect((await collect({ event: 'Purchase', event_id: 'purchase:1', order_id: '1', value: 11, currency: 'EUR' })).statusCode).toBe(202);
    await poison('purchase:2');
    await drain();

    const o = await get<TenantOverview>(`/api/v1/tenants/${tenant.id}/overview`);
    expect(o.name).toBe('Demo Shop');
    expect(o.events.last7Days).toEqual({ browser: 1, server: 2, both: 1, total: 4 });
    expect(o.events.lastReceivedAt).toBe(now);
    expect(o.pixels).toHaveLength(1);
    expect(o.pixels[0]).toMatchObject({ name: 'Shop pixel', status: 'active', health: 'healthy', dead: 1, last7Days: { sent: 3, dead: 1, queued: 0, retrying: 0 } });
    expect(o.pixels[0]?.lastSentAt).not.toBeNull();
    expect(o.pixels[0]?.lastError).toContain('advertiser_tracking_enabled');
    expect(o.deliveries).toMatchObject({ dead: 1, pending: 0, oldestPendingAgeMs: null, retryAll: { method: 'POST', path: `/api/v1/tenants/${tenant.id}/replay` } });

    // The viewer's own day: since their midnight, within the last 24 hours.
    const local = await get<TenantOverview>(`/api/v1/tenants/${tenant.id}/overview?todayFrom=${now - 1000}`);
    expect(local.events.today).toEqual({ browser: 1, server: 2, both: 1, total: 4 });
    expect((await api('GET', `/api/v1/tenants/${tenant.id}/overview?todayFrom=${now - 3 * 86_400_000}`)).json().error.code).toBe('invalid_parameter');
    expect((await api('GET', `/api/v1/tenants/${tenant.id}/overview?days=3`)).statusCode).toBe(400);

    // Retry all is the action the overview names: it queues the dead delivery again.
    const retry = await api(o.deliveries.retryAll.method, o.deliveries.retryAll.path, {});
    expect(retry.json()).toEqual({ requeued: 1 });
    const after = await get<TenantOverview>(`/api/v1/tenants/${tenant.id}/overview`);
    expect(after.deliveries).toMatchObject({ dead: 0, pending: 1 });
    expect(after.deliveries.oldestPendingAgeMs).not.toBeNull();

    expect((await api('GET', '/api/v1/tenants/00000000-0000-0000-0000-000000000000/overview')).statusCode).toBe(404);
  });

  it('alerts: a paused pixel with the request that fixes it, dead deliveries, a burst of refused signatures', async () => {
    const pixel = await addPixel(PIXEL, 'tok-A-0123456789');
    expect((await get<AlertsAnswer>(`/api/v1/tenants/${tenant.id}/alerts`)).alerts).toEqual([]);

    emulator.state.setFaults({ expireToken: 'tok-A-0123456789' });
    await ingest([order(1, clock.now())]);
    await drain();
    const paused = await get<AlertsAnswer>(`/api/v1/tenants/${tenant.id}/alerts`);
    expect(paused.alerts).toEqual([
      expect.objectContaining({ code: 'pixel_paused', severity: 'critical', tenantId: tenant.id, tenantName: 'Demo Shop', pixelRowId: pixel, fix: { label: 'Set a new access token', method: 'POST', path: `/api/v1/pixels/${pixel}/rotate`, fields: ['accessToken'] } }),
    ]);
    expect(paused.alerts[0]?.message).toContain(PIXEL);
    // The fix as the alert gives it: a new token unpauses the pixel and its held event is sent.
    const fix = paused.alerts[0]?.fix;
    expect((await api('POST', fix?.path ?? '', { accessToken: 'tok-A-renewed-0123' })).statusCode).toBe(200);
    await drain();
    expect((await get<AlertsAnswer>(`/api/v1/tenants/${tenant.id}/alerts`)).alerts).toEqual([]);
    expect(emulator.state.events({ pixelId: PIXEL })).toHaveLength(1);

    // A delivery Meta refuses dies.
    await ingest([order(2, clock.now())]);
    await poison('purchase:2');
    await drain();
    // Ten webhook requests whose signature does not verify (a secret changed on one side).
    const source = await api('POST', `/api/v1/tenants/${tenant.id}/sources`, { platform: 'shopify', secret: 'shopify-secret-0123456789' });
    expect(source.statusCode).toBe(201);
    const sourceId = source.json<{ id: string }>().id;
    for (let i = 0; i < 10; i++) {
      const res = await t.relay.app.inject({
        method: 'POST',
        url: `/v1/webhooks/shopify/${sourceId}`,
        headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': 'bm90IHRoZSByaWdodCBobWFj', 'x-shopify-webhook-id': `w-${i}` },
        payload: '{"id": 1}',
      });
      expect(res.statusCode).toBe(401);
    }
    const alerts = await get<AlertsAnswer>(`/api/v1/tenants/${tenant.id}/alerts`);
    expect(alerts.alerts.map((a) => [a.code, a.severity, a.count])).toEqual([
      ['signature_refusals', 'warning', 10],
      ['dead_deliveries', 'warning', 1],
    ]);
    expect(alerts.alerts[1]?.fix).toEqual({ label: 'Retry all', method: 'POST', path: `/api/v1/tenants/${tenant.id}/replay` });
    const o = await get<TenantOverview>(`/api/v1/tenants/${tenant.id}/overview`);
    expect(o.refused.last24Hours).toEqual({ origin_not_allowed: 0, signature_refused: 10, rate_limited: 0 });
    expect(o.refused.hourly).toEqual([{ hour: Math.floor(clock.now() / HOUR) * HOUR, origin_not_allowed: 0, signature_refused: 10, rate_limited: 0 }]);

    // The operator's list covers every store; a store's own session may read its alerts, not everyone's.
    const other = await createTenantViaApi(t, 'Other Shop');
    const otherPixel = (await api('POST', `/api/v1/tenants/${other.id}/pixels`, { pixelId: OTHER_PIXEL, accessToken: 'tok-B-0123456789' })).json<{ id: string }>().id;
    await t.relay.store.db.updateTable('pixels').set({ status: 'paused', pause_reason: 'token: expired' }).where('id', '=', otherPixel).execute();
    const all = await get<AlertsAnswer>('/api/v1/alerts');
    expect(all.alerts.map((a) => [a.tenantName, a.code])).toEqual([
      ['Other Shop', 'pixel_paused'],
      ['Demo Shop', 'signature_refusals'],
      ['Demo Shop', 'dead_deliveries'],
    ]);
    const login = await t.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password: tenant.ingestKey } });
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    expect((await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant.id}/alerts`, headers: { cookie } })).statusCode).toBe(200);
    expect((await t.relay.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: { cookie } })).json().error.code).toBe('tenant_forbidden');
    expect((await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${other.id}/overview`, headers: { cookie } })).json().error.code).toBe('tenant_forbidden');
  });

  it('alerts: no events for hours while the store usually has traffic, and not for a quiet store', async () => {
    await addPixel(PIXEL, 'tok-A-0123456789');
    const start = clock.now();
    // A day ago the store received 300 orders: 300 in 7 days is about 5.4 per 3 hours.
    clock.set(start - 24 * HOUR);
    const results = await ingest(Array.from({ length: 300 }, (_, i) => order(i, clock.now())));
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    clock.set(start);
    const quiet = await get<AlertsAnswer>(`/api/v1/tenants/${tenant.id}/alerts`);
    expect(quiet.alerts.map((a) => a.code)).toEqual(['no_events']);
    expect(quiet.alerts[0]).toMatchObject({ severity: 'critical', since: start - 24 * HOUR, count: 3 });
    // One event in the last three hours ends it.
    await ingest([order(1000, clock.now())]);
    expect((await get<AlertsAnswer>(`/api/v1/tenants/${tenant.id}/alerts`)).alerts).toEqual([]);
    // A store with little traffic is not alerted for being quiet.
    const small = await createTenantViaApi(t, 'Small Shop');
    clock.set(start - 24 * HOUR);
    await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${small.ingestKey}` }, payload: { events: [order(1, clock.now())] } });
    clock.set(start);
    expect((await get<AlertsAnswer>(`/api/v1/tenants/${small.id}/alerts`)).alerts).toEqual([]);
  });

  it('setup: each step of the checklist with its state, and the snippet tag with the publishable key', async () => {
    const fresh = await get<SetupAnswer>(`/api/v1/tenants/${tenant.id}/setup`);
    expect(fresh.steps.map((s) => [s.id, s.state])).toEqual([
      ['pixel', 'todo'], ['test_connection', 'todo'], ['snippet', 'todo'], ['webhook_source', 'todo'], ['first_event', 'todo'],
    ]);
    expect(fresh.complete).toBe(false);
    expect(fresh.steps[0]?.fix).toEqual({ label: 'Add a pixel', method: 'POST', path: `/api/v1/tenants/${tenant.id}/pixels`, fields: ['pixelId', 'accessToken'] });
    expect(fresh.snippet.publishableKey).toBe(tenant.publishableKey);
    expect(fresh.snippet.tag).toContain(`<script async src="http://localhost:80/sdk.js?key=${tenant.publishableKey}"></script>`);
    expect(await get<PublishableKeyAnswer>(`/api/v1/tenants/${tenant.id}/keys/publishable`)).toEqual({ key: tenant.publishableKey, message: null });

    // A token Meta refuses: the Test Connection step shows the problem.
    const bad = await addPixel(PIXEL, 'tok-wrong-0123456789');
    expect((await api('POST', `/api/v1/pixels/${bad}/test-connection`)).json()).toMatchObject({ ok: false, problem: 'token' });
    let setup = await get<SetupAnswer>(`/api/v1/tenants/${tenant.id}/setup`);
    expect(setup.steps.map((s) => [s.id, s.state])).toEqual([
      ['pixel', 'done'], ['test_connection', 'problem'], ['snippet', 'todo'], ['webhook_source', 'todo'], ['first_event', 'todo'],
    ]);
    expect(setup.steps[1]?.detail).toContain('token');
    expect((await api('POST', `/api/v1/pixels/${bad}/rotate`, { accessToken: 'tok-A-0123456789' })).statusCode).toBe(200);
    expect((await api('POST', `/api/v1/pixels/${bad}/test-connection`)).json()).toMatchObject({ ok: true });

    // The snippet: an origin not on the list is refused and said so; once listed, the first beacon completes the step.
    await allowOrigin();
    expect((await collect({ event: 'PageView', event_id: 'pv-0' }, 'https://www.shop.example')).statusCode).toBe(403);
    const allowedElsewhere = await createTenantViaApi(t, 'Elsewhere');
    await api('POST', `/api/v1/tenants/${allowedElsewhere.id}/origins`, { origin: 'https://www.shop.example' });
    expect((await collect({ event: 'PageView', event_id: 'pv-1' }, 'https://www.shop.example')).json().error.code).toBe('origin_not_allowed');
    setup = await get<SetupAnswer>(`/api/v1/tenants/${tenant.id}/setup`);
    expect(setup.steps.map((s) => [s.id, s.state])).toEqual([
      ['pixel', 'done'], ['test_connection', 'done'], ['snippet', 'problem'], ['webhook_source', 'todo'], ['first_event', 'todo'],
    ]);
    expect(setup.steps[2]?.detail).toContain('1 beacon was refused in the last 24 hours');
    expect(setup.snippet.origins).toEqual([ORIGIN]);
    expect((await collect({ event: 'PageView', event_id: 'pv-2' })).statusCode).toBe(202);

    const source = await api('POST', `/api/v1/tenants/${tenant.id}/sources`, { platform: 'generic', secret: 'generic-secret-0123456789' });
    expect(source.statusCode).toBe(201);
    setup = await get<SetupAnswer>(`/api/v1/tenants/${tenant.id}/setup`);
    expect(setup.steps.map((s) => [s.id, s.state])).toEqual([
      ['pixel', 'done'], ['test_connection', 'done'], ['snippet', 'done'], ['webhook_source', 'todo'], ['first_event', 'done'],
    ]);
    expect(setup.steps[3]?.detail).toContain('generic source added');

    // A key issued before the relay kept publishable keys has only its hash: null until the next rotation.
    await t.relay.store.db.updateTable('api_keys').set({ public_key: null }).where('tenant_id', '=', tenant.id).execute();
    const old = await get<PublishableKeyAnswer>(`/api/v1/tenants/${tenant.id}/keys/publishable`);
    expect(old.key).toBeNull();
    expect(old.message).toContain('rotate it once');
    expect((await get<SetupAnswer>(`/api/v1/tenants/${tenant.id}/setup`)).snippet).toMatchObject({ publishableKey: null, tag: null });
    const rotated = await api('POST', `/api/v1/tenants/${tenant.id}/keys/publishable/rotate`);
    expect(await get<PublishableKeyAnswer>(`/api/v1/tenants/${tenant.id}/keys/publishable`)).toEqual({ key: rotated.json<{ key: string }>().key, message: null });
  });

  it('event details: identifiers by name, the JSON sent with the IP masked, Meta’s answer per pixel', async () => {
    await addPixel(PIXEL, 'tok-A-0123456789');
    await addPixel(OTHER_PIXEL, 'tok-B-0123456789');
    await ingest([order(7, clock.now())]);
    const row = await t.relay.store.db.selectFrom('events').select('id').where('event_id', '=', 'purchase:7').executeTakeFirstOrThrow();
    const url = `/api/v1/tenants/${tenant.id}/events/${row.id}/details`;

    const queued = await get<EventDetails>(url);
    expect(queued).toMatchObject({ eventName: 'Purchase', eventId: 'purchase:7', value: 17, currency: 'EUR', channels: ['api'], channelClass: 'server', simulated: false });
    expect(queued.contents).toEqual([{ id: 'sku-7', quantity: 2, item_price: 5 }]);
    expect(queued.identifiers).toEqual(['Email', 'Phone', 'IP address', 'User agent', 'Browser ID (fbp)']);
    const userData = queued.sent.user_data as Record<string, unknown>;
    expect(userData.client_ip_address).toBe('203.0.113.x');
    expect(userData.client_user_agent).toBe(UA);
    expect(userData.em).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(queued.clientFields).toEqual({ ipAddress: 'shown_masked', userAgent: 'shown' });
    expect(JSON.stringify(queued)).not.toContain('buyer7@example.com');
    expect(JSON.stringify(queued)).not.toContain('203.0.113.9');
    expect(queued.answers.map((a) => a.status)).toEqual(['queued', 'queued']);

    await drain();
    const sent = await get<EventDetails>(url);
    expect(sent.answers).toHaveLength(2);
    for (const a of sent.answers) expect(a).toMatchObject({ status: 'sent', eventsReceived: 1, fbtraceId: expect.any(String), lastError: null });
    expect(sent.answers.map((a) => a.pixelId).sort()).toEqual([PIXEL, OTHER_PIXEL].sort());
    // IP and user agent are erased once sent: still named, no longer shown.
    expect(sent.clientFields).toEqual({ ipAddress: 'erased', userAgent: 'erased' });
    expect(sent.identifiers).toEqual(['Email', 'Phone', 'Browser ID (fbp)', 'IP address', 'User agent']);
    expect((sent.sent.user_data as Record<string, unknown>).client_ip_address).toBeUndefined();

    // A dead event keeps its own copy of IP and user agent for the replay window: still shown, its error per pixel.
    await ingest([order(8, clock.now())]);
    const deadRow = await poison('purchase:8');
    await drain();
    const dead = await get<EventDetails>(`/api/v1/tenants/${tenant.id}/events/${deadRow}/details`);
    expect(dead.answers.map((a) => a.status)).toEqual(['dead', 'dead']);
    for (const a of dead.answers) expect(a.lastError).toEqual(expect.any(String));
    expect(dead.clientFields).toEqual({ ipAddress: 'shown_masked', userAgent: 'shown' });
    expect((dead.sent.user_data as Record<string, unknown>).client_ip_address).toBe('203.0.113.x');

    const other = await createTenantViaApi(t, 'Other');
    expect((await api('GET', `/api/v1/tenants/${other.id}/events/${row.id}/details`)).json().error.code).toBe('not_found');
    expect((await api('GET', `/api/v1/tenants/${tenant.id}/events/not-an-event/details`)).statusCode).toBe(404);
  });

  it('refused traffic: a flood becomes one row per store, hour and reason; /metrics reports it with the new gauges', async () => {
    await addPixel(PIXEL, 'tok-A-0123456789');
    await allowOrigin();
    // Counts older than 30 days go with the next write.
    const monthAgo = Math.floor((clock.now() - 31 * 24 * HOUR) / HOUR) * HOUR;
    await t.relay.store.db.insertInto('refused_requests').values({ tenant_id: tenant.id, hour: monthAgo, reason: 'rate_limited', count: 9 }).execute();
    // collectRatePerMinute is 3: 3 pass, 47 are rate-limited.
    for (let i = 0; i < 50; i++) await collect({ event: 'PageView', event_id: `pv-${i}` });
    for (let i = 0; i < 5; i++) await collect({ event: 'PageView', event_id: `x-${i}` }, 'https://evil.example');
    const o = await get<TenantOverview>(`/api/v1/tenants/${tenant.id}/overview`);
    expect(o.refused.last24Hours).toEqual({ origin_not_allowed: 0, signature_refused: 0, rate_limited: 47 });
    const rows = await t.relay.store.db.selectFrom('refused_requests').selectAll().orderBy('tenant_id').execute();
    // An Origin no store lists is refused before the body (and its key) is read: counted under no store.
    expect(rows.map((r) => [r.tenant_id, r.reason, Number(r.count)])).toEqual([
      ['', 'origin_not_allowed', 5],
      [tenant.id, 'rate_limited', 47],
    ]);

    // A paused pixel, a dead delivery and a queued one for the gauges.
    await ingest([order(1, clock.now()), order(2, clock.now())]);
    await poison('purchase:2');
    await drain();
    await t.relay.store.db.updateTable('pixels').set({ status: 'paused', pause_reason: 'token: expired' }).execute();
    await ingest([order(3, clock.now())]);
    clock.advance(90_000);
    const metrics = await t.relay.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    const text = metrics.body;
    expect(text).toMatch(/^capi_relay_refused_requests_total\{reason="rate_limited"\} 47$/m);
    expect(text).toMatch(/^capi_relay_refused_requests_total\{reason="origin_not_allowed"\} 5$/m);
    expect(text).toMatch(/^capi_relay_pixels_paused 1$/m);
    expect(text).toMatch(/^capi_relay_deliveries_dead 1$/m);
    expect(text).toMatch(/^capi_relay_oldest_queued_age_seconds 90$/m);
    expect(text).toMatch(/^capi_relay_http_request_duration_seconds_count\{method="POST",route="\/v1\/collect",status="4xx"\} 52$/m);
    expect(text).toMatch(/^capi_relay_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/v1\/tenants\/:id\/overview",status="2xx"\} 1$/m);
  });
});
