/**
 * How long the relay keeps what it stored, and erasing one customer on request. Events hold hashed contact
 * data and browser ids (fbp, click ids): personal data under GDPR, to be kept no longer than needed
 * (storage limitation) and erased when a customer asks (right to erasure). Nothing here can withdraw what
 * Meta already received; it removes the relay's own copy.
 */
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { PHYSICAL_STORE_WINDOW_MS, WEB_WINDOW_MS } from '../delivery/event-window.js';
import type { RemovedCounts } from '../core/admin-api.js';
import type { Store } from './database.js';
import { chunks } from './chunks.js';
import { eraseSentClearFields } from './clear-fields.js';
import { hasUnsettledDelivery } from './delivery-state.js';
import type { Database } from './schema.js';

/** Meta's longest window for event_time (physical_store): an older queued event can never be sent. */
const UNSENDABLE_AFTER_MS = PHYSICAL_STORE_WINDOW_MS;
/** Rows deleted per transaction, so a purge of a big backlog never holds the database for long. */
const PURGE_CHUNK = 1000;
const ID_CHUNK = 500;

const DAY_MS = 86_400_000;

export type { RemovedCounts };

const none = (): RemovedCounts => ({ events: 0, clickIds: 0, orderBrowsers: 0, orders: 0 });

/**
 * Deletes every event received before `cutoff` (with its exceptions, kept IP / user agent and the batches left
 * empty), and click ids, order ↔
 * browser links and orders first seen before it. An event with a delivery still waiting to be sent is kept until
 * Meta's window has closed on it, so a retention shorter than that never loses a sendable event.
 */
export async function purgeBefore(store: Store, cutoff: number, now: number): Promise<RemovedCounts> {
  const { db } = store;
  const removed = none();
  const tenants = await db.selectFrom('tenants').select('id').execute();
  const unsendableBefore = Math.min(cutoff, now - UNSENDABLE_AFTER_MS);
  for (const { id: tenantId } of tenants) {
    // Pages in (received_at, id) order with a cursor, so events kept as still sendable are read once per purge,
    // not again in every round.
    let after: { receivedAt: number; id: string } | null = null;
    for (;;) {
      let query = db
        .selectFrom('events')
        .select(['id', 'received_at'])
        .where('tenant_id', '=', tenantId)
        .where('received_at', '<', cutoff)
        .where((eb) =>
          eb.or([
            eb('event_time', '<', unsendableBefore),
            eb.not(hasUnsettledDelivery(eb)),
          ]),
        );
      if (after) {
        const { receivedAt, id } = after;
        // The plain bound lets the (tenant_id, received_at) index seek past the rows already read.
        query = query
          .where('received_at', '>=', receivedAt)
          .where((eb) => eb.or([eb('received_at', '>', receivedAt), eb.and([eb('received_at', '=', receivedAt), eb('id', '>', id)])]));
      }
      const rows = await query.orderBy('received_at').orderBy('id').limit(PURGE_CHUNK).execute();
      if (rows.length > 0) removed.events += await deleteEvents(db, tenantId, rows.map((r) => r.id));
      const last = rows[rows.length - 1];
      if (!last || rows.length < PURGE_CHUNK) break;
      after = { receivedAt: Number(last.received_at), id: last.id };
    }
    removed.clickIds += await deleteInChunks(db, 'click_ids', tenantId, 'first_seen_at', cutoff);
    removed.orderBrowsers += await deleteInChunks(db, 'order_browsers', tenantId, 'created_at', cutoff);
    removed.orders += await deleteInChunks(db, 'orders', tenantId, 'created_at', cutoff);
    // Remembered identify traits (hashed) of users not seen since the cutoff.
    await db.deleteFrom('user_traits').where('tenant_id', '=', tenantId).where('updated_at', '<', cutoff).execute();
  }
  return removed;
}

/**
 * How long a settled event keeps IP and user agent for a replay of its dead delivery: Meta's window for website
 * events (the shorter of Meta's two windows), counted from event_time. Past it, a replayed website event is
 * dropped as too old anyway; a physical_store one is sent without them.
 */
export const REPLAYABLE_CLEAR_FIELDS_MS = WEB_WINDOW_MS;

/**
 * Erases IP and user agent once nothing will send them. Every tenant's event_clear_fields up to the lowest
 * sent_through of its pixels that are not disabled (delivery does the same as its cursors move; this catches a
 * pixel disabled since). And the copies single events keep on their exception rows: a dead one's, kept for a
 * replay until REPLAYABLE_CLEAR_FIELDS_MS after its event_time, and any left on a sent or dropped one. A
 * replayed event still to send keeps its copy until it is settled. Answers how many exception copies it erased.
 */
export async function eraseExpiredClearFields(store: Store, now: number): Promise<number> {
  const { db } = store;
  const tenants = await db.selectFrom('pixel_cursors').select('tenant_id').distinct().execute();
  for (const { tenant_id } of tenants) await db.transaction().execute((trx) => eraseSentClearFields(trx, tenant_id));
  const kept = (eb: ExpressionBuilder<Database, 'delivery_exceptions'>) => eb.or([eb('client_ip_address', 'is not', null), eb('client_user_agent', 'is not', null)]);
  const settled = await db
    .updateTable('delivery_exceptions')
    .set({ client_ip_address: null, client_user_agent: null })
    .where('status', 'in', [sql.lit<'sent'>('sent'), sql.lit<'dropped'>('dropped')])
    .where(kept)
    .executeTakeFirst();
  const dead = await db
    .updateTable('delivery_exceptions')
    .set({ client_ip_address: null, client_user_agent: null })
    .where('status', '=', sql.lit('dead'))
    .where(kept)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('events as e')
          .select('e.seq')
          .whereRef('e.tenant_id', '=', 'delivery_exceptions.tenant_id')
          .whereRef('e.seq', '=', 'delivery_exceptions.seq')
          .where('e.event_time', '<', now - REPLAYABLE_CLEAR_FIELDS_MS),
      ),
    )
    .executeTakeFirst();
  return Number(settled.numUpdatedRows) + Number(dead.numUpdatedRows);
}

/** The purge for a retention of `days` days, as of `now` (the server's hourly job and `capi-relay purge`). */
export function purgeOlderThan(store: Store, days: number, now: number): Promise<RemovedCounts> {
  return purgeBefore(store, now - days * DAY_MS, now);
}

/** The identifiers of one customer, already normalized and hashed as the transform sends them, and browser ids. */
export interface CustomerKeys {
  hashes: string[];
  fbps: string[];
}

/**
 * Erases one customer of a tenant: every event whose user_data carries one of the hashes or whose fbp is one of
 * the browser ids (sent or still queued: a queued one is then never sent), and the click ids and order links of
 * those browsers. Orders (totals by order id) are not personal data and stay for the acceptance report.
 */
export async function forgetCustomer(store: Store, tenantId: string, keys: CustomerKeys): Promise<RemovedCounts> {
  const { db } = store;
  const removed = none();
  const fbps = new Set(keys.fbps);
  const matched = new Set<string>();
  const hashes = [...new Set(keys.hashes)];
  if (hashes.length > 0) {
    // A hash is 64 hex characters, so a substring match cannot hit anything but that value in the payload JSON.
    // One scan of the tenant's payloads for all of them: on SQLite a scan holds the server's only thread.
    const rows = await db
      .selectFrom('events')
      .select(['id', 'fbp'])
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or(hashes.map((h) => eb('payload', 'like', `%${h}%`))))
      .execute();
    for (const r of rows) {
      matched.add(r.id);
      if (r.fbp) fbps.add(r.fbp);
    }
  }
  for (const part of chunks([...fbps], ID_CHUNK)) {
    const rows = await db.selectFrom('events').select('id').where('tenant_id', '=', tenantId).where('fbp', 'in', part).execute();
    for (const r of rows) matched.add(r.id);
  }
  for (const part of chunks([...matched], ID_CHUNK)) removed.events += await deleteEvents(db, tenantId, part);
  // Remembered identify traits that hold one of the customer's hashes (a hash cannot match anything else).
  if (hashes.length > 0) await db.deleteFrom('user_traits').where('tenant_id', '=', tenantId).where((eb) => eb.or(hashes.map((h) => eb('user_data', 'like', `%${h}%`)))).execute();
  for (const part of chunks([...fbps], ID_CHUNK)) {
    const clicks = await db.deleteFrom('click_ids').where('tenant_id', '=', tenantId).where('fbp', 'in', part).executeTakeFirst();
    removed.clickIds += Number(clicks.numDeletedRows);
    const links = await db.deleteFrom('order_browsers').where('tenant_id', '=', tenantId).where('fbp', 'in', part).executeTakeFirst();
    removed.orderBrowsers += Number(links.numDeletedRows);
  }
  return removed;
}

/**
 * Deletes events of a tenant and what hangs off them, in one transaction: their exception rows and kept IP / user
 * agent, and the batches whose range no longer holds any event (sent, or waiting to retry events now too old to
 * send: nothing is left in them to send). A batch in flight is left to its worker.
 */
async function deleteEvents(db: Kysely<Database>, tenantId: string, ids: string[]): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('events').select('seq').where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
    if (rows.length === 0) return 0;
    // A held event (channel merge: seq null until released) has nothing hanging off it by seq.
    const seqs = rows.filter((r) => r.seq !== null).map((r) => Number(r.seq));
    if (seqs.length === 0) {
      const res = await trx.deleteFrom('events').where('tenant_id', '=', tenantId).where('id', 'in', ids).executeTakeFirst();
      return Number(res.numDeletedRows);
    }
    await trx.deleteFrom('delivery_exceptions').where('tenant_id', '=', tenantId).where('seq', 'in', seqs).execute();
    await trx.deleteFrom('event_clear_fields').where('tenant_id', '=', tenantId).where('seq', 'in', seqs).execute();
    const res = await trx.deleteFrom('events').where('tenant_id', '=', tenantId).where('id', 'in', ids).executeTakeFirst();
    await trx
      .deleteFrom('delivery_batches')
      .where('tenant_id', '=', tenantId)
      // Not one in flight: its worker settles it (and finds nothing left in it).
      .where('status', '!=', sql.lit('sending'))
      .where('from_seq', '<=', Math.max(...seqs))
      .where('to_seq', '>=', Math.min(...seqs))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('events as e')
              .select('e.seq')
              .whereRef('e.tenant_id', '=', 'delivery_batches.tenant_id')
              .whereRef('e.seq', '>=', 'delivery_batches.from_seq')
              .whereRef('e.seq', '<=', 'delivery_batches.to_seq'),
          ),
        ),
      )
      .execute();
    return Number(res.numDeletedRows);
  });
}

type TimedTable = 'click_ids' | 'order_browsers' | 'orders';

async function deleteInChunks(db: Kysely<Database>, table: TimedTable, tenantId: string, column: 'first_seen_at' | 'created_at', cutoff: number): Promise<number> {
  // Not every dialect can LIMIT a DELETE, so each round deletes one slice of time found by a bounded SELECT.
  const at = sql.ref(column);
  let total = 0;
  for (;;) {
    const nth = await db
      .selectFrom(table)
      .select(sql<number>`${at}`.as('at'))
      .where('tenant_id', '=', tenantId)
      .where(sql<boolean>`${at} < ${cutoff}`)
      .orderBy(at)
      .offset(PURGE_CHUNK - 1)
      .limit(1)
      .executeTakeFirst();
    // The slice ends after the PURGE_CHUNK-th oldest row, or at the cutoff when fewer are left.
    const end = nth ? Math.min(Number(nth.at) + 1, cutoff) : cutoff;
    const res = await db.deleteFrom(table).where('tenant_id', '=', tenantId).where(sql<boolean>`${at} < ${end}`).executeTakeFirst();
    total += Number(res.numDeletedRows);
    if (!nth) return total;
  }
}
