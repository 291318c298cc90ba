/**
 * Every read of the `deliveries` table that the overview, alerts, event details and /metrics make, in one module
 * so it can be ported when delivery state moves to the log + cursors + exceptions tables. Nothing here writes.
 * Statuses are SQL literals where a partial index (deliveries_dead, deliveries_claimable) must be visible.
 */
import { sql } from 'kysely';
import type { Store } from './database.js';
import type { DeliveryStatus } from './schema.js';

const DEAD = sql.lit<DeliveryStatus>('dead');
const PENDING = [sql.lit<DeliveryStatus>('queued'), sql.lit<DeliveryStatus>('failed'), sql.lit<DeliveryStatus>('sending')];

/** Deliveries of one pixel in one status, counted over the events a store received since a time. */
export interface PixelStatusCount {
  pixelRowId: string;
  status: DeliveryStatus;
  count: number;
}

/** Per pixel and status, the deliveries of the events the store received since `since` (by events.received_at). */
export async function deliveryCountsSince(store: Store, tenantId: string, since: number): Promise<PixelStatusCount[]> {
  // Through events (tenant_id, received_at) and deliveries_event: deliveries has no time index of its own.
  const rows = await store.db
    .selectFrom('events')
    .innerJoin('deliveries', 'deliveries.event_row_id', 'events.id')
    .select(['deliveries.pixel_row_id', 'deliveries.status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('events.tenant_id', '=', tenantId)
    .where('events.received_at', '>=', since)
    .groupBy(['deliveries.pixel_row_id', 'deliveries.status'])
    .execute();
  return rows.map((r) => ({ pixelRowId: r.pixel_row_id, status: r.status, count: Number(r.n) }));
}

/** Per pixel of a store: the newest send (updated_at of a sent delivery) and the newest error, among events received since `since`. */
export async function lastSendAndErrorSince(store: Store, tenantId: string, pixelRowIds: readonly string[], since: number): Promise<Map<string, { lastSentAt: number | null; lastError: string | null }>> {
  const recent = () => store.db.selectFrom('events').innerJoin('deliveries', 'deliveries.event_row_id', 'events.id').where('events.tenant_id', '=', tenantId).where('events.received_at', '>=', since);
  const sent = await recent()
    .select(['deliveries.pixel_row_id', (eb) => eb.fn.max<number>('deliveries.updated_at').as('at')])
    .where('deliveries.status', '=', 'sent')
    .groupBy('deliveries.pixel_row_id')
    .execute();
  const out = new Map<string, { lastSentAt: number | null; lastError: string | null }>();
  for (const r of sent) out.set(r.pixel_row_id, { lastSentAt: r.at === null ? null : Number(r.at), lastError: null });
  // One lookup per pixel (a store has a few), so a pixel with many errors cannot hide another's.
  for (const pixelRowId of pixelRowIds) {
    const row = await recent()
      .select('deliveries.last_error')
      .where('deliveries.pixel_row_id', '=', pixelRowId)
      .where('deliveries.last_error', 'is not', null)
      .orderBy('deliveries.updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) continue;
    out.set(pixelRowId, { lastSentAt: out.get(pixelRowId)?.lastSentAt ?? null, lastError: row.last_error });
  }
  return out;
}

/** Dead deliveries per pixel: of one store, or of every store (tenantId null). */
export async function deadCounts(store: Store, tenantId: string | null): Promise<{ tenantId: string; pixelRowId: string; count: number }[]> {
  let q = store.db
    .selectFrom('deliveries')
    .select(['tenant_id', 'pixel_row_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', DEAD);
  if (tenantId !== null) q = q.where('tenant_id', '=', tenantId);
  const rows = await q.groupBy(['tenant_id', 'pixel_row_id']).execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, pixelRowId: r.pixel_row_id, count: Number(r.n) }));
}

/** When the oldest dead delivery of a store died (its updated_at), or null. */
export async function oldestDeadAt(store: Store, tenantId: string): Promise<number | null> {
  const row = await store.db.selectFrom('deliveries').select((eb) => eb.fn.min<number>('updated_at').as('at')).where('tenant_id', '=', tenantId).where('status', '=', DEAD).executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/** Deliveries still to be sent (queued, retrying, sending) and the creation time of the oldest; of one store or of all (null). */
export async function pendingDeliveries(store: Store, tenantId: string | null): Promise<{ count: number; oldestCreatedAt: number | null }> {
  let q = store.db
    .selectFrom('deliveries')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min<number>('created_at').as('oldest')])
    .where('status', 'in', PENDING);
  if (tenantId !== null) q = q.where('tenant_id', '=', tenantId);
  const row = await q.executeTakeFirst();
  return { count: Number(row?.n ?? 0), oldestCreatedAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
}

/** One event's deliveries with their pixel, as the event details show Meta's answer per pixel. */
export async function deliveriesOfEvent(store: Store, eventRowId: string) {
  const rows = await store.db
    .selectFrom('deliveries')
    .leftJoin('pixels', 'pixels.id', 'deliveries.pixel_row_id')
    .select([
      'deliveries.pixel_row_id', 'deliveries.status', 'deliveries.attempts', 'deliveries.fbtrace_id', 'deliveries.events_received',
      'deliveries.last_error', 'deliveries.updated_at', 'pixels.pixel_id', 'pixels.meta_name',
    ])
    .where('deliveries.event_row_id', '=', eventRowId)
    .orderBy('deliveries.created_at')
    .execute();
  return rows.map((r) => ({
    pixelRowId: r.pixel_row_id,
    pixelId: r.pixel_id ?? null,
    pixelName: r.meta_name ?? null,
    status: r.status,
    attempts: Number(r.attempts),
    fbtraceId: r.fbtrace_id,
    eventsReceived: r.events_received === null ? null : Number(r.events_received),
    lastError: r.last_error,
    updatedAt: Number(r.updated_at),
  }));
}
