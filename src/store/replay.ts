import type { Store } from './database.js';

/**
 * Puts a tenant's dead deliveries back in the queue with a fresh attempt count (all of them, or one
 * event's). Safe to repeat: Meta deduplicates event_name + event_id, and sent rows are never touched.
 */
export async function replayDead(store: Store, tenantId: string, opts: { eventRowId?: string | undefined }, now: number): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    let q = trx
      .updateTable('deliveries')
      .set({ status: 'queued', attempts: 0, next_attempt_at: now, last_error: null, lease_until: null, lease_owner: null, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('status', '=', 'dead');
    if (opts.eventRowId) q = q.where('event_row_id', '=', opts.eventRowId);
    const rows = await q.returning(['id', 'event_row_id']).execute();
    if (rows.length > 0) {
      await trx
        .insertInto('delivery_history')
        .values(rows.map((r) => ({ delivery_id: r.id, event_row_id: r.event_row_id, status: 'queued', at: now, detail: 'replayed' })))
        .execute();
      await trx.updateTable('events').set({ status: 'queued' }).where('id', 'in', [...new Set(rows.map((r) => r.event_row_id))]).execute();
    }
    return rows.length;
  });
}
