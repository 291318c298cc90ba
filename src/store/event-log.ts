import type { EventLogItem, EventLogStatus, ShownDeliveryStatus } from '../core/admin-api.js';
import { sql } from 'kysely';
import type { Store } from './database.js';
import { parseChannels } from './channels.js';
import { mergeStateOf } from '../core/channel-merge.js';
import { decodeEventLogCursor, encodeEventLogCursor } from '../core/cursors.js';
import { hasDeliveryStatus, readDeliveryStates, readTimeline } from './delivery-state.js';
import type { DeliveryStatus } from './schema.js';

export interface EventLogQuery {
  eventName?: string | undefined;
  /** An event status (queued, dropped, skipped), a delivery status (sent, failed, dead …), or held (merge window). */
  status?: EventLogStatus | undefined;
  source?: string | undefined;
  /** Only events received at or after / before these times (Unix ms). */
  since?: number | undefined;
  until?: number | undefined;
  /** Rows received at or before this time were cleared from the log view ("Clear the log"). */
  hiddenUpTo?: number | null | undefined;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string | undefined;
}

export type { EventLogItem };

/** What the log shows for one delivery: a queued or retrying delivery of a paused pixel is `paused`. */
export function shownStatus(deliveryStatus: DeliveryStatus, pixelStatus: string | null): ShownDeliveryStatus {
  return pixelStatus === 'paused' && (deliveryStatus === 'queued' || deliveryStatus === 'failed') ? 'paused' : deliveryStatus;
}

/** A tenant's events, newest first (by the (tenant_id, received_at) index), with their per-pixel delivery status. */
export async function listEvents(store: Store, tenantId: string, q: EventLogQuery) {
  let query = store.db
    .selectFrom('events')
    .select(['id', 'event_name', 'event_id', 'source', 'order_id', 'event_time', 'received_at', 'status', 'drop_code', 'drop_message', 'channels', 'simulated'])
    .select(['seq', 'hold_until', 'merge_outcome', 'merge_detail'])
    .where('tenant_id', '=', tenantId);
  if (q.hiddenUpTo !== undefined && q.hiddenUpTo !== null) query = query.where('received_at', '>', q.hiddenUpTo);
  if (q.since !== undefined) query = query.where('received_at', '>=', q.since);
  if (q.until !== undefined) query = query.where('received_at', '<', q.until);
  // Event names are case-sensitive at Meta, but a person searching the log types "purchase" for Purchase.
  if (q.eventName) query = query.where(sql`lower(event_name)`, '=', q.eventName.toLowerCase());
  if (q.source) {
    // A channel matches by its full name (webhook:shopify) or its last part (shopify), whether it reported the
    // event first (source) or later (channels, the JSON list of every reporter).
    const term = q.source.toLowerCase();
    const like = term.replace(/[\\%_]/g, (c) => `\\${c}`);
    query = query.where((eb) =>
      eb.or([
        eb(sql`lower(source)`, '=', term),
        eb(sql`lower(source)`, 'like', sql<string>`${`%:${like}`} escape '\\'`),
        eb(sql`lower(channels)`, 'like', sql<string>`${`%"${like}"%`} escape '\\'`),
        eb(sql`lower(channels)`, 'like', sql<string>`${`%:${like}"%`} escape '\\'`),
      ]),
    );
  }
  if (q.status) {
    const status = q.status;
    // `skipped` (and the retired `done`) are the event's own; `dropped` is either (kept back at ingest, or too old
    // when due); every other status is a delivery's: an event stays `queued` itself once it has gone out.
    if (status === 'skipped' || status === 'done') query = query.where('status', '=', status);
    // Held by the merge window: no seq (no place in the log) until merged or released.
    else if (status === 'held') query = query.where('seq', 'is', null);
    else if (status === 'dropped') query = query.where((eb) => eb.or([eb('status', '=', 'dropped'), hasDeliveryStatus(eb, 'dropped')]));
    else query = query.where((eb) => hasDeliveryStatus(eb, status as DeliveryStatus));
  }
  // The route refused a cursor the relay did not issue (400); one that still does not decode reads from the top.
  const after = q.cursor ? decodeEventLogCursor(q.cursor) : null;
  if (after) {
    // The plain bound beside the OR lets the (tenant_id, received_at) index seek to the cursor instead of
    // reading every newer row of the store again on each page.
    query = query
      .where('received_at', '<=', after.receivedAt)
      .where((eb) => eb.or([eb('received_at', '<', after.receivedAt), eb.and([eb('received_at', '=', after.receivedAt), eb('id', '<', after.id)])]));
  }
  const rows = await query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  const ids = page.map((r) => r.id);
  const states = await readDeliveryStates(store, tenantId, ids);
  const pixels = states.size > 0 ? await store.db.selectFrom('pixels').select(['id', 'status', 'pause_reason']).where('tenant_id', '=', tenantId).execute() : [];
  const pixelOf = new Map(pixels.map((p) => [p.id, p]));
  const byEvent = new Map<string, EventLogItem['deliveries']>();
  for (const [eventRowId, list] of states) {
    byEvent.set(
      eventRowId,
      list.map((d) => {
        const pixel = pixelOf.get(d.pixelRowId);
        const shown = shownStatus(d.status, pixel?.status ?? null);
        return { pixelRowId: d.pixelRowId, status: d.status, shown, pauseReason: shown === 'paused' ? (pixel?.pause_reason ?? null) : null, attempts: d.attempts, lastError: d.lastError, fbtraceId: d.fbtraceId, eventsReceived: d.eventsReceived };
      }),
    );
  }
  const items: EventLogItem[] = page.map((r) => ({
    id: r.id,
    eventName: r.event_name,
    eventId: r.event_id,
    source: r.source,
    orderId: r.order_id,
    eventTime: r.event_time,
    receivedAt: r.received_at,
    status: r.status,
    dropCode: r.drop_code,
    dropMessage: r.drop_message,
    channels: parseChannels(r.channels, r.source),
    simulated: Number(r.simulated) === 1,
    deliveries: byEvent.get(r.id) ?? [],
    merge: mergeStateOf(r),
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > q.limit && last ? encodeEventLogCursor(last.received_at, last.id) : null };
}

/** One event of a tenant with its full history, or null when it is not that tenant's. */
export async function getEventHistory(store: Store, tenantId: string, id: string) {
  const row = await store.db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const history = await readTimeline(store, tenantId, id);
  return {
    id: row.id,
    eventName: row.event_name,
    eventId: row.event_id,
    source: row.source,
    orderId: row.order_id,
    status: row.status,
    receivedAt: row.received_at,
    dropCode: row.drop_code,
    dropMessage: row.drop_message,
    channels: parseChannels(row.channels, row.source),
    simulated: Number(row.simulated) === 1,
    decisions: JSON.parse(row.decisions) as unknown[],
    payload: JSON.parse(row.payload) as unknown,
    history,
    merge: mergeStateOf(row),
  };
}
