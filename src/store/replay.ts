import type { Store } from './database.js';

/**
 * Puts a tenant's dead deliveries back in the queue with a fresh attempt count (all of them, or one event's):
 * each is an exception row, claimed again on its own, sent with the IP and user agent it kept for this (until
 * the retention job erases them 7 days after event_time). Safe to repeat: Meta deduplicates event_name +
 * event_id, and sent deliveries are never touched.
 */
export async function replayDead(store: Store, tenantId: string, opts: { eventRowId?: string | undefined }, now: number): Promise<number> {
  let seq: number | null = null;
  if (opts.eventRowId) {
    const event = await store.db.selectFrom('events').select('seq').where('tenant_id', '=', tenantId).where('id', '=', opts.eventRowId).executeTakeFirst();
    if (!event) return 0;
    seq = Number(event.seq);
  }
  let q = store.db
    .updateTable('delivery_exceptions')
    .set({ status: 'queued', attempts: 0, next_attempt_at: now, last_error: null, lease_until: null, lease_owner: null, replayed: 1, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'dead');
  if (seq !== null) q = q.where('seq', '=', seq);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}
