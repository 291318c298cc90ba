import type { Kysely } from 'kysely';
import type { Database, DeliveryStatus } from './schema.js';

/** One (event, pixel) delivery as the log says it is (docs/architecture.md, "Data at rest"). */
export interface DeliveryState {
  eventRowId: string;
  seq: number;
  pixelRowId: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  fbtraceId: string | null;
  eventsReceived: number | null;
}

/**
 * Every delivery of a tenant's events, derived from cursors, batches and exceptions by the rule readers follow:
 * the exception row if there is one, else the batch whose range holds the seq, else `queued` above the cursor's
 * start_seq (at or below it, no delivery: the event predates the pixel).
 * It reads the tenant's whole log: for tests, tools and small stores, not for a request path.
 */
export async function deliveryStates(db: Kysely<Database>, tenantId: string): Promise<DeliveryState[]> {
  const [events, cursors, batches, exceptions] = await Promise.all([
    db.selectFrom('events').select(['id', 'seq', 'only_pixel_row_id']).where('tenant_id', '=', tenantId).where('status', '=', 'queued').orderBy('seq').execute(),
    db.selectFrom('pixel_cursors').select(['pixel_row_id', 'start_seq']).where('tenant_id', '=', tenantId).execute(),
    db.selectFrom('delivery_batches').selectAll().where('tenant_id', '=', tenantId).orderBy('from_seq').execute(),
    db.selectFrom('delivery_exceptions').selectAll().where('tenant_id', '=', tenantId).execute(),
  ]);
  const exceptionOf = new Map(exceptions.map((x) => [`${x.pixel_row_id}:${Number(x.seq)}`, x]));
  const out: DeliveryState[] = [];
  for (const cursor of cursors) {
    const mine = batches.filter((b) => b.pixel_row_id === cursor.pixel_row_id);
    for (const e of events) {
      const seq = Number(e.seq);
      if (e.only_pixel_row_id !== null && e.only_pixel_row_id !== cursor.pixel_row_id) continue;
      const base = { eventRowId: e.id, seq, pixelRowId: cursor.pixel_row_id };
      const x = exceptionOf.get(`${cursor.pixel_row_id}:${seq}`);
      if (x) {
        out.push({ ...base, status: x.status, attempts: x.attempts, lastError: x.last_error, fbtraceId: x.fbtrace_id, eventsReceived: x.events_received });
        continue;
      }
      const b = mine.find((r) => Number(r.from_seq) <= seq && seq <= Number(r.to_seq));
      if (b) out.push({ ...base, status: b.status, attempts: b.attempts, lastError: b.last_error, fbtraceId: b.fbtrace_id, eventsReceived: b.events_received });
      // At or below start_seq without a row of its own: stored before the pixel was (or before migration 0021
      // and never meant for this pixel).
      else if (seq > Number(cursor.start_seq)) out.push({ ...base, status: 'queued', attempts: 0, lastError: null, fbtraceId: null, eventsReceived: null });
    }
  }
  return out;
}
