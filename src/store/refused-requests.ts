import { sql } from 'kysely';
import type { Store } from './database.js';

/** One (store, hour, reason) count to add; tenantId '' when the refused request named no store. */
export interface RefusedCount {
  tenantId: string;
  /** Start of the UTC hour, Unix ms. */
  hour: number;
  reason: string;
  count: number;
}

const HOUR_MS = 3_600_000;

/** The start of the UTC hour holding `at`. */
export function hourOf(at: number): number {
  return Math.floor(at / HOUR_MS) * HOUR_MS;
}

/**
 * The per-hour counts of requests refused before anything was stored (table refused_requests). Writes are
 * additions of counts already summed in memory (src/services/overview-refused.ts): one upsert per (store,
 * hour, reason) per flush, whatever the number of requests behind it.
 */
export function createRefusedRequestRepository(store: Store) {
  const { db } = store;
  return {
    async add(counts: readonly RefusedCount[]): Promise<void> {
      if (counts.length === 0) return;
      await db
        .insertInto('refused_requests')
        .values(counts.map((c) => ({ tenant_id: c.tenantId, hour: c.hour, reason: c.reason, count: c.count })))
        .onConflict((oc) => oc.columns(['tenant_id', 'hour', 'reason']).doUpdateSet({ count: sql<number>`refused_requests.count + excluded.count` }))
        .execute();
    },

    /** A store's counts per hour and reason since `since` (inclusive), oldest first. */
    async ofTenant(tenantId: string, since: number): Promise<RefusedCount[]> {
      const rows = await db
        .selectFrom('refused_requests')
        .select(['tenant_id', 'hour', 'reason', 'count'])
        .where('tenant_id', '=', tenantId)
        .where('hour', '>=', hourOf(since))
        .orderBy('hour')
        .execute();
      return rows.map((r) => ({ tenantId: r.tenant_id, hour: Number(r.hour), reason: r.reason, count: Number(r.count) }));
    },

    /** Every store's counts (and the unattributed ones, tenantId '') since `since`, oldest first. */
    async ofAll(since: number): Promise<RefusedCount[]> {
      const rows = await db.selectFrom('refused_requests').select(['tenant_id', 'hour', 'reason', 'count']).where('hour', '>=', hourOf(since)).orderBy('hour').execute();
      return rows.map((r) => ({ tenantId: r.tenant_id, hour: Number(r.hour), reason: r.reason, count: Number(r.count) }));
    },

    /** Deletes the hours before `before`: the counts are read for a day or a week, never longer. */
    async purgeBefore(before: number): Promise<number> {
      const res = await db.deleteFrom('refused_requests').where('hour', '<', hourOf(before)).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export type RefusedRequestRepository = ReturnType<typeof createRefusedRequestRepository>;
