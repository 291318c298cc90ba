/**
 * Which event types a store reports from both sides (table `channel_presence`, migration 0023): merging applies to
 * an event type seen from the browser and from a server channel within the last 7 days. Learned from traffic, not
 * configured: the API has no configuration to read, and a store whose snippet or webhook stopped reporting a type
 * stops holding it after a week instead of delaying it forever.
 *
 * Each process writes a (tenant, event type, kind) at most once an hour, and reads a tenant's answer at most once
 * a minute (sooner after it wrote something new itself), so the hot path pays a map lookup.
 */
import type { Transaction } from 'kysely';
import type { ChannelKind } from '../core/channel-merge.js';
import type { Store } from './database.js';
import type { Database } from './schema.js';

export const PRESENCE_DAYS = 7;
const WRITE_EVERY_MS = 60 * 60 * 1000;
const READ_EVERY_MS = 60 * 1000;

export interface SeenChannel {
  eventName: string;
  kind: ChannelKind;
}

export function createChannelPresence(store: Pick<Store, 'db'>, clock: () => number) {
  const written = new Map<string, number>();
  const cache = new Map<string, { at: number; both: Set<string> }>();

  return {
    /** The event names the tenant reported from both a browser and a server channel in the last 7 days. */
    async bothSides(tenantId: string): Promise<Set<string>> {
      const now = clock();
      const hit = cache.get(tenantId);
      if (hit && now - hit.at < READ_EVERY_MS) return hit.both;
      const rows = await store.db
        .selectFrom('channel_presence')
        .select(['event_name', 'channel_kind'])
        .where('tenant_id', '=', tenantId)
        .where('last_seen_at', '>=', now - PRESENCE_DAYS * 86_400_000)
        .execute();
      const kinds = new Map<string, Set<string>>();
      for (const r of rows) kinds.set(r.event_name, (kinds.get(r.event_name) ?? new Set()).add(r.channel_kind));
      const both = new Set([...kinds].filter(([, k]) => k.size === 2).map(([name]) => name));
      cache.set(tenantId, { at: now, both });
      return both;
    },

    /**
     * Records, inside the writing transaction, the channel kinds a write reported its event types through; answers
     * what to remember once that transaction has committed (a rolled-back write is written again by its retry).
     */
    async note(trx: Transaction<Database>, tenantId: string, seen: readonly SeenChannel[], now: number): Promise<() => void> {
      const due = new Map<string, SeenChannel>();
      for (const s of seen) {
        const key = `${tenantId}\u0000${s.eventName}\u0000${s.kind}`;
        const last = written.get(key);
        if (last === undefined || now - last >= WRITE_EVERY_MS) due.set(key, s);
      }
      if (due.size === 0) return () => undefined;
      await trx
        .insertInto('channel_presence')
        .values([...due.values()].map((s) => ({ tenant_id: tenantId, event_name: s.eventName, channel_kind: s.kind, last_seen_at: now })))
        .onConflict((oc) => oc.columns(['tenant_id', 'event_name', 'channel_kind']).doUpdateSet({ last_seen_at: now }))
        .execute();
      return () => {
        for (const key of due.keys()) written.set(key, now);
        // Something new may complete a pair: read again on the next write.
        cache.delete(tenantId);
      };
    },
  };
}

export type ChannelPresence = ReturnType<typeof createChannelPresence>;
