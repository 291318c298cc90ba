/**
 * The ingest side of the channel merge (issue 18): which copies may wait for their other channel's copy. Ingest
 * sets each copy's window from the policy (`holdMs`); here, before the group's transaction, a window is kept only
 * where the store reports that event type from both the browser and a server channel (src/store/channel-presence.ts),
 * and inside it the channel kinds of the group are recorded. The merge itself is the transform's pure rules
 * (src/transform/channel-merge.ts), applied by the store in the transaction (src/store/channel-hold.ts).
 */
import type { Transaction } from 'kysely';
import type { ChannelPresence, SeenChannel } from '../store/channel-presence.js';
import type { Database } from '../store/schema.js';
import type { EventToStore } from '../store/events.js';
import { channelKindOf, channelMerger } from '../transform/channel-merge.js';
import { mergeWindowMs, type TenantPolicy } from '../transform/policy.js';

export { channelMerger };

/**
 * The window of a copy from `source`, or undefined: Simulate is no channel, and a CSV import (offline conversions,
 * usually days old) is not held, though a browser copy still waiting merges with it.
 */
export function holdWindowOf(policy: TenantPolicy, eventName: string, source: string, simulated: boolean): number | undefined {
  if (simulated || source === 'csv' || channelKindOf(source) === null) return undefined;
  const ms = mergeWindowMs(policy, eventName);
  return ms > 0 ? ms : undefined;
}

interface TenantItems {
  tenant: { id: string };
  items: EventToStore[];
}

/** Keeps a copy's window only where its tenant reports the event type from both sides; one read per tenant. */
export async function applyHolds(writes: readonly TenantItems[], presence: ChannelPresence): Promise<void> {
  const tenants = new Set(writes.filter((w) => w.items.some((i) => i.holdMs)).map((w) => w.tenant.id));
  if (tenants.size === 0) return;
  const both = new Map(await Promise.all([...tenants].map(async (id) => [id, await presence.bothSides(id)] as const)));
  for (const w of writes) {
    const names = both.get(w.tenant.id);
    for (const item of w.items) if (item.holdMs && !names?.has(item.eventName)) item.holdMs = undefined;
  }
}

/**
 * Records the channel kinds each tenant of the group reported its event types through (in the transaction);
 * answers what to call once it has committed.
 */
export async function notePresence(trx: Transaction<Database>, writes: readonly (TenantItems & { now: number })[], presence: ChannelPresence): Promise<() => void> {
  const byTenant = new Map<string, { seen: Map<string, SeenChannel>; now: number }>();
  for (const w of writes) {
    for (const item of w.items) {
      if (item.simulated || item.drop) continue;
      const kind = channelKindOf(item.source);
      if (kind === null) continue;
      const entry = byTenant.get(w.tenant.id) ?? { seen: new Map(), now: w.now };
      entry.seen.set(`${item.eventName}\u0000${kind}`, { eventName: item.eventName, kind });
      byTenant.set(w.tenant.id, entry);
    }
  }
  const committed: (() => void)[] = [];
  for (const [tenantId, { seen, now }] of byTenant) committed.push(await presence.note(trx, tenantId, [...seen.values()], now));
  return () => committed.forEach((f) => f());
}
