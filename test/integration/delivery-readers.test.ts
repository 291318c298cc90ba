/**
 * Everything that reads delivery state, on one story told through the real server: events sent, one dead (Meta
 * rejects it), one still queued; then Retry sends the dead one, and the purge removes what is settled. The event
 * log's status filter, the timeline, events per hour, /metrics and retention must all say the same.
 */
import { describe, expect, it } from 'vitest';
import { deliveryStates } from '../../src/store/delivery-state.js';
import { purgeBefore } from '../../src/store/retention.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, type EmulatedStore, type TestRelay, useEmulatedStore } from '../helpers/relay.js';

const PIXEL = '777777777777';

describe.each(dialects)('readers of the delivery log on $name', (dialect) => {
  const clock = steppedClock();
  let t: TestRelay;
  let tenant: EmulatedStore['tenant'];
  useEmulatedStore(dialect, clock, { [PIXEL]: { name: 'Shop', tokens: ['tok'] } }, (store) => ({ t, tenant } = store));

  const lead = (id: string) => ({ event: 'generate_lead', event_id: id, timestamp: Math.floor(clock.now() / 1000) - 30, url: 'https://shop.example/contact', user: { email: `${id}@example.com` } });

  async function ingest(ids: string[]) {
    const res = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` }, payload: { events: ids.map(lead) } });
    expect(res.json().results.map((r: { status: string }) => r.status)).toEqual(ids.map(() => 'accepted'));
  }

  async function drain() {
    for (let i = 0; i < 20; i++) if ((await t.relay.engine!.tick()) === 0) return;
    throw new Error('delivery did not settle');
  }

  const rowOf = async (eventId: string) => t.relay.store.db.selectFrom('events').select(['id', 'payload']).where('event_id', '=', eventId).executeTakeFirstOrThrow();

  async function logIds(status: string): Promise<string[]> {
    const res = await t.relay.app.inject({ url: `/api/v1/tenants/${tenant.id}/events?status=${status}`, headers: ADMIN_HEADERS });
    expect(res.statusCode).toBe(200);
    return (res.json().items as { eventId: string }[]).map((i) => i.eventId).sort();
  }

  async function history(eventId: string): Promise<{ status: string; detail: string | null }[]> {
    const res = await t.relay.app.inject({ url: `/api/v1/tenants/${tenant.id}/events/${(await rowOf(eventId)).id}`, headers: ADMIN_HEADERS });
    return (res.json().history as { status: string; detail: string | null }[]).map(({ status, detail }) => ({ status, detail }));
  }

  it('agree on sent, dead, queued and replayed, and the purge keeps only what is still to send', async () => {
    await ingest(['s-1', 'bad', 's-2']);
    // A key Meta refuses: the emulator rejects this one event, the engine isolates it and it dies.
    const bad = await rowOf('bad');
    const original = bad.payload;
    await t.relay.store.db.updateTable('events').set({ payload: JSON.stringify({ ...JSON.parse(original), advertiser_tracking_enabled: true }) }).where('id', '=', bad.id).execute();
    await drain();
    await ingest(['later']);

    expect(await logIds('sent')).toEqual(['s-1', 's-2']);
    expect(await logIds('dead')).toEqual(['bad']);
    expect(await logIds('queued')).toEqual(['later']);
    expect(await logIds('sending')).toEqual([]);

    const dead = await history('bad');
    expect(dead[0]).toEqual({ status: 'queued', detail: null });
    expect(dead[dead.length - 1]?.status).toBe('dead');
    expect(dead[dead.length - 1]?.detail).toContain('advertiser_tracking_enabled');
    const sent = await history('s-1');
    expect(sent.map((h) => h.status)).toEqual(['queued', 'sent']);
    expect(sent[1]?.detail).toMatch(/^fbtrace_id \S+, events_received \d+ \(for its request\)$/);

    const hours = (await t.relay.app.inject({ url: `/api/v1/tenants/${tenant.id}/reports/events-per-hour?from=${clock.now() - 3_600_000}&to=${clock.now() + 3_600_000}`, headers: ADMIN_HEADERS })).json().hours as Record<string, number>[];
    const total = (status: string) => hours.reduce((n, h) => n + (h[status] ?? 0), 0);
    expect([total('sent'), total('dead'), total('queued'), total('failed'), total('sending')]).toEqual([2, 1, 1, 0, 0]);

    const metrics = (await t.relay.app.inject('/metrics')).body;
    expect(metrics).toMatch(/^capi_relay_deliveries_queued 1$/m);
    expect(metrics).toMatch(/^capi_relay_deliveries_dead 1$/m);

    // Retry: the dead event (its payload mended) is sent again; the log and the timeline say it was replayed.
    await t.relay.store.db.updateTable('events').set({ payload: original }).where('id', '=', bad.id).execute();
    const replay = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/replay`, headers: ADMIN_HEADERS, payload: { eventId: bad.id } });
    expect(replay.json()).toEqual({ requeued: 1 });
    expect(await logIds('queued')).toEqual(['bad', 'later']);
    clock.advance(60_000); // the replay queues it at the wall-clock time
    await drain();
    expect(await logIds('sent')).toEqual(['bad', 'later', 's-1', 's-2']);
    const replayed = await history('bad');
    expect(replayed.map((h) => h.status)).toEqual(['queued', 'queued', 'sent']);
    expect(replayed[1]?.detail).toBe('replayed');
    expect((await t.relay.app.inject('/metrics')).body).toMatch(/^capi_relay_deliveries_dead 0$/m);

    // One more event stays queued; the purge of everything received so far keeps it (still sendable) and
    // leaves nothing of the others in the log's tables.
    clock.advance(60_000);
    await ingest(['kept']);
    const removed = await purgeBefore(t.relay.store, clock.now() + 1, clock.now());
    expect(removed.events).toBe(4);
    expect((await deliveryStates(t.relay.store.db, tenant.id)).map((d) => [d.status])).toEqual([['queued']]);
    const db = t.relay.store.db;
    expect(await db.selectFrom('delivery_batches').select('id').where('tenant_id', '=', tenant.id).execute()).toEqual([]);
    expect(await db.selectFrom('delivery_exceptions').select('seq').where('tenant_id', '=', tenant.id).execute()).toEqual([]);
  });
});
