/**
 * Small reads of delivery state for the admin API's Simulate and the `/metrics` gauges (through
 * src/services/delivery-status.ts): one event row id, one delivery's outcome, the backlog figures. Each goes
 * through the one reader of the log (src/store/delivery-state.ts).
 */
import type { Store } from './database.js';
import { type BacklogFigures, readBacklog, readDeliveryState } from './delivery-state.js';
import type { DeliveryStatus } from './schema.js';

export type { BacklogFigures } from './delivery-state.js';

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
export async function deliveryOutcome(store: Store, tenantId: string, eventRowId: string, pixelRowId: string): Promise<DeliveryOutcome | null> {
  const d = await readDeliveryState(store, tenantId, eventRowId, pixelRowId);
  return d ? { status: d.status, lastError: d.lastError, fbtraceId: d.fbtraceId, eventsReceived: d.eventsReceived } : null;
}

/** Deliveries still to send, dead ones and the age of the oldest waiting: the `/metrics` backlog gauges. */
export function backlogFigures(store: Store, now: number): Promise<BacklogFigures> {
  return readBacklog(store, now);
}
