/**
 * The dashboard's admin APIs on every dialect, through the real HTTP app and database: the audit log
 * (and that it never holds a secret), pixel roles and settings, policy validation, tenant-scoped sessions,
 * the event log's channels / paused status / time filter / clear, and "Simulate events" against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { allDeliveryStates } from '../helpers/delivery-states.js';
import { ADMIN_HEADERS, startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';

const PASSWORD = 'correct horse battery staple';
const GOOD_TOKEN = 'tok-good-0123456789';
const SECRET_TOKEN = 'tok-secret-never-logged-0123456789';

describe.each(dialects)('dashboard admin APIs on $name', (dialect) => {
  let t: EmulatedRelay;
  let op: { cookie: string; csrf: string };

  beforeAll(async () => {
    t = await startEmulatedRelay(dialect, {
      emulator: { pixels: { '123456789': { name: 'Shop pixel', tokens: [GOOD_TOKEN] }, '222222222': { name: 'Second', tokens: [GOOD_TOKEN] } } },
      relay: { adminPassword: PASSWORD },
    });
    await t.relay.listen(); // starts the delivery engine, which simulated events go through
    op = await login(PASSWORD);
  });
  afterAll(async () => t?.close());

  async function login(password: string, remoteAddress = '127.0.0.1') {
    const res = await t.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password }, remoteAddress });
    expect(res.statusCode).toBe(200);
    return { cookie: String(res.headers['set-cookie']).split(';')[0] ?? '', csrf: res.json().csrfToken as string };
  }
  function call(session: { cookie: string; csrf: string }, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
    return t.relay.app.inject({ method, url, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, ...(payload === undefined ? {} : { payload: payload as object }) });
  }
  async function newTenant(name: string) {
    const res = await call(op, 'POST', '/api/v1/tenants', { name });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; ingestKey: string; publishableKey: string };
  }
  async function addPixel(tenantId: string, pixelId: string, extra: Record<string, unknown> = {}) {
    const res = await call(op, 'POST', `/api/v1/tenants/${tenantId}/pixels`, { pixelId, accessToken: GOOD_TOKEN, ...extra });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; role: string };
  }
  async function eventLog(tenantId: string, query = '') {
    const res = await call(op, 'GET', `/api/v1/tenants/${tenantId}/events?${query}`);
    expect(res.statusCode).toBe(200);
    return res.json() as { items: { id: string; eventName: string; channels: string[]; simulated: boolean; deliveries: { status: string; shown: string; pauseReason: string | null }[] }[]; clearedAt: number | null };
  }

  it('records every change with who and what, never a secret, and lists it newest first', async () => {
    const tenant = await newTenant('Audit Shop');
    const pixel = await addPixel(tenant.id, '123456789', { testEventCode: 'TEST1' });
    expect((await call(op, 'POST', `/api/v1/pixels/${pixel.id}/rotate`, { accessToken: SECRET_TOKEN })).statusCode).toBe(200);
    // The bearer token is an actor too.
    const viaToken = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/forwarding`, headers: ADMIN_HEADERS, payload: { forwarding: false } });
    expect(viaToken.statusCode).toBe(200);
    // A refused change is not a change.
    expect((await call(op, 'PUT', `/api/v1/tenants/${tenant.id}/policy`, { ldu: 'everywhere' })).statusCode).toBe(400);

    const audit = await call(op, 'GET', `/api/v1/tenants/${tenant.id}/audit`);
    expect(audit.statusCode).toBe(200);
    const items = audit.json().items as { actor: string; action: string; target: string | null; summary: { body?: Record<string, unknown> } }[];
    expect(items.map((i) => i.action)).toEqual([
      'POST /api/v1/tenants/:id/forwarding',
      'POST /api/v1/pixels/:id/rotate',
      'POST /api/v1/tenants/:id/pixels',
      'POST /api/v1/tenants',
    ]);
    expect(items[0]).toMatchObject({ actor: 'admin API token', target: tenant.id, summary: { body: { forwarding: false } } });
    expect(items[1]?.actor).toMatch(/^dashboard operator \(session [A-Za-z0-9_-]{8}\)$/);
    expect(items[1]?.summary.body).toEqual({ accessToken: '(set)' });
    expect(items[2]?.summary.body).toEqual({ pixelId: '123456789', accessToken: '(set)', testEventCode: 'TEST1' });
    // No secret anywhere in the table: not the tokens, not the created tenant's keys.
    const rows = JSON.stringify(await t.relay.store.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of [GOOD_TOKEN, SECRET_TOKEN, tenant.ingestKey, tenant.publishableKey, PASSWORD]) expect(rows).not.toContain(secret);
    // Sign-ins are recorded in the global log (operators only).
    const all = await call(op, 'GET', '/api/v1/audit?limit=500');
    expect((all.json().items as { action: string }[]).some((i) => i.action === 'sign in')).toBe(true);
    expect((await call(op, 'GET', '/api/v1/audit?limit=0')).json().error.code).toBe('invalid_parameter');
  });

  it('labels the first pixel primary, moves the primary role, and edits the Test Event Code alone', async () => {
    const tenant = await newTenant('Roles Shop');
    const first = await addPixel(tenant.id, '123456789');
    const second = await addPixel(tenant.id, '222222222');
    expect([first.role, second.role]).toEqual(['primary', 'secondary']);
    expect((await call(op, 'PUT', `/api/v1/pixels/${second.id}/settings`, { role: 'primary', testEventCode: 'TEST9' })).statusCode).toBe(200);
    const list = (await call(op, 'GET', `/api/v1/tenants/${tenant.id}/pixels`)).json() as { pixels: { id: string; role: string; testEventCode: string | null }[]; graphVersion: string };
    expect(list.pixels.map((p) => [p.role, p.testEventCode])).toEqual([['secondary', null], ['primary', 'TEST9']]);
    expect(list.graphVersion).toMatch(/^v\d+\.\d+$/);
    const bad = await call(op, 'PUT', `/api/v1/pixels/${second.id}/settings`, { testEventCode: 'has spaces' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('testEventCode');
    expect((await call(op, 'PUT', `/api/v1/pixels/${second.id}/settings`, { testEventCode: null })).statusCode).toBe(200);
  });

  it('validates the policy before saving and says which field is wrong', async () => {
    const tenant = await newTenant('Policy Shop');
    const cases: [unknown, string][] = [
      [{ ldu: 'everywhere' }, 'policy ldu'],
      [{ eventIdTemplates: { Purchase: 'purchase' } }, 'policy eventIdTemplates.Purchase: must contain {order_id}'],
      [{ eventIdTemplates: { Purchase: 'p:{order_id}:{sku}' } }, 'unknown placeholder {sku}'],
      [{ lduStates: ['CA'] }, 'policy lduStates'],
      [{ sendConditions: { requireOneOf: ['em'], minOtherIdentifiers: -1 } }, 'policy sendConditions.minOtherIdentifiers'],
    ];
    for (const [policy, message] of cases) {
      const res = await call(op, 'PUT', `/api/v1/tenants/${tenant.id}/policy`, policy);
      expect(res.statusCode, JSON.stringify(policy)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_body' });
      expect(res.json().error.message).toContain(message);
    }
    const good = { ldu: 'states', lduStates: ['ca', 'co'], eventIdTemplates: { Purchase: 'order-{order_id}' }, consent: { advertisingCategory: 'marketing', withoutConsent: 'strip_user_data' } };
    const saved = await call(op, 'PUT', `/api/v1/tenants/${tenant.id}/policy`, good);
    expect(saved.statusCode).toBe(200);
    expect(saved.json().policy).toEqual(good);
  });

  it('keeps a store-key session inside its own store', async () => {
    const mine = await newTenant('Mine');
    const other = await newTenant('Other');
    const otherPixel = await addPixel(other.id, '123456789');
    const tenantSession = await login(mine.ingestKey);
    expect((await t.relay.app.inject({ url: '/dashboard/session', headers: { cookie: tenantSession.cookie } })).json().tenantId).toBe(mine.id);
    const list = await call(tenantSession, 'GET', '/api/v1/tenants');
    expect(list.json()).toMatchObject({ scoped: true, tenants: [{ id: mine.id, name: 'Mine' }] });
    expect((await call(tenantSession, 'GET', `/api/v1/tenants/${mine.id}/pixels`)).statusCode).toBe(200);
    expect((await call(tenantSession, 'POST', `/api/v1/tenants/${mine.id}/pixels`, { pixelId: '222222222', accessToken: GOOD_TOKEN })).statusCode).toBe(201);
    for (const [method, url] of [
      ['GET', `/api/v1/tenants/${other.id}/pixels`],
      ['GET', `/api/v1/tenants/${other.id}/events`],
      ['POST', `/api/v1/pixels/${otherPixel.id}/test-connection`],
      ['POST', '/api/v1/tenants'],
      ['GET', '/api/v1/audit'],
    ] as const) {
      const res = await call(tenantSession, method, url, method === 'POST' ? { name: 'x' } : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('tenant_forbidden');
    }
    // The publishable key is public: it never signs in.
    expect((await t.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password: mine.publishableKey } })).statusCode).toBe(401);
    // Rotating the ingest key ends the sessions opened with it; the new key signs in.
    const rotated = await call(op, 'POST', `/api/v1/tenants/${mine.id}/keys/ingest/rotate`);
    expect((await call(tenantSession, 'GET', `/api/v1/tenants/${mine.id}/pixels`)).statusCode).toBe(401);
    expect((await t.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password: mine.ingestKey } })).statusCode).toBe(401);
    await login(rotated.json().key as string);
    // A disabled store's key signs in no more.
    expect((await call(op, 'POST', `/api/v1/tenants/${mine.id}/status`, { status: 'disabled' })).statusCode).toBe(200);
    expect((await t.relay.app.inject({ method: 'POST', url: '/dashboard/login', payload: { password: rotated.json().key as string } })).statusCode).toBe(401);
  });

  it("looks up the tenant of a store-key session's write once, for both the scope check and the audit log", async () => {
    const mine = await newTenant('Once');
    const pixel = await addPixel(mine.id, '123456789');
    const tenantSession = await login(mine.ingestKey);
    const lookups = vi.spyOn(t.relay.tenants, 'tenantOfPixel');
    try {
      expect((await call(tenantSession, 'PUT', `/api/v1/pixels/${pixel.id}/settings`, { testEventCode: 'TEST5' })).statusCode).toBe(200);
      expect(lookups).toHaveBeenCalledTimes(1);
    } finally {
      lookups.mockRestore();
    }
    const audit = (await call(op, 'GET', `/api/v1/tenants/${mine.id}/audit`)).json().items as { action: string; actor: string }[];
    expect(audit[0]).toMatchObject({ action: 'PUT /api/v1/pixels/:id/settings', actor: expect.stringMatching(/^dashboard tenant /) as unknown });
  });

  it('shows channels, a paused pixel as paused with its reason, filters by time, and clears the view only', async () => {
    const tenant = await newTenant('Log Shop');
    const pixel = await addPixel(tenant.id, '123456789');
    // Paused by an auth failure (as the engine does): its queued deliveries show "paused", not "queued".
    await t.relay.store.db.updateTable('pixels').set({ status: 'paused', pause_reason: 'token expired (code 190)' }).where('id', '=', pixel.id).execute();
    const before = Date.now();
    const ingest = await t.relay.app.inject({
      method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` },
      payload: { events: [{ event: 'purchase', order_id: 'A-1', value: 10, currency: 'EUR', url: 'https://shop.example/thanks', user: { email: 'a@example.com', ip: '203.0.113.9', user_agent: 'Mozilla/5.0' } }] },
    });
    expect(ingest.statusCode).toBe(202);
    const log = await eventLog(tenant.id);
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ eventName: 'Purchase', channels: ['api'], simulated: false, deliveries: [{ status: 'queued', shown: 'paused', pauseReason: 'token expired (code 190)' }] });
    expect((await eventLog(tenant.id, `since=${before}`)).items).toHaveLength(1);
    expect((await eventLog(tenant.id, `until=${before}`)).items).toHaveLength(0);
    expect((await call(op, 'GET', `/api/v1/tenants/${tenant.id}/events?status=bogus`)).json().error.code).toBe('invalid_parameter');

    const cleared = await call(op, 'POST', `/api/v1/tenants/${tenant.id}/events/clear`);
    expect(cleared.statusCode).toBe(200);
    const after = await eventLog(tenant.id);
    expect(after.items).toHaveLength(0);
    expect(after.clearedAt).toBe(cleared.json().clearedAt);
    // Nothing was deleted: the event and its delivery are still there (dedup and the reports keep working).
    expect((await allDeliveryStates(t.relay.store, tenant.id)).map((d) => d.status)).toEqual(['queued']);
  });

  it('simulates an event to Test Events only, shows Meta\'s answer, and refuses a pixel without a Test Event Code', async () => {
    const tenant = await newTenant('Sim Shop');
    const withCode = await addPixel(tenant.id, '123456789', { testEventCode: 'TEST777' });
    const noCode = await addPixel(tenant.id, '222222222');
    await addPixel(tenant.id, '333333333', { testEventCode: 'TEST888' });
    t.emulator.state.resetEvents();

    const refused = await call(op, 'POST', `/api/v1/pixels/${noCode.id}/simulate`, { eventName: 'Purchase' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'no_test_event_code' });
    expect(refused.json().error.message).toContain('222222222 has no Test Event Code');
    expect((await call(op, 'POST', `/api/v1/pixels/${withCode.id}/simulate`, { eventName: 'Refund' })).statusCode).toBe(400);

    const res = await call(op, 'POST', `/api/v1/pixels/${withCode.id}/simulate`, { eventName: 'Purchase' });
    expect(res.statusCode).toBe(200);
    const answer = res.json() as { status: string; fbtraceId: string; eventId: string; testEventCode: string; message: string };
    expect(answer).toMatchObject({ status: 'sent', testEventCode: 'TEST777', eventsReceived: 1, message: 'Meta received the event (Test Events)' });
    expect(answer.fbtraceId).toBeTruthy();
    // Meta got it with the test code, on the chosen pixel only: not on the other pixel that also has a code.
    expect(t.emulator.state.events({ test: true }).map((e) => [e.pixelId, e.testEventCode, e.event.event_id])).toEqual([['123456789', 'TEST777', answer.eventId]]);
    expect(t.emulator.state.events({ test: false })).toEqual([]);
    // The event log shows it as simulated, with one delivery: the chosen pixel's.
    const log = await eventLog(tenant.id);
    expect(log.items[0]).toMatchObject({ eventName: 'Purchase', simulated: true, channels: ['simulate'] });
    expect(log.items[0]?.deliveries.map((d) => d.status)).toEqual(['sent']);
    expect(t.emulator.state.events({ pixelId: '333333333' })).toEqual([]);
    // A simulated Purchase is not an order.
    expect(await t.relay.store.db.selectFrom('orders').selectAll().where('tenant_id', '=', tenant.id).execute()).toEqual([]);

    // Every other event type is realistic enough for Meta's rules.
    for (const eventName of ['PageView', 'ViewContent', 'AddToCart', 'InitiateCheckout', 'Lead', 'CompleteRegistration', 'Subscribe']) {
      const r = await call(op, 'POST', `/api/v1/pixels/${withCode.id}/simulate`, { eventName });
      expect(r.json(), eventName).toMatchObject({ status: 'sent' });
    }
  });
});
