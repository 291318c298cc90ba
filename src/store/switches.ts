/**
 * Per-tenant event switches: beside the master switch (`tenants.forwarding`), each switch turns one
 * event family off. An event whose switch is off is still stored (status `skipped`, code
 * `event_switch_off`) so the event log explains why it was not forwarded.
 */
import type { Kysely } from 'kysely';
import type { Store } from './database.js';
import type { Database } from './schema.js';

/** The `event_switches` table (migration 0004_switches); one row per switch a tenant has changed. */
export interface EventSwitchesTable {
  tenant_id: string;
  name: string;
  /** 0 = off; a missing row means on. */
  enabled: number;
  updated_at: number;
}

/** Every switch, in display order. "custom" covers every non-standard event name. */
export const SWITCH_NAMES = [
  'Purchase', 'Subscribe', 'Lead', 'CompleteRegistration', 'custom',
  'PageView', 'ViewContent', 'AddToCart', 'InitiateCheckout',
] as const;
export type SwitchName = (typeof SWITCH_NAMES)[number];

// Meta's standard events [M-PIX]: those without a switch of their own are always forwarded.
const STANDARD_EVENTS = new Set([
  'AddPaymentInfo', 'AddToCart', 'AddToWishlist', 'CompleteRegistration', 'Contact', 'CustomizeProduct', 'Donate',
  'FindLocation', 'InitiateCheckout', 'Lead', 'PageView', 'Purchase', 'Schedule', 'Search', 'StartTrial',
  'SubmitApplication', 'Subscribe', 'ViewContent',
]);

/** True when `name` is a switch name. */
export function isSwitchName(name: string): name is SwitchName {
  return (SWITCH_NAMES as readonly string[]).includes(name);
}

/** The switch that governs a Meta event name, or null when no switch applies. */
export function switchOf(eventName: string): SwitchName | null {
  if (isSwitchName(eventName) && eventName !== 'custom') return eventName;
  return STANDARD_EVENTS.has(eventName) ? null : 'custom';
}

/** Reads and writes a tenant's switches. */
export function createSwitchRepository(store: Store, clock: () => number = Date.now) {
  // The table is not in the shared schema type, so widen the handle here only.
  const db = store.db.withTables<{ event_switches: EventSwitchesTable }>() as Kysely<Database & { event_switches: EventSwitchesTable }>;
  return {
    /** Every switch with its state (missing rows are on). */
    async list(tenantId: string): Promise<Record<SwitchName, boolean>> {
      const out = Object.fromEntries(SWITCH_NAMES.map((n) => [n, true])) as Record<SwitchName, boolean>;
      const rows = await db.selectFrom('event_switches').select(['name', 'enabled']).where('tenant_id', '=', tenantId).execute();
      for (const r of rows) if (isSwitchName(r.name)) out[r.name] = Number(r.enabled) === 1;
      return out;
    },

    /** The names of the switches that are off (one query per ingest call). */
    async offSet(tenantId: string): Promise<Set<string>> {
      const rows = await db.selectFrom('event_switches').select('name').where('tenant_id', '=', tenantId).where('enabled', '=', 0).execute();
      return new Set(rows.map((r) => r.name));
    },

    async set(tenantId: string, name: SwitchName, on: boolean): Promise<void> {
      const now = clock();
      await db
        .insertInto('event_switches')
        .values({ tenant_id: tenantId, name, enabled: on ? 1 : 0, updated_at: now })
        .onConflict((oc) => oc.columns(['tenant_id', 'name']).doUpdateSet({ enabled: on ? 1 : 0, updated_at: now }))
        .execute();
    },
  };
}

export type SwitchRepository = ReturnType<typeof createSwitchRepository>;
