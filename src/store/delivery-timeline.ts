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
    if (d.status === 'sent') entries.push({ pixelRowId: d.pixel_row_id, status: 'sent', at: d.updated_at, detail: d.fbtrace_id ? `fbtrace_id ${d.fbtrace_id}` : null });
  }
  // Stable sort: same-millisecond entries keep their recorded order.
  return entries.sort((a, b) => a.at - b.at);
}
