import type { DeliveryStatus } from './schema.js';

/** One line of a delivery's story as the event log shows it. */
export interface TimelineEntry {
  pixelRowId: string;
  status: string;
  at: number;
  detail: string | null;
}

export interface TimelineDelivery {
  id: string;
  pixel_row_id: string;
  status: DeliveryStatus;
  created_at: number;
  updated_at: number;
  fbtrace_id: string | null;
  events_received: number | null;
}

export interface TimelineHistoryRow {
  delivery_id: string;
  status: string;
  at: number;
  detail: string | null;
}

/**
 * The history table keeps only what a delivery row cannot say (failures, drops, releases, reclaims, replays),
 * so the hot path writes no row for "queued" or "sent". This puts the full story back together, oldest first:
 * queued at creation, each recorded transition, then the send the row itself records.
 */
export function deliveryTimeline(deliveries: TimelineDelivery[], history: TimelineHistoryRow[]): TimelineEntry[] {
  const pixelOf = new Map(deliveries.map((d) => [d.id, d.pixel_row_id]));
  const entries: TimelineEntry[] = deliveries.map((d) => ({ pixelRowId: d.pixel_row_id, status: 'queued', at: d.created_at, detail: null }));
  for (const h of history) {
    const pixelRowId = pixelOf.get(h.delivery_id);
    if (pixelRowId !== undefined) entries.push({ pixelRowId, status: h.status, at: h.at, detail: h.detail });
  }
  for (const d of deliveries) {
    if (d.status === 'sent') entries.push({ pixelRowId: d.pixel_row_id, status: 'sent', at: d.updated_at, detail: sentDetail(d) });
  }
  // Stable sort: same-millisecond entries keep their recorded order.
  return entries.sort((a, b) => a.at - b.at);
}

/** What Meta answered to the request that carried the delivery, as far as it was recorded. */
function sentDetail(d: TimelineDelivery): string | null {
  const parts: string[] = [];
  if (d.fbtrace_id) parts.push(`fbtrace_id ${d.fbtrace_id}`);
  if (d.events_received !== null) parts.push(`events_received ${d.events_received} (for its request)`);
  return parts.length > 0 ? parts.join(', ') : null;
}
