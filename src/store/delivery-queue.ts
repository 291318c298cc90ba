import { randomUUID } from 'node:crypto';
import { type ExpressionBuilder, sql, type Transaction } from 'kysely';
import type { AckResult, ClaimedDelivery, DeliveryQueue, HeldDelivery, PixelTarget } from '../delivery/queue.js';
import { chunks } from './chunks.js';
import type { Store } from './database.js';
import { type Database, type DeliveryStatus, UNSETTLED_DELIVERY_STATUSES } from './schema.js';
import type { SecretBox } from './secret-box.js';
import { toWireEvent } from './stored-payload.js';

/**
 * The statuses as SQL literals, not bound parameters: a partial index (deliveries_claimable, deliveries_leased) is
 * only usable when the planner can see that the query's condition implies the index's, and a `?` hides it
 * (SQLite then sorted the whole backlog on every claim).
 */
const CLAIMABLE = [sql.lit<DeliveryStatus>('queued'), sql.lit<DeliveryStatus>('failed')];
const LEASED = sql.lit<DeliveryStatus>('sending');
const DEAD = sql.lit<DeliveryStatus>('dead');

// Bound parameters per statement stay far below both databases' limits.
const ID_CHUNK = 1000;

/**
 * The delivery queue on the relay's own tables. A claim is one transaction of two UPDATE … WHERE id IN
 * (SELECT … LIMIT n) RETURNING: rows whose lease expired (a crashed worker) first, then due rows. It is atomic
 * on SQLite (one writer), and on PostgreSQL the inner SELECTs take row locks with SKIP LOCKED so concurrent
 * nodes claim disjoint rows.
 */
export function createDeliveryQueue(store: Store, box: SecretBox): DeliveryQueue {
  const { db, adapter } = store;

  /**
   * Moves held rows to `status`: only rows still `sending` under the lease the caller names, so a worker whose
   * lease lapsed and was taken over changes nothing (its ack comes back `late`). `detail` null writes no history
   * row: the row itself then says everything (a send is status, updated_at and fbtrace_id), and the history table
   * keeps only what the row cannot (each failure, drops, releases, reclaims, replays).
   */
  async function transition(held: readonly HeldDelivery[], status: DeliveryStatus, now: number, set: Record<string, unknown>, detail: string | null): Promise<AckResult> {
    const byLease = new Map<string, string[]>();
    for (const h of held) {
      const ids = byLease.get(h.lease);
      if (ids) ids.push(h.deliveryId);
      else byLease.set(h.lease, [h.deliveryId]);
    }
    const settled = new Set<string>();
    for (const [lease, ids] of byLease) {
      for (const part of chunks(ids, ID_CHUNK)) {
        await db.transaction().execute(async (trx) => {
          const rows = await trx
            .updateTable('deliveries')
            .set({ status, lease_until: null, lease_owner: null, updated_at: now, ...set })
            .where('id', 'in', part)
            .where('status', '=', LEASED)
            .where('lease_owner', '=', lease)
            .returning(['id', 'event_row_id'])
            .execute();
          if (rows.length === 0) return;
          for (const r of rows) settled.add(r.id);
          if (detail !== null) {
            await trx
              .insertInto('delivery_history')
              .values(rows.map((r) => ({ delivery_id: r.id, event_row_id: r.event_row_id, status, at: now, detail })))
              .execute();
          }
          if (status === 'sent' || status === 'dead' || status === 'dropped') await settleEvents(trx, [...new Set(rows.map((r) => r.event_row_id))], status);
        });
      }
    }
    return { settled: settled.size, late: held.filter((h) => !settled.has(h.deliveryId)).map((h) => h.deliveryId) };
  }

  /**
   * Marks `done` the events none of whose deliveries is left to send. Meta's rules send IP and user agent in
   * clear, so they go at once, unless a delivery is dead: Retry / `capi-relay replay` would then send the event
   * without them, so they stay until the replay window closes (the retention job's eraseExpiredClearFields).
   */
  async function settleEvents(trx: Transaction<Database>, eventIds: string[], status: DeliveryStatus) {
    const unsettled = (eb: ExpressionBuilder<Database, 'events'>) =>
      eb.exists(eb.selectFrom('deliveries as d').select('d.id').whereRef('d.event_row_id', '=', 'events.id').where('d.status', 'in', UNSETTLED_DELIVERY_STATUSES));
    const q = trx.updateTable('events').where('id', 'in', eventIds).where((eb) => eb.not(unsettled(eb)));
    if (status === 'dead') {
      await q.set({ status: 'done' }).execute();
      return;
    }
    await q
      .set((eb) => {
        const dead = eb.exists(eb.selectFrom('deliveries as d').select('d.id').whereRef('d.event_row_id', '=', 'events.id').where('d.status', '=', DEAD));
        return {
          status: 'done',
          client_ip_address: eb.case().when(dead).then(eb.ref('client_ip_address')).end(),
          client_user_agent: eb.case().when(dead).then(eb.ref('client_user_agent')).end(),
        };
      })
      .execute();
  }

  return {
    async duePixels(now) {
      // Two EXISTS, each shaped like one partial index (claimable, leased), instead of one OR that no index serves.
      const rows = await db
        .selectFrom('pixels')
        .select(['id', 'pixel_id', 'token_sealed', 'test_event_code', 'graph_version', 'status'])
        .where('status', '=', 'active')
        .where((eb) =>
          eb.or([
            eb.exists(
              eb.selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.pixel_row_id', '=', 'pixels.id').where('deliveries.status', 'in', CLAIMABLE).where('deliveries.next_attempt_at', '<=', now),
            ),
            eb.exists(
              eb.selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.pixel_row_id', '=', 'pixels.id').where('deliveries.status', '=', LEASED).where('deliveries.lease_until', '<', now),
            ),
          ]),
        )
        .execute();
      return rows.map(
        (r): PixelTarget => ({
          pixelRowId: r.id, pixelId: r.pixel_id, accessToken: box.open(r.token_sealed), testEventCode: r.test_event_code, graphVersion: r.graph_version, paused: false,
        }),
      );
    },

    async claim(pixelRowId, limit, now, leaseMs, workerId) {
      // Two index-ordered selections instead of one OR: with the OR, SQLite sorted the whole backlog on every
      // claim (USE TEMP B-TREE), so draining slowed as the backlog grew. Expired leases (a crashed worker) first.
      const expired = (n: number) => {
        const q = db.selectFrom('deliveries').select('id').where('pixel_row_id', '=', pixelRowId).where('status', '=', LEASED).where('lease_until', '<', now).orderBy('lease_until').limit(n);
        return adapter.supportsSkipLocked ? q.forUpdate().skipLocked() : q;
      };
      const due = (n: number) => {
        // Matches the partial index deliveries_claimable exactly, so rows come out already in order.
        const q = db
          .selectFrom('deliveries')
          .select('id')
          .where('pixel_row_id', '=', pixelRowId)
          .where('status', 'in', CLAIMABLE)
          .where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at')
          .limit(n);
        return adapter.supportsSkipLocked ? q.forUpdate().skipLocked() : q;
      };
      // A new lease per claim, not per worker: a worker running several batches of one pixel, or taking back its
      // own lapsed rows, must not settle one claim's rows with another's ack.
      const lease = `${workerId}/${randomUUID()}`;
      const claimed = await db.transaction().execute(async (trx) => {
        const take = (ids: ReturnType<typeof due>) =>
          trx
            .updateTable('deliveries')
            .set({ status: 'sending', lease_until: now + leaseMs, lease_owner: lease, updated_at: now })
            // PostgreSQL may run an IN (…) subquery again for every row it updates (a semi join), and each run
            // skips the rows the last one locked, so a claim of n took more than n rows. An ARRAY(…) is run once.
            .where((eb) => (adapter.supportsSkipLocked ? eb('id', '=', eb.fn<string>('any', [sql`array${ids}`])) : eb('id', 'in', ids)))
            .returning(['id', 'event_row_id', 'attempts'])
            .execute();
        const reclaimed = await take(expired(limit));
        if (reclaimed.length > 0) {
          // A routine claim leaves no history (the outcome row follows); taking over a lapsed lease is worth a line.
          await trx
            .insertInto('delivery_history')
            .values(reclaimed.map((r) => ({ delivery_id: r.id, event_row_id: r.event_row_id, status: 'sending', at: now, detail: 'reclaimed: the previous lease expired' })))
            .execute();
        }
        const rows = reclaimed.length < limit ? [...reclaimed, ...(await take(due(limit - reclaimed.length)))] : reclaimed;
        return rows;
      });
      if (claimed.length === 0) return [];
      const events = new Map<string, { event_name: string; event_id: string; event_time: number; payload: string; simulated: number; test_event_code?: string | null; client_ip_address: string | null; client_user_agent: string | null }>();
      for (const part of chunks([...new Set(claimed.map((c) => c.event_row_id))], ID_CHUNK)) {
        const rows = await db
          .selectFrom('events')
          .select(['id', 'event_name', 'event_id', 'event_time', 'payload', 'simulated', 'test_event_code', 'client_ip_address', 'client_user_agent'])
          .where('id', 'in', part)
          .execute();
        for (const r of rows) events.set(r.id, r);
      }
      const out: ClaimedDelivery[] = [];
      for (const c of claimed) {
        const e = events.get(c.event_row_id);
        if (!e) continue;
        const wire = toWireEvent(e.payload, e.client_ip_address || null, e.client_user_agent || null);
        out.push({
          deliveryId: c.id,
          lease,
          eventId: e.event_id,
          eventName: e.event_name,
          eventJson: wire.json,
          eventTime: Math.floor(Number(e.event_time) / 1000),
          actionSource: wire.actionSource,
          attempts: c.attempts,
          simulated: e.simulated === 1,
          testEventCode: e.test_event_code ?? null,
        });
      }
      return out;
    },

    markSent: (held, info, now) => transition(held, 'sent', now, { attempts: sql`attempts + 1`, fbtrace_id: info.fbtraceId, events_received: info.eventsReceived, last_error: null }, null),
    markRetry: (held, info, now) =>
      transition(held, 'failed', now, { attempts: sql`attempts + 1`, next_attempt_at: info.nextAttemptAt, last_error: info.reason }, info.reason),
    markDead: (held, info, now) => transition(held, 'dead', now, { attempts: sql`attempts + 1`, last_error: info.reason }, info.reason),
    markDropped: (held, info, now) => transition(held, 'dropped', now, { last_error: `${info.code}: ${info.reason}` }, `${info.code}: ${info.reason}`),
    release: (held, now) => transition(held, 'queued', now, {}, 'released'),

    async pausePixel(pixelRowId, reason, now) {
      await db.updateTable('pixels').set({ status: 'paused', pause_reason: reason, updated_at: now }).where('id', '=', pixelRowId).where('status', '=', 'active').execute();
    },
  };
}
