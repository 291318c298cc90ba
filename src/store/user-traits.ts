/**
 * Segment/RudderStack `identify` traits, remembered per user so the user's later track and page calls carry
 * them (Meta matches on them). Only user_data already normalized and SHA-256 hashed is stored, keyed by a
 * SHA-256 of the user id (a user id is often an e-mail address): no plain-text personal data. The retention
 * purge deletes rows not refreshed within retentionDays; an erasure request deletes the rows holding the
 * customer's hashes.
 */
import { createHash } from 'node:crypto';
import type { Store } from './database.js';

const keyOf = (tenantId: string, userKey: string): string => createHash('sha256').update(`${tenantId}\n${userKey}`).digest('hex');

export function createUserTraitsRepository(store: Store) {
  const { db } = store;
  return {
    /** The remembered user_data of each user key that has some (keys as given). */
    async get(tenantId: string, userKeys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
      const out = new Map<string, Record<string, unknown>>();
      const unique = [...new Set(userKeys)];
      if (unique.length === 0) return out;
      const byHash = new Map(unique.map((k) => [keyOf(tenantId, k), k]));
      const rows = await db.selectFrom('user_traits').select(['user_key', 'user_data']).where('tenant_id', '=', tenantId).where('user_key', 'in', [...byHash.keys()]).execute();
      for (const r of rows) {
        const k = byHash.get(r.user_key);
        if (k !== undefined) out.set(k, JSON.parse(r.user_data) as Record<string, unknown>);
      }
      return out;
    },

    /** Merges newly identified hashed user_data over what was remembered for the user (newer values win). */
    async remember(tenantId: string, userKey: string, hashedUserData: Record<string, unknown>, now: number): Promise<void> {
      if (Object.keys(hashedUserData).length === 0) return;
      const user_key = keyOf(tenantId, userKey);
      await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('user_traits').select('user_data').where('tenant_id', '=', tenantId).where('user_key', '=', user_key).executeTakeFirst();
        const merged = JSON.stringify({ ...(row ? (JSON.parse(row.user_data) as Record<string, unknown>) : {}), ...hashedUserData });
        await trx
          .insertInto('user_traits')
          .values({ tenant_id: tenantId, user_key, user_data: merged, updated_at: now })
          .onConflict((oc) => oc.columns(['tenant_id', 'user_key']).doUpdateSet({ user_data: merged, updated_at: now }))
          .execute();
      });
    },
  };
}

export type UserTraitsRepository = ReturnType<typeof createUserTraitsRepository>;
