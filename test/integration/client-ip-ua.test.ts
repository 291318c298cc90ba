/**
 * IP address and user agent, the two fields Meta takes in clear: kept while an event can still be sent (a dead
 * delivery can be replayed, for a bounded time), erased at once for an event that never will be.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { deliveryStates } from '../../src/store/delivery-state.js';
import { REPLAYABLE_CLEAR_FIELDS_MS } from '../../src/store/retention.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, type EmulatedStore, type TestRelay, useEmulatedStore } from '../helpers/relay.js';

const PIXEL = '333333333333';
const IP = '203.0.113.9';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0';
const HOUR = 3_600_000;

describe.each(dialects)('client IP and user agent on $name', (dialect) => {
  const clock = steppedClock();
  let emulator: Emulator;
  let t: TestRelay;
  let tenant: EmulatedStore['tenant'];
  // Retention 0 keeps every event; the replay window of IP and user agent closes all the same. The store starts
  // without its pixel: some tests add it, one shows an event with no pixel to go to.
  useEmulatedStore(dialect, clock, { [PIXEL]: { name: 'Shop', tokens: ['tok'] } }, (store) => ({ emulator, t, tenant } = store), {
    relay: { deliveryMaxAttempts: 1, retentionDays: 0 },
    addPixels: false,
  });

  function lead(id: string, user: Record<string, unknown> = { email: `${id}@example.com` }) {
    return { event: 'generate_lead', event_id: id, timestamp: Math.floor(clock.now() / 1000) - 30, url: 'https://shop.example/contact', user: { ...user, ip: IP, user_agent: UA } };
  }

  async function ingest(events: unknown[]) {
    const res = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` }, payload: { events } });
    expect(res.statusCode).toBe(202);
    return res.json<{ results: { status: string; code?: string }[] }>().results;
  }

  /** What the store keeps of an event's IP and user agent: its event_clear_fields row, or the copy on a delivery exception. */
  async function stored(eventId: string) {
    const db = t.relay.store.db;
    const e = await db.selectFrom('events').select(['seq', 'had_client_ip', 'had_user_agent', 'status']).where('tenant_id', '=', tenant.id).where('event_id', '=', eventId).executeTakeFirstOrThrow();
    const side = await db.selectFrom('event_clear_fields').select(['client_ip_address', 'client_user_agent']).where('tenant_id', '=', tenant.id).where('seq', '=', e.seq).executeTakeFirst();
    const copies = await db.selectFrom('delivery_exceptions').select(['client_ip_address', 'client_user_agent']).where('tenant_id', '=', tenant.id).where('seq', '=', e.seq).execute();
    const kept = [side, ...copies].filter((r) => r !== undefined);
    return {
      client_ip_address: kept.find((r) => r.client_ip_address !== null)?.client_ip_address ?? null,
      client_user_agent: kept.find((r) => r.client_user_agent !== null)?.client_user_agent ?? null,
      had_client_ip: e.had_client_ip,
      had_user_agent: e.had_user_agent,
      status: e.status,
    };
  }

  const engine = () => {
    if (!t.relay.engine) throw new Error('delivery is off');
    return t.relay.engine;
  };

  /** Ingests one event and lets its only delivery die (one attempt allowed, and Meta answers 503). */
  async function deadEvent(id: string) {
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'tok' });
    emulator.state.setFaults({ status5xx: 1 });
    expect((await ingest([lead(id)]))[0]?.status).toBe('accepted');
    expect(await engine().tick()).toBe(1);
    expect((await deliveryStates(t.relay.store.db, tenant.id)).map((d) => d.status)).toEqual(['dead']);
  }

  it('a replayed dead event reaches Meta with its IP and user agent, which go once it is sent', async () => {
    await deadEvent('l-1');
    expect(await stored('l-1')).toMatchObject({ client_ip_address: IP, client_user_agent: UA, status: 'queued' });

    const replay = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/replay`, headers: ADMIN_HEADERS, payload: {} });
    expect(replay.json()).toMatchObject({ requeued: 1 });
    clock.advance(60_000); // the replay queues the row at the wall-clock time
    expect(await engine().tick()).toBe(1);

    const received = emulator.state.events({ pixelId: PIXEL });
    expect(received).toHaveLength(1);
    expect(received[0]?.event.user_data).toMatchObject({ client_ip_address: IP, client_user_agent: UA });
    expect((await deliveryStates(t.relay.store.db, tenant.id)).map((d) => d.status)).toEqual(['sent']);
    expect(await stored('l-1')).toMatchObject({ client_ip_address: null, client_user_agent: null, had_client_ip: 1, had_user_agent: 1 });
  });

  it("a dead event keeps them for the replay window (Meta's 7 days from event_time), then the hourly job erases them", async () => {
    await deadEvent('l-2');
    clock.advance(REPLAYABLE_CLEAR_FIELDS_MS - HOUR);
    await t.relay.retention.runOnce();
    expect(await stored('l-2')).toMatchObject({ client_ip_address: IP, client_user_agent: UA });
    clock.advance(2 * HOUR);
    await t.relay.retention.runOnce();
    expect(await stored('l-2')).toMatchObject({ client_ip_address: null, client_user_agent: null, had_client_ip: 1, had_user_agent: 1 });
  });

  // SQLite only: PostgreSQL's storage is the server's own (deleted rows go when VACUUM reuses their space).
  if (dialect.name === 'sqlite') it("once sent and erased, no copy is left in SQLite's file or write-ahead log (the retention job empties it)", async () => {
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'tok' });
    const ua = `${UA} wal-canary`;
    expect((await ingest([{ ...lead('wal-1'), user: { email: 'wal@example.com', ip: IP, user_agent: ua } }]))[0]?.status).toBe('accepted');
    expect(await engine().tick()).toBe(1);
    expect(await stored('wal-1')).toMatchObject({ client_ip_address: null, client_user_agent: null, had_user_agent: 1 });
    const files = () => ['capi-relay.sqlite', 'capi-relay.sqlite-wal'].map((f) => join(t.db.dataDir, f)).filter((f) => existsSync(f));
    const holding = () => files().filter((f) => readFileSync(f).includes(ua));
    // Deleted from the table, but the log still holds the insert's copy until it is emptied.
    expect(holding().map((f) => basename(f))).toEqual(['capi-relay.sqlite-wal']);
    await t.relay.retention.runOnce();
    expect(holding()).toEqual([]);
    expect(statSync(join(t.db.dataDir, 'capi-relay.sqlite-wal')).size).toBe(0);
  });

  it('an event with no pixel to go to is stored without them', async () => {
    await ingest([lead('no-pixel')]);
    expect(await stored('no-pixel')).toMatchObject({ client_ip_address: null, client_user_agent: null, had_client_ip: 1, had_user_agent: 1 });
  });

  it('events that will never be sent (gate-dropped, switched off, forwarding off) are stored without them', async () => {
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'tok' });
    // No identifier but IP and user agent: the send conditions (em, ph, external_id, fbp or fbc) drop it.
    const dropped = await ingest([lead('gate-dropped', {})]);
    expect(dropped[0]).toMatchObject({ status: 'skipped', code: expect.any(String) as unknown });

    const off = await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/switches`, headers: ADMIN_HEADERS, payload: { Lead: false } });
    expect(off.statusCode).toBe(200);
    expect((await ingest([lead('switched-off')]))[0]).toMatchObject({ code: 'event_switch_off' });
    await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/switches`, headers: ADMIN_HEADERS, payload: { Lead: true } });

    const forwarding = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/forwarding`, headers: ADMIN_HEADERS, payload: { forwarding: false } });
    expect(forwarding.statusCode).toBe(200);
    expect((await ingest([lead('forwarding-off')]))[0]).toMatchObject({ code: 'forwarding_off' });

    for (const id of ['gate-dropped', 'switched-off', 'forwarding-off']) {
      expect(await stored(id), id).toMatchObject({ client_ip_address: null, client_user_agent: null, had_client_ip: 1, had_user_agent: 1 });
    }
    // One that will be sent keeps them until it is.
    await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/forwarding`, headers: ADMIN_HEADERS, payload: { forwarding: true } });
    await ingest([lead('queued')]);
    expect(await stored('queued')).toMatchObject({ client_ip_address: IP, client_user_agent: UA, status: 'queued' });
  });
});
