/**
 * The delivery queue as a log, beyond the DeliveryQueue contract: where a new pixel's cursor starts, events meant
 * for one pixel only, the sent parts of a bisected batch, IP and user agent deleted by range once every pixel is
 * past them, cursors moving past events no pixel sends, and work carried over by migration 0021.
 */
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { MetaServerEvent } from '../../src/core/meta-event.js';
import type { DeliveryQueue } from '../../src/delivery/queue.js';
import { openRelayStore } from '../../src/relay.js';
import { createDeliveryQueue } from '../../src/store/delivery-queue.js';
import { deliveryStates } from '../../src/store/delivery-state.js';
import { type EventToStore, storeEvents } from '../../src/store/events.js';
import { migrateToLatest, migrateUpTo } from '../../src/store/migrations.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { ENCRYPTION_KEY } from '../helpers/relay.js';

const T0 = Date.UTC(2026, 10, 24, 12);
const LEASE = 15_000;

const lead = (eventId: string): MetaServerEvent => ({
  event_name: 'Lead',
  event_id: eventId,
  event_time: Math.floor(T0 / 1000),
  action_source: 'website',
  user_data: { em: ['a'.repeat(64)], client_ip_address: '203.0.113.9', client_user_agent: 'Mozilla/5.0' },
});
const item = (eventId: string, more: Partial<EventToStore> = {}): EventToStore => ({ eventName: 'Lead', eventId, source: 'api', event: lead(eventId), decisions: [], ...more });

describe.each(dialects)('the delivery log on $name', (dialect) => {
  let tdb: TestDatabase;
  let node: Awaited<ReturnType<typeof openRelayStore>>;
  let queue: DeliveryQueue;
  let tenant: { id: string; forwarding: boolean };
  beforeEach(async () => {
    tdb = await dialect.create();
    node = await openRelayStore(loadConfig({ flags: { dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, encryptionKey: ENCRYPTION_KEY } }));
    queue = createDeliveryQueue(node.store, node.box);
    tenant = { id: (await node.tenants.createTenant('Log')).id, forwarding: true };
  });
  afterEach(async () => {
    await node?.store.close();
    await tdb?.cleanup();
  });
  const addPixel = async (pixelId: string) => (await node.tenants.addPixel({ tenantId: tenant.id, pixelId, accessToken: 'tok' })).id;
  const drain = async (pixel: string, now = T0) => {
    const got: string[] = [];
    for (let batch = await queue.claim(pixel, 1000, now, LEASE, 'w'); batch.length > 0; batch = await queue.claim(pixel, 1000, now, LEASE, 'w')) {
      got.push(...batch.map((d) => d.eventId));
      await queue.markSent(batch, { fbtraceId: 'T', eventsReceived: batch.length }, now);
    }
    return got;
  };
  const clearFields = async () => (await node.store.db.selectFrom('event_clear_fields').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));

  it('two pixels acking at once leave no IP or user agent behind once both are past the event', async () => {
    // On PostgreSQL the two acks commit side by side; each must still see the other's cursor before erasing.
    const a = await addPixel('111');
    const b = await addPixel('222');
    for (let round = 0; round < 12; round++) {
      await storeEvents(node.store, tenant, [item(`side-by-side-${round}`)], T0);
      const [forA, forB] = await Promise.all([queue.claim(a, 1000, T0, LEASE, 'wa'), queue.claim(b, 1000, T0, LEASE, 'wb')]);
      expect([forA.length, forB.length]).toEqual([1, 1]);
      await Promise.all([queue.markSent(forA, { fbtraceId: 'A', eventsReceived: 1 }, T0), queue.markSent(forB, { fbtraceId: 'B', eventsReceived: 1 }, T0)]);
      expect(await clearFields()).toEqual([]);
    }
  });

  it('a pixel added later starts at the end of the log; an event for one pixel is passed over by the others', async () => {
    const a = await addPixel('111');
    await storeEvents(node.store, tenant, [item('before')], T0);
    const b = await addPixel('222');
    await storeEvents(node.store, tenant, [item('after'), item('only-b', { simulated: true, onlyPixelRowId: b })], T0);
    await storeEvents(node.store, tenant, [item('last')], T0);
    expect(await drain(a)).toEqual(['before', 'after', 'last']);
    expect(await drain(b)).toEqual(['after', 'only-b', 'last']);
    const states = await deliveryStates(node.store.db, tenant.id);
    expect(states.map((s) => [s.pixelRowId === a ? 'a' : 'b', s.seq, s.status]).sort()).toEqual([
      ['a', 1, 'sent'], ['a', 2, 'sent'], ['a', 4, 'sent'],
      ['b', 2, 'sent'], ['b', 3, 'sent'], ['b', 4, 'sent'],
    ]);
  });

  it('a pixel disabled and enabled again starts at the end of the log: nothing stored before it came back is sent to it', async () => {
    const a = await addPixel('111');
    const b = await addPixel('222');
    await storeEvents(node.store, tenant, [item('both')], T0);
    await node.tenants.setPixelStatus(b, 'disabled');
    await storeEvents(node.store, tenant, [item('while-off')], T0);
    await node.tenants.setPixelStatus(b, 'active');
    await storeEvents(node.store, tenant, [item('back')], T0);
    expect(await drain(a)).toEqual(['both', 'while-off', 'back']);
    expect(await drain(b)).toEqual(['back']);
  });

  it('keeps IP and user agent until every pixel still sending is past the event, then deletes them by range', async () => {
    const a = await addPixel('111');
    const b = await addPixel('222');
    await storeEvents(node.store, tenant, [item('e1'), item('e2')], T0);
    expect(await clearFields()).toEqual([1, 2]);
    await drain(a);
    expect(await clearFields()).toEqual([1, 2]);
    // The event that dies keeps its own copy for a replay; the rest go once b is past them too.
    const held = await queue.claim(b, 1000, T0, LEASE, 'w');
    await queue.markDead(held.filter((d) => d.eventId === 'e2'), { reason: 'Invalid parameter' }, T0);
    expect(await clearFields()).toEqual([1, 2]);
    await queue.markSent(held.filter((d) => d.eventId === 'e1'), { fbtraceId: 'T', eventsReceived: 1 }, T0);
    expect(await clearFields()).toEqual([]);
    const dead = await node.store.db.selectFrom('delivery_exceptions').select(['status', 'client_ip_address', 'client_user_agent']).execute();
    expect(dead).toEqual([{ status: 'dead', client_ip_address: '203.0.113.9', client_user_agent: 'Mozilla/5.0' }]);
  });

  it('records each part of a batch sent on its own (a bisected batch) with its own fbtrace_id; the rejected event is an exception', async () => {
    const a = await addPixel('111');
    await storeEvents(node.store, tenant, ['e1', 'e2', 'e3', 'e4'].map((id) => item(id)), T0);
    const held = await queue.claim(a, 1000, T0, LEASE, 'w');
    const by = (ids: string[]) => held.filter((d) => ids.includes(d.eventId));
    expect(await queue.markSent(by(['e1', 'e2']), { fbtraceId: 'FIRST', eventsReceived: 2 }, T0)).toEqual({ settled: 2, late: [] });
    expect(await queue.markDead(by(['e3']), { reason: 'Invalid parameter' }, T0)).toEqual({ settled: 1, late: [] });
    expect(await queue.markSent(by(['e4']), { fbtraceId: 'SECOND', eventsReceived: 1 }, T0)).toEqual({ settled: 1, late: [] });
    const states = await deliveryStates(node.store.db, tenant.id);
    expect(states.map((s) => [s.seq, s.status, s.fbtraceId, s.eventsReceived])).toEqual([
      [1, 'sent', 'FIRST', 2], [2, 'sent', 'FIRST', 2], [3, 'dead', null, null], [4, 'sent', 'SECOND', 1],
    ]);
    const cursor = await node.store.db.selectFrom('pixel_cursors').select(['sent_through', 'claimed_through']).executeTakeFirstOrThrow();
    expect(cursor).toEqual({ sent_through: 4, claimed_through: 4 });
  });

  it('moves a caught-up cursor past events no pixel sends, so it never reads them again', async () => {
    const a = await addPixel('111');
    await storeEvents(node.store, tenant, [item('e1')], T0);
    await drain(a);
    await storeEvents(node.store, { ...tenant, forwarding: false }, [item('off1'), item('off2')], T0);
    expect(await node.store.db.selectFrom('pixel_cursors').select(['sent_through', 'claimed_through']).executeTakeFirstOrThrow()).toEqual({ sent_through: 3, claimed_through: 3 });
    expect(await queue.duePixels(T0)).toEqual([]);
  });
});

describe.each(dialects)('work carried over by migration 0021 on $name', (dialect) => {
  it('is sent by the new queue: queued and failed deliveries of the old shape', async () => {
    const tdb = await dialect.create();
    const config = loadConfig({ flags: { dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, encryptionKey: ENCRYPTION_KEY } });
    const old = await openRelayStore(config, { migrate: false });
    try {
      const db = old.store.db as unknown as Kysely<any>;
      await migrateUpTo(db, old.store.adapter, '0020_dashboard_signals');
      const tenant = await old.tenants.createTenant('Old');
      const pixel = (await old.tenants.addPixel({ tenantId: tenant.id, pixelId: '111', accessToken: 'tok' })).id;
      const payload = '{"action_source":"website","user_data":{"em":["' + 'a'.repeat(64) + '"]},"event_name":"Lead","event_time":1790000000}';
      for (const [i, status] of ['queued', 'failed', 'sent'].entries()) {
        await db.insertInto('events').values({
          id: `e${i}`, tenant_id: tenant.id, event_name: 'Lead', event_id: `old-${status}`, source: 'api', order_id: null, event_time: T0, received_at: T0 + i,
          status: status === 'sent' ? 'done' : 'queued', payload, client_ip_address: status === 'sent' ? null : '203.0.113.9', client_user_agent: null,
          decisions: '[]', drop_code: null, drop_message: null, simulated: 0,
        }).execute();
        await db.insertInto('deliveries').values({
          id: `d${i}`, event_row_id: `e${i}`, tenant_id: tenant.id, pixel_row_id: pixel, status, attempts: status === 'queued' ? 0 : 1, next_attempt_at: T0,
          lease_until: null, lease_owner: null, last_error: null, fbtrace_id: status === 'sent' ? 'OLD' : null, events_received: status === 'sent' ? 1 : null, created_at: T0, updated_at: T0,
        }).execute();
      }
      await migrateToLatest(db, old.store.adapter);
      const queue = createDeliveryQueue(old.store, old.box);
      expect((await queue.duePixels(T0)).map((p) => p.pixelRowId)).toEqual([pixel]);
      const claimed = await queue.claim(pixel, 1000, T0, LEASE, 'w');
      expect(claimed.map((d) => [d.eventId, d.attempts]).sort()).toEqual([['old-failed', 1], ['old-queued', 0]]);
      expect(claimed.every((d) => d.eventJson.includes('"client_ip_address":"203.0.113.9"'))).toBe(true);
      await queue.markSent(claimed, { fbtraceId: 'NEW', eventsReceived: 2 }, T0);
      expect(await queue.claim(pixel, 1000, T0 + 86_400_000, LEASE, 'w')).toEqual([]);
      const states = await deliveryStates(old.store.db, tenant.id);
      expect(states.map((s) => [s.seq, s.status, s.fbtraceId])).toEqual([[1, 'sent', 'NEW'], [2, 'sent', 'NEW'], [3, 'sent', 'OLD']]);
    } finally {
      await old.store.close();
      await tdb.cleanup();
    }
  });
});
