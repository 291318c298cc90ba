/**
 * Small reads of delivery state for the admin API's Simulate and the `/metrics` gauge (through
 * src/services/delivery-status.ts): one event row id, one delivery's outcome, the unsettled count.
 */
import type { Store } from './database.js';
import { type DeliveryStatus, UNSETTLED_DELIVERY_STATUSES } from './schema.js';

export interface DeliveryOutcome {
  status: DeliveryStatus;
  lastError: string | null;
  fbtraceId: string | null;
  eventsReceived: number | null;
}

/** The row id of a tenant's event by its event_id (any event name), or null. */
export async function eventRowIdOf(store: Store, tenantId: string, eventId: string): Promise<string | null> {
  const row = await store.db.selectFrom('events').select('id').where('tenant_id', '=', tenantId).where('event_id', '=', eventId).executeTakeFirst();
  return row?.id ?? null;
}

/** Where one event's delivery to one pixel stands, or null when it has none. */
export async function deliveryOutcome(store: Store, eventRowId: string, pixelRowId: string): Promise<DeliveryOutcome | null> {
  const d = await store.db
    .selectFrom('deliveries')
    .select(['status', 'last_error', 'fbtrace_id', 'events_received'])
    .where('event_row_id', '=', eventRowId)
    .where('pixel_row_id', '=', pixelRowId)
    .executeTakeFirst();
  return d ? { status: d.status, lastError: d.last_error, fbtraceId: d.fbtrace_id, eventsReceived: d.events_received } : null;
}

/** Deliveries not yet settled (queued, sending or failed and due again): the `capi_relay_deliveries_queued` gauge. */
export async function countUnsettledDeliveries(store: Store): Promise<number> {
  const queued = await store.db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', UNSETTLED_DELIVERY_STATUSES)
    .executeTakeFirstOrThrow();
  return Number(queued.n);
}
