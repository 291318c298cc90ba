import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import type { Store } from './database.js';

const WINDOW_MS = 60_000;

/**
 * The /v1/collect rate limit counted in the database, so every node sharing a PostgreSQL database
 * enforces one limit per (tenant, client IP) instead of one each. A fixed one-minute window: one
 * `insert … on conflict do update … returning hits` per request, atomic under concurrent nodes.
 * A fixed window may let up to twice the rate through across a window edge; for a flood guard
 * that is the price of a single round trip.
 */
export function createStoreRateLimiter(
  store: Store,
  opts: { perMinute: number; /** Shared by every node (the encryption key); never stored. */ secret: string; clock?: () => number },
) {
  const { db } = store;
  const clock = opts.clock ?? Date.now;
  // Keys hold the client IP: only a keyed hash reaches the table (an unkeyed hash of an IPv4 is
  // reversed by trying all 2^32), and every node derives the same bucket from the shared secret.
  // A key of its own, so these hashes reveal nothing about the secret's other uses.
  const bucketKey = createHmac('sha256', opts.secret).update('capi-relay /v1/collect rate limit').digest();
  const bucketOf = (key: string) => createHmac('sha256', bucketKey).update(key).digest('base64url');
  let sweptWindow = -1;

  return {
    async take(key: string): Promise<boolean> {
      const windowStart = Math.floor(clock() / WINDOW_MS) * WINDOW_MS;
      if (windowStart > sweptWindow) {
        // Once per window per node: past windows are never read again.
        sweptWindow = windowStart;
        await db.deleteFrom('collect_rate_windows').where('window_start', '<', windowStart).execute();
      }
      const row = await db
        .insertInto('collect_rate_windows')
        .values({ bucket: bucketOf(key), window_start: windowStart, hits: 1 })
        .onConflict((oc) => oc.columns(['bucket', 'window_start']).doUpdateSet({ hits: sql<number>`collect_rate_windows.hits + 1` }))
        .returning('hits')
        .executeTakeFirstOrThrow();
      return Number(row.hits) <= opts.perMinute;
    },
  };
}
