/**
 * The delivery reads the overview, alerts and event details make, each through the one reader of delivery state
 * (src/store/delivery-state.ts), shaped as those views want them. Nothing here writes.
 */
import type { Store } from './database.js';
import {
  countDeadPerPixel,
  countDeliveriesSince,
  type PixelStatusCount,
  readDeliveryStates,
  readLastErrors,
  readOldestDeadAt,
  readPending,
} from './delivery-state.js';

export type { PixelStatusCount };

/** Per pixel and status, the deliveries of the store's events received since `since`. */
export function deliveryCountsSince(store: Store, tenantId: string, since: number): Promise<PixelStatusCount[]> {
  return countDeliveriesSince(store, tenantId, since);
}

/** Each pixel's newest delivery error among what is still to be sent or dead: what a store owner can still act on. */
export function lastErrors(store: Store, pixelRowIds: readonly string[]): Promise<Map<string, string>> {
  return readLastErrors(store, pixelRowIds);
}

/** Dead deliveries per pixel: of one store, or of every store (tenantId null). */
export function deadCounts(store: Store, tenantId: string | null): Promise<{ tenantId: string; pixelRowId: string; count: number }[]> {
  return countDeadPerPixel(store, tenantId);
}

/** When the oldest dead delivery of a store died, or null. */
export function oldestDeadAt(store: Store, tenantId: string): Promise<number | null> {
  return readOldestDeadAt(store, tenantId);
}

/** Deliveries still to be sent (queued, retrying, sending) and the arrival of the oldest; of one store or of all (null). */
export async function pendingDeliveries(store: Store, tenantId: string | null): Promise<{ count: number; oldestCreatedAt: number | null }> {
  const pending = await readPending(store, tenantId);
  return { count: pending.count, oldestCreatedAt: pending.oldestQueuedAt };
}

/** One event's deliveries with their pixel, as the event details show Meta's answer per pixel (pixels in the order added). */
export async function deliveriesOfEvent(store: Store, tenantId: string, eventRowId: string) {
  const states = (await readDeliveryStates(store, tenantId, [eventRowId])).get(eventRowId) ?? [];
  if (states.length === 0) return [];
  const pixels = await store.db
    .selectFrom('pixels')
    .select(['id', 'pixel_id', 'meta_name'])
    .where('id', 'in', states.map((s) => s.pixelRowId))
    .execute();
  const pixelOf = new Map(pixels.map((p) => [p.id, p]));
  return states.map((s) => ({
    pixelRowId: s.pixelRowId,
    pixelId: pixelOf.get(s.pixelRowId)?.pixel_id ?? null,
    pixelName: pixelOf.get(s.pixelRowId)?.meta_name ?? null,
    status: s.status,
    attempts: s.attempts,
    fbtraceId: s.fbtraceId,
    eventsReceived: s.eventsReceived,
    lastError: s.lastError,
    updatedAt: s.updatedAt,
  }));
}
