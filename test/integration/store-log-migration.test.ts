/**
 * Migration 0021 carries a store of the row-per-delivery shape over to the log: seqs in received order, IP and
 * user agent moved aside, unsettled and dead deliveries as exceptions the new queue sends or Retry replays, sent
 * ones as batches that keep fbtrace_id and events_received, and cursors at each tenant's head.
 */
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrations.js';
import { dialects } from '../helpers/databases.js';
import { withStoreMigratedTo } from '../helpers/old-store.js';

describe.each(dialects)('migration 0021_store_log on $name', (dialect) => {
  it('carries events, deliveries and their outcomes over to the log', async () => {
    await withStoreMigratedTo(dialect, '0020_dashboard_signals', async (store) => {
      const db = store.db as unknown as Kysely<any>;
      await db.insertInto('tenants').values({ id: 't1', name: 'Old', status: 'active', forwarding: 1, policy: '{}', created_at: 1 }).execute();
      for (const id of ['pA', 'pB']) {
        await db.insertInto('pixels').values({ id, tenant_id: 't1', pixel_id: id, token_sealed: 'x', test_event_code: null, status: 'active', pause_reason: null, created_at: 1, updated_at: 1 }).execute();
      }
      const event = (id: string, receivedAt: number, status: string, ip: string | null) => ({
        id, tenant_id: 't1', event_name: 'Lead', event_id: id, source: 'api', order_id: null, event_time: 1000, received_at: receivedAt,
        status, payload: '{}', client_ip_address: ip, client_user_agent: ip ? 'UA' : null, decisions: '[]', drop_code: null, drop_message: null, simulated: 0,
      });
      // Inserted out of received order: seqs follow received_at.
      await db.insertInto('events').values([event('e3', 30, 'queued', '10.0.0.3'), event('e1', 10, 'done', null), event('e2', 20, 'done', null), event('e4', 40, 'done', '10.0.0.4'), event('e5', 50, 'skipped', null)]).execute();
      const delivery = (id: string, eventRowId: string, pixel: string, status: string, more: Record<string, unknown> = {}) => ({
        id, event_row_id: eventRowId, tenant_id: 't1', pixel_row_id: pixel, status, attempts: 1, next_attempt_at: 5, lease_until: null, lease_owner: null,
        last_error: null, fbtrace_id: null, events_received: null, created_at: 1, updated_at: 2, ...more,
      });
      await db.insertInto('deliveries').values([
        delivery('d1', 'e1', 'pA', 'sent', { fbtrace_id: 'TRACE1', events_received: 2 }),
        delivery('d2', 'e2', 'pA', 'sent', { fbtrace_id: 'TRACE1', events_received: 2 }),
        delivery('d3', 'e1', 'pB', 'sent', { fbtrace_id: 'TRACE2', events_received: 1 }),
        delivery('d4', 'e2', 'pB', 'dropped', { last_error: 'event_too_old: too old' }),
        delivery('d5', 'e3', 'pA', 'failed', { next_attempt_at: 99, last_error: 'HTTP 503' }),
        delivery('d6', 'e3', 'pB', 'sending', { lease_until: 77, lease_owner: 'old/lease' }),
        delivery('d7', 'e4', 'pA', 'dead', { last_error: 'Invalid parameter' }),
        delivery('d8', 'e4', 'pB', 'sent', { fbtrace_id: 'TRACE3', events_received: 1 }),
      ]).execute();
      await db.insertInto('delivery_history').values({ delivery_id: 'd5', event_row_id: 'e3', status: 'failed', at: 3, detail: 'HTTP 503' }).execute();

      await migrateToLatest(db, store.adapter);

      const events = await db.selectFrom('events').select(['id', 'seq', 'status']).orderBy('seq').execute();
      expect(events.map((e) => [e.id, Number(e.seq), e.status])).toEqual([
        ['e1', 1, 'queued'], ['e2', 2, 'queued'], ['e3', 3, 'queued'], ['e4', 4, 'queued'], ['e5', 5, 'skipped'],
      ]);
      expect(await db.selectFrom('tenant_sequences').select(['tenant_id', 'next_seq']).execute()).toEqual([{ tenant_id: 't1', next_seq: 6 }]);
      expect(await db.selectFrom('event_clear_fields').selectAll().orderBy('seq').execute()).toEqual([
        { tenant_id: 't1', seq: 3, client_ip_address: '10.0.0.3', client_user_agent: 'UA' },
        { tenant_id: 't1', seq: 4, client_ip_address: '10.0.0.4', client_user_agent: 'UA' },
      ]);
      const cursors = await db.selectFrom('pixel_cursors').select(['pixel_row_id', 'start_seq', 'sent_through', 'claimed_through']).orderBy('pixel_row_id').execute();
      expect(cursors).toEqual([
        { pixel_row_id: 'pA', start_seq: 5, sent_through: 5, claimed_through: 5 },
        { pixel_row_id: 'pB', start_seq: 5, sent_through: 5, claimed_through: 5 },
      ]);
      const batches = await db.selectFrom('delivery_batches').select(['pixel_row_id', 'from_seq', 'to_seq', 'status', 'fbtrace_id', 'events_received', 'event_count']).orderBy('pixel_row_id').orderBy('from_seq').execute();
      expect(batches).toEqual([
        { pixel_row_id: 'pA', from_seq: 1, to_seq: 2, status: 'sent', fbtrace_id: 'TRACE1', events_received: 2, event_count: 2 },
        { pixel_row_id: 'pB', from_seq: 1, to_seq: 1, status: 'sent', fbtrace_id: 'TRACE2', events_received: 1, event_count: 1 },
        { pixel_row_id: 'pB', from_seq: 4, to_seq: 4, status: 'sent', fbtrace_id: 'TRACE3', events_received: 1, event_count: 1 },
      ]);
      const exceptions = await db
        .selectFrom('delivery_exceptions')
        .select(['pixel_row_id', 'seq', 'status', 'attempts', 'next_attempt_at', 'last_error', 'client_ip_address'])
        .orderBy('seq')
        .orderBy('pixel_row_id')
        .execute();
      expect(exceptions).toEqual([
        { pixel_row_id: 'pB', seq: 2, status: 'dropped', attempts: 1, next_attempt_at: 5, last_error: 'event_too_old: too old', client_ip_address: null },
        { pixel_row_id: 'pA', seq: 3, status: 'failed', attempts: 1, next_attempt_at: 99, last_error: 'HTTP 503', client_ip_address: '10.0.0.3' },
        { pixel_row_id: 'pB', seq: 3, status: 'failed', attempts: 1, next_attempt_at: 77, last_error: null, client_ip_address: '10.0.0.3' },
        { pixel_row_id: 'pA', seq: 4, status: 'dead', attempts: 1, next_attempt_at: 5, last_error: 'Invalid parameter', client_ip_address: '10.0.0.4' },
      ]);
    });
  });
});
