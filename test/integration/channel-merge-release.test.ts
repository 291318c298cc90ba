/**
 * What the merge window (issue 18) leaves behind when a held event is released alone by the sweeper: through the
 * relay's HTTP app and its own sweeper, on SQLite and PostgreSQL, with a clock the test moves and sweeper passes
 * it runs (`later`), not a running sweeper waited on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { steppedClock } from '../helpers/clock.js';
import { ADMIN_HEADERS as admin, startTestRelay, type TestRelay } from '../helpers/relay.js';

describe.each(dialects)('held events of the merge window on $name', (dialect) => {
  let t: TestRelay;
  const clock = steppedClock();
  afterEach(async () => t?.close());

  /** A store reporting Purchases from both sides (as channel_presence records it), with one pixel. */
  async function setup() {
    t = await startTestRelay(dialect, { deliveryEnabled: false }, clock.now);
    const tenant = await t.relay.tenants.createTenant('Store', { channelMerge: { windowSeconds: 10 } });
    const pixel = await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '717171717171', accessToken: 'tok-release-0123456789' });
    await t.relay.store.db.insertInto('channel_presence').values([
      { tenant_id: tenant.id, event_name: 'Purchase', channel_kind: 'browser', last_seen_at: clock.now() },
      { tenant_id: tenant.id, event_name: 'Purchase', channel_kind: 'server', last_seen_at: clock.now() },
    ]).execute();
    return { tenant, pixel };
  }

  async function server(ingestKey: string, eventId: string): Promise<string> {
    const res = await t.relay.app.inject({
      method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${ingestKey}` },
      payload: { event: 'purchase', event_id: eventId, order_id: eventId, value: 5, currency: 'EUR', url: 'https://shop.example/thanks', user: { email: `${eventId}@example.com`, ip: '203.0.113.9', user_agent: 'Mozilla/5.0 Test' } },
    });
    expect(res.statusCode).toBe(202);
    return (res.json() as { results: { status: string }[] }).results[0]!.status;
  }

  /** Moves the clock, then runs one pass of the relay's sweeper of held events. */
  async function later(ms: number): Promise<void> {
    clock.advance(ms);
    await t.relay.holds.runOnce();
  }

  const row = (tenantId: string, eventId: string) =>
    t.relay.store.db.selectFrom('events').select(['seq', 'status', 'drop_code', 'merge_outcome']).where('tenant_id', '=', tenantId).where('event_id', '=', eventId).executeTakeFirstOrThrow();

  it('is skipped (no_active_pixel) when the store has no enabled pixel by the end of its window, like an event written then', async () => {
    const { tenant, pixel } = await setup();
    expect(await server(tenant.ingestKey, 'p-1')).toBe('accepted');
    expect(await row(tenant.id, 'p-1')).toMatchObject({ seq: null, status: 'queued' });
    // The only pixel is disabled while the event waits for its partner.
    expect((await t.relay.app.inject({ method: 'POST', url: `/api/v1/pixels/${pixel.id}/status`, headers: admin, payload: { status: 'disabled' } })).statusCode).toBe(200);
    await later(11_000);
    expect((await row(tenant.id, 'p-1')).seq, 'p-1 still held').not.toBeNull();
    const released = await row(tenant.id, 'p-1');
    expect(released).toMatchObject({ status: 'skipped', drop_code: 'no_active_pixel', merge_outcome: 'sent_alone' });
    // It will never be sent: its IP and user agent are not kept.
    expect(await t.relay.store.db.selectFrom('event_clear_fields').select('seq').where('tenant_id', '=', tenant.id).where('seq', '=', released.seq!).executeTakeFirst()).toBeUndefined();
    // The same as an event written now, with no pixel enabled (not held: no partner to wait for once skipped).
    const log = await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant.id}/events?limit=10`, headers: admin });
    expect((log.json() as { items: { eventId: string; status: string; dropCode: string | null }[] }).items.find((i) => i.eventId === 'p-1')).toMatchObject({ status: 'skipped', dropCode: 'no_active_pixel' });
  });

  it('is skipped (no_active_pixel) when its partner merges into it after the store\'s only pixel was disabled', async () => {
    const { tenant, pixel } = await setup();
    const origin = 'https://shop.example';
    expect((await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin } })).statusCode).toBe(201);
    expect(await server(tenant.ingestKey, 'p-3')).toBe('accepted');
    expect((await t.relay.app.inject({ method: 'POST', url: `/api/v1/pixels/${pixel.id}/status`, headers: admin, payload: { status: 'disabled' } })).statusCode).toBe(200);
    // The browser's copy arrives inside the window: merged, but there is no pixel to send it to.
    const beacon = await t.relay.app.inject({
      method: 'POST', url: '/v1/collect',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin, 'user-agent': 'Mozilla/5.0 Test' },
      payload: JSON.stringify({ key: tenant.publishableKey, event: 'Purchase', event_id: 'p-3', url: `${origin}/thanks`, fbp: 'fb.1.1700000000000.1234567890', value: 5, currency: 'EUR', consent: true }),
      remoteAddress: '203.0.113.7',
    });
    expect(beacon.statusCode).toBe(202);
    const merged = await row(tenant.id, 'p-3');
    expect(merged).toMatchObject({ status: 'skipped', drop_code: 'no_active_pixel', merge_outcome: 'merged' });
    expect(merged.seq).not.toBeNull();
    expect(await t.relay.store.db.selectFrom('event_clear_fields').select('seq').where('tenant_id', '=', tenant.id).execute()).toEqual([]);
  });

  it('stays queued, with its IP and user agent, when a pixel is enabled', async () => {
    const { tenant } = await setup();
    expect(await server(tenant.ingestKey, 'p-2')).toBe('accepted');
    await later(11_000);
    expect((await row(tenant.id, 'p-2')).seq, 'p-2 still held').not.toBeNull();
    const released = await row(tenant.id, 'p-2');
    expect(released).toMatchObject({ status: 'queued', drop_code: null, merge_outcome: 'sent_alone' });
    expect(await t.relay.store.db.selectFrom('event_clear_fields').select('seq').where('tenant_id', '=', tenant.id).where('seq', '=', released.seq!).executeTakeFirst()).toBeDefined();
  });

  /** The value of one unlabelled series in GET /metrics (the Prometheus text format). */
  async function metric(name: string): Promise<number> {
    const res = await t.relay.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const line = res.body.split('\n').find((l) => l.startsWith(`${name} `));
    expect(line, `${name} in /metrics`).toBeDefined();
    return Number(line!.split(' ')[1]);
  }

  it('is counted in /metrics: held, merged, sent alone, late partners, and the events held now', async () => {
    const { tenant } = await setup();
    const origin = 'https://shop.example';
    expect((await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin } })).statusCode).toBe(201);
    const browser = async (eventId: string) => {
      const res = await t.relay.app.inject({
        method: 'POST', url: '/v1/collect', headers: { 'content-type': 'text/plain;charset=UTF-8', origin, 'user-agent': 'Mozilla/5.0 Test' },
        payload: JSON.stringify({ key: tenant.publishableKey, event: 'Purchase', event_id: eventId, url: `${origin}/thanks`, fbp: 'fb.1.1700000000000.42', value: 5, currency: 'EUR', consent: true }),
        remoteAddress: '203.0.113.7',
      });
      expect(res.statusCode).toBe(202);
      return (res.json() as { results: { status: string }[] }).results[0]!.status;
    };
    const counts = async () => ({
      held: await metric('capi_relay_merge_held_total'),
      merged: await metric('capi_relay_merge_merged_total'),
      alone: await metric('capi_relay_merge_sent_alone_total'),
      late: await metric('capi_relay_merge_late_partners_total'),
      now: await metric('capi_relay_merge_held_events'),
    });
    expect(await counts()).toEqual({ held: 0, merged: 0, alone: 0, late: 0, now: 0 });

    expect(await server(tenant.ingestKey, 'm-1')).toBe('accepted');
    expect(await server(tenant.ingestKey, 'm-2')).toBe('accepted');
    expect(await counts()).toEqual({ held: 2, merged: 0, alone: 0, late: 0, now: 2 });
    // m-1's partner comes within the window: merged.
    expect(await browser('m-1')).toBe('accepted');
    expect(await counts()).toEqual({ held: 2, merged: 1, alone: 0, late: 0, now: 1 });
    // m-2's window ends: the sweeper sends it alone.
    await later(11_000);
    expect((await row(tenant.id, 'm-2')).seq, 'm-2 still held').not.toBeNull();
    expect(await metric('capi_relay_merge_sent_alone_total'), 'sent alone not counted').toBe(1);
    expect(await counts()).toEqual({ held: 2, merged: 1, alone: 1, late: 0, now: 0 });
    // Its partner comes after: a late partner (answered duplicate). A repeat of it is not counted again.
    expect(await browser('m-2')).toBe('duplicate');
    expect(await browser('m-2')).toBe('duplicate');
    expect(await counts()).toEqual({ held: 2, merged: 1, alone: 1, late: 1, now: 0 });
  });

  it('is found by the event log status filter `held` until merged or released, by the admin API and the ingest-key view', async () => {
    const { tenant } = await setup();
    expect(await server(tenant.ingestKey, 'h-1')).toBe('accepted');
    expect(await server(tenant.ingestKey, 'h-2')).toBe('accepted');
    // An event the merge window does not hold (a Lead: the store is not known to report it from both sides).
    const lead = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` }, payload: { event: 'lead', event_id: 'h-lead', user: { email: 'lead@example.com' } } });
    expect((lead.json() as { results: { status: string }[] }).results[0]!.status).toBe('accepted');
    const ids = async (url: string, headers: Record<string, string>) => {
      const res = await t.relay.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { items: { eventId: string; merge: { state: string } | null }[] }).items;
    };
    const adminHeld = () => ids(`/api/v1/tenants/${tenant.id}/events?status=held`, admin);
    const items = await adminHeld();
    expect(items.map((i) => i.eventId).sort()).toEqual(['h-1', 'h-2']);
    expect(items.every((i) => i.merge?.state === 'held')).toBe(true);
    expect((await ids('/v1/events?status=held', { authorization: `Bearer ${tenant.ingestKey}` })).map((i) => i.eventId).sort()).toEqual(['h-1', 'h-2']);
    // Held events have no delivery yet: `queued` (a delivery waiting) does not list them; the Lead is.
    expect((await ids(`/api/v1/tenants/${tenant.id}/events?status=queued`, admin)).map((i) => i.eventId)).toEqual(['h-lead']);
    // Released (window over): no longer held.
    await later(11_000);
    expect(await adminHeld(), 'still listed as held').toEqual([]);
    expect((await ids(`/api/v1/tenants/${tenant.id}/events?status=queued`, admin)).map((i) => i.eventId).sort()).toEqual(['h-1', 'h-2', 'h-lead']);
    // An unknown status is still a 400.
    const bad = await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant.id}/events?status=waiting`, headers: admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_parameter' } });
  });
});
