/**
 * The implementation countDeliveriesSince (src/store/delivery-state.ts) had until it counted per range of the log,
 * frozen as SQL text: the reference test/integration/delivery-counts.test.ts holds the new one to, and the "old"
 * side of bench/delivery-counts.ts. Not for the relay: a seek per event and pixel, ~45 µs an event on PostgreSQL.
 */
import { sql } from 'kysely';
import type { Store } from '../../src/store/database.js';
import type { PixelStatusCount } from '../../src/store/delivery-state.js';
import type { DeliveryStatus } from '../../src/store/schema.js';

/** Counts in one fixed order (pixel, then status), for comparing two answers that promise none. */
export function inFixedOrder(counts: readonly PixelStatusCount[]): PixelStatusCount[] {
  return [...counts].sort((a, b) => a.pixelRowId.localeCompare(b.pixelRowId) || a.status.localeCompare(b.status));
}

/**
 * Every event received since `since`, for every cursor it is meant for, its status and updated_at derived by
 * correlated index seeks: the exception row, else the last batch starting at or before its seq if it reaches it,
 * else queued above the cursor's start. Grouped per pixel and status exactly as countDeliveriesSince answers.
 */
export async function perEventReference(store: Store, tenantId: string, since: number): Promise<PixelStatusCount[]> {
  const status = sql`coalesce(
    (select x.status from delivery_exceptions x where x.pixel_row_id = c.pixel_row_id and x.seq = e.seq),
    (select case when b.to_seq >= e.seq then b.status end from delivery_batches b
      where b.pixel_row_id = c.pixel_row_id and b.from_seq <= e.seq order by b.from_seq desc limit 1),
    case when e.seq > c.start_seq then 'queued' end)`;
  const updatedAt = sql`coalesce(
    (select x.updated_at from delivery_exceptions x where x.pixel_row_id = c.pixel_row_id and x.seq = e.seq),
    (select case when b.to_seq >= e.seq then b.updated_at end from delivery_batches b
      where b.pixel_row_id = c.pixel_row_id and b.from_seq <= e.seq order by b.from_seq desc limit 1),
    e.received_at)`;
  const { rows } = await sql<{ pixel_row_id: string; status: DeliveryStatus | null; n: number; last_at: number | null }>`
    select c.pixel_row_id, ${status} as status, count(*) as n, max(${updatedAt}) as last_at
    from events e
    join pixel_cursors c on c.tenant_id = e.tenant_id and e.status = 'queued'
      and (e.only_pixel_row_id is null or e.only_pixel_row_id = c.pixel_row_id) and ${status} is not null
    where e.tenant_id = ${tenantId} and e.received_at >= ${since}
    group by 1, 2`.execute(store.db);
  return rows
    .filter((r): r is typeof r & { status: DeliveryStatus } => r.status !== null)
    .map((r) => ({ pixelRowId: r.pixel_row_id, status: r.status, count: Number(r.n), lastAt: r.last_at === null ? null : Number(r.last_at) }));
}

