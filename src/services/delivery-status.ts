/**
 * What became of events: the event log and one event's delivery timeline, Retry (replay of dead deliveries), the
 * outcome Simulate waits for, and the unsettled count of `/metrics`. Thin over the store's readers.
 */
import type { Store } from '../store/database.js';
import { backlogFigures, type BacklogFigures, deliveryOutcome, type DeliveryOutcome, eventRowIdOf } from '../store/delivery-status.js';
import { getEventHistory, listEvents, type EventLogQuery } from '../store/event-log.js';
import { replayDead } from '../store/replay.js';

export type { BacklogFigures, DeliveryOutcome } from '../store/delivery-status.js';
export type { EventLogQuery } from '../store/event-log.js';

export function createDeliveryStatusService(store: Store, deps: { clock: () => number; onQueued?: (() => void) | undefined }) {
  return {
    /** One page of a tenant's event log, newest first. */
    listEvents: (tenantId: string, query: EventLogQuery) => listEvents(store, tenantId, query),
    /** One event with its deliveries and their timeline; null when the tenant has no such event. */
    eventHistory: (tenantId: string, id: string) => getEventHistory(store, tenantId, id),
    /** Requeues a tenant's dead deliveries (all, or one event's) and wakes delivery when any was requeued. */
    async replayDead(tenantId: string, opts: { eventRowId?: string | undefined }): Promise<number> {
      const requeued = await replayDead(store, tenantId, opts, deps.clock());
      if (requeued > 0) deps.onQueued?.();
      return requeued;
    },
    /** The row id of a tenant's event by its event_id (Simulate knows the event_id it gave). */
    eventRowIdOf: (tenantId: string, eventId: string): Promise<string | null> => eventRowIdOf(store, tenantId, eventId),
    /** Where one event's delivery to one pixel stands; null when it has none. */
    deliveryOutcome: (tenantId: string, eventRowId: string, pixelRowId: string): Promise<DeliveryOutcome | null> => deliveryOutcome(store, tenantId, eventRowId, pixelRowId),
    /** Deliveries still to send, dead ones and the oldest one's age, for the `/metrics` gauges. */
    backlog: (): Promise<BacklogFigures> => backlogFigures(store, deps.clock()),
  };
}

export type DeliveryStatusService = ReturnType<typeof createDeliveryStatusService>;
