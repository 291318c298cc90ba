import type { DeliveryState } from './delivery-state.js';
import type { TimelineEntry } from '../core/admin-api.js';

export type { TimelineEntry };

/**
 * The story of an event's deliveries, oldest first, from what the log keeps: queued on arrival for every pixel,
 * then the state its batch (or its own row, once it left the batch) is in. The log keeps each batch's last error
 * and attempt count, not every failure, so earlier attempts are summed up in the line that follows them.
 */
export function deliveryTimeline(states: readonly DeliveryState[]): TimelineEntry[] {
  const entries: TimelineEntry[] = states.map((d) => ({ pixelRowId: d.pixelRowId, status: 'queued', at: d.queuedAt, detail: null }));
  for (const d of states) {
    const line = (status: string, at: number, detail: string | null) => entries.push({ pixelRowId: d.pixelRowId, status, at, detail });
    if (d.replayed) line('queued', d.status === 'queued' ? d.updatedAt : d.queuedAt, 'replayed');
    switch (d.status) {
      case 'sent':
        line('sent', d.updatedAt, join([sentDetail(d), earlier(d.attempts - 1)]));
        break;
      case 'sending':
        line('sending', d.claimedAt ?? d.updatedAt, join([d.claims > 1 ? `claim ${d.claims}` : null, earlier(d.attempts)]));
        break;
      case 'failed':
        line('failed', d.updatedAt, join([d.lastError, `attempt ${d.attempts}, retrying`]));
        break;
      case 'dead':
      case 'dropped':
        line(d.status, d.updatedAt, join([d.lastError, d.status === 'dead' ? `after ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}` : null]));
        break;
      case 'queued':
        // Released by a worker (pixel paused mid-flight) or not yet claimed: the queued line says it.
        break;
    }
  }
  // Stable sort: same-millisecond entries keep their order.
  return entries.sort((a, b) => a.at - b.at);
}

function join(parts: (string | null)[]): string | null {
  const kept = parts.filter((p): p is string => p !== null && p !== '');
  return kept.length > 0 ? kept.join('; ') : null;
}

function earlier(attempts: number): string | null {
  return attempts > 0 ? `${attempts} earlier ${attempts === 1 ? 'attempt' : 'attempts'} failed` : null;
}

/** What Meta answered to the request that carried the delivery, as far as it was recorded. */
function sentDetail(d: DeliveryState): string | null {
  const parts: string[] = [];
  if (d.fbtraceId) parts.push(`fbtrace_id ${d.fbtraceId}`);
  if (d.eventsReceived !== null) parts.push(`events_received ${d.eventsReceived} (for its request)`);
  return parts.length > 0 ? parts.join(', ') : null;
}
