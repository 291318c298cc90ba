/**
 * The store side of group commit: the writes of several ingest calls in one transaction. Consecutive calls of one
 * tenant with the same clock reading are written by one `writeEvents` (one INSERT per table instead of one per
 * call), unless they share an event: then the later call is written after, so it answers `duplicate` and records
 * its channel exactly as it would in a transaction of its own.
 */
import type { Store } from '../store/database.js';
import { dedupKey } from '../store/channels.js';
import { type EventToStore, type StoreOutcome, writeEvents } from '../store/events.js';
import { switchOf } from '../store/switches.js';
import type { ChannelPresence } from '../store/channel-presence.js';
import { applyHolds, channelMerger, notePresence } from './channel-holds.js';

/** One ingest call's writes. */
export interface StoreWrite {
  tenant: { id: string; forwarding: boolean };
  items: EventToStore[];
  now: number;
}

/** Consecutive writes stored by one writeEvents call: their items in order, and how many each contributed. */
export interface WriteRun {
  tenant: { id: string; forwarding: boolean };
  now: number;
  items: EventToStore[];
  counts: number[];
}

/** Splits writes, in order, into runs that one writeEvents call can store as if each were written alone. */
export function runsOf(writes: readonly StoreWrite[]): WriteRun[] {
  const runs: WriteRun[] = [];
  let keys = new Set<string>();
  for (const w of writes) {
    const last = runs[runs.length - 1];
    const own = w.items.map((i) => dedupKey(i.eventName, i.eventId));
    const joins =
      last !== undefined &&
      last.tenant.id === w.tenant.id &&
      last.tenant.forwarding === w.tenant.forwarding &&
      last.now === w.now &&
      !own.some((k) => keys.has(k));
    if (joins) {
      last.items.push(...w.items);
      last.counts.push(w.items.length);
    } else {
      runs.push({ tenant: w.tenant, now: w.now, items: [...w.items], counts: [w.items.length] });
      keys = new Set();
    }
    for (const k of own) keys.add(k);
  }
  return runs;
}

/** A tenant's per-event switches that are off (src/store/switches.ts). */
export type OffSwitches = (tenantId: string) => Promise<Set<string>>;

/**
 * Marks `skip` on each sendable event whose per-event switch is off: it is stored as skipped, not queued. The
 * switches are read once per tenant of the group (one read instead of one per request), before its transaction.
 */
export async function applySwitches(writes: readonly StoreWrite[], offSwitches: OffSwitches): Promise<void> {
  const tenants = new Set(writes.filter((w) => w.tenant.forwarding && w.items.some((i) => !i.drop)).map((w) => w.tenant.id));
  const offByTenant = new Map(await Promise.all([...tenants].map(async (id) => [id, await offSwitches(id)] as const)));
  for (const w of writes) {
    const off = offByTenant.get(w.tenant.id);
    if (!off || off.size === 0 || !w.tenant.forwarding) continue;
    for (const item of w.items) {
      const name = switchOf(item.eventName);
      if (!item.drop && name && off.has(name)) item.skip = { code: 'event_switch_off', message: `the ${name} switch is off: logged, not forwarded` };
    }
  }
}

/**
 * Stores the writes in one transaction; one list of outcomes per write, in order, once committed. With
 * `offSwitches`, per-event switches are applied first (applySwitches).
 */
export async function writeGroup(store: Store, writes: readonly StoreWrite[], offSwitches?: OffSwitches, presence?: ChannelPresence): Promise<StoreOutcome[][]> {
  if (offSwitches) await applySwitches(writes, offSwitches);
  // Channel merge (src/ingest/channel-holds.ts): which copies wait for their partner.
  if (presence) await applyHolds(writes, presence);
  // writeEvents first locks its tenant's sequence row until the commit. Taking the tenants of a group in one order
  // (by id; a tenant's own calls keep theirs) means two groups on two PostgreSQL nodes can never wait on each other.
  const order = writes.map((_, i) => i).sort((a, b) => compareIds(writes[a]!.tenant.id, writes[b]!.tenant.id) || a - b);
  let onCommitted: (() => void) | undefined;
  const out = await store.db.transaction().execute(async (trx) => {
    const sorted: StoreOutcome[][] = [];
    for (const run of runsOf(order.map((i) => writes[i]!))) {
      const outcomes = await writeEvents(trx, run.tenant, run.items, run.now, presence ? channelMerger : undefined);
      let at = 0;
      for (const n of run.counts) {
        sorted.push(outcomes.slice(at, at + n));
        at += n;
      }
    }
    if (presence) onCommitted = await notePresence(trx, writes, presence);
    const out: StoreOutcome[][] = new Array(writes.length);
    order.forEach((original, k) => {
      out[original] = sorted[k]!;
    });
    return out;
  });
  onCommitted?.();
  return out;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
