/**
 * Every read of the `deliveries` table that the overview, alerts, event details and /metrics make, in one module
 * so it can be ported when delivery state moves to the log + cursors + exceptions tables. Nothing here writes.
 * Statuses are SQL literals where a partial index (deliveries_dead, deliveries_claimable) must be visible.
 */
import { sql } from 'kysely';
import type { Store } from './database.js';
import type { DeliveryStatus } from './schema.js';

const DEAD = sql.lit<DeliveryStatus>('dead');
const CLAIMABLE = [sql.lit<DeliveryStatus>('queued'), sql.lit<DeliveryStatus>('failed')];
const LEASED = sql.lit<DeliveryStatus>('sending');

/** Deliveries of one pixel in one status created since a time, with the newest change. */
export interface PixelStatusCount {
  pixelRowId: string;
  status: DeliveryStatus;
  count: number;
  /** The newest updated_at among them: for `sent`, when Meta last accepted one. */
  lastAt: number | null;
}

/**
 * The smallest row id (UUIDv7, src/store/ids.ts) a row created at `at` or later can have: its first 48 bits are
 * the creation time in hex, so a range on the primary key selects recent rows without a time index.
 */
export function rowIdLowerBound(at: number): string {
  const time = Math.max(0, Math.floor(at)).toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-0000-0000-000000000000`;
}

/** Per pixel and status, the store's deliveries created since `since` (with their event, at ingest). */
export async function deliveryCountsSince(store: Store, tenantId: string, since: number): Promise<PixelStatusCount[]> {
  // A range on the time-ordered primary key reads only the period's rows, however long retention keeps the rest.
  // Rows with random (v4) ids, written by releases before ids were UUIDv7 (2026-11-24), sort anywhere: created_at
  // keeps those the range takes honest; those it misses can only be counted short for a week after such an upgrade.
  const rows = await store.db
    .selectFrom('deliveries')
    .select(['pixel_row_id', 'status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max<number>('updated_at').as('last_at')])
    .where('id', '>=', rowIdLowerBound(since))
    .where('tenant_id', '=', tenantId)
    .where('created_at', '>=', since)
    .groupBy(['pixel_row_id', 'status'])
    .execute();
  return rows.map((r) => ({ pixelRowId: r.pixel_row_id, status: r.status, count: Number(r.n), lastAt: r.last_at === null ? null : Number(r.last_at) }));
}

/**
 * Each pixel's newest delivery error among what is still to be sent or dead: the rows a store owner can still act
 * on. Read through the partial indexes deliveries_claimable (queued/failed, per pixel) and deliveries_dead, never
 * the whole table.
 */
export async function lastErrors(store: Store, tenantId: string, pixelRowIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const pixelRowId of pixelRowIds) {
    const pending = await store.db
      .selectFrom('deliveries')
      .select(['last_error', 'updated_at'])
      .where('pixel_row_id', '=', pixelRowId)
      .where('status', 'in', CLAIMABLE)
      .where('last_error', 'is not', null)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const dead = await store.db
      .selectFrom('deliveries')
      .select(['last_error', 'updated_at'])
      .where('tenant_id', '=', tenantId)
      .where('pixel_row_id', '=', pixelRowId)
      .where('status', '=', DEAD)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const newest = [pending, dead].filter((r) => r?.last_error != null).sort((a, b) => Number(b?.updated_at) - Number(a?.updated_at))[0];
    if (newest?.last_error) out.set(pixelRowId, newest.last_error);
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
  // Two reads shaped like the partial indexes (deliveries_claimable, deliveries_leased), so only the backlog is
  // read, never the settled rows: one IN list of all three statuses matches neither index.
  const read = async (leased: boolean) => {
    let q = store.db
      .selectFrom('deliveries')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min<number>('created_at').as('oldest')])
      .where((eb) => (leased ? eb('status', '=', LEASED) : eb('status', 'in', CLAIMABLE)));
    if (tenantId !== null) q = q.where('tenant_id', '=', tenantId);
    const row = await q.executeTakeFirst();
    return { count: Number(row?.n ?? 0), oldest: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
  };
  const parts = [await read(false), await read(true)];
  const oldest = parts.map((p) => p.oldest).filter((o): o is number => o !== null);
  return { count: parts[0]!.count + parts[1]!.count, oldestCreatedAt: oldest.length > 0 ? Math.min(...oldest) : null };
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
