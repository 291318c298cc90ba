/**
 * What tests read of delivery state, through the store's one reader (src/store/delivery-state.ts), so they do not
 * depend on how the queue records its work.
 */
import type { Store } from '../../src/store/database.js';
import { type DeliveryState, deliveryStates } from '../../src/store/delivery-state.js';

/** Every delivery of the store (or of one tenant), tenant by tenant, in seq order. */
export async function allDeliveryStates(store: Store, tenantId?: string): Promise<DeliveryState[]> {
  const tenants = tenantId !== undefined ? [tenantId] : (await store.db.selectFrom('tenants').select('id').orderBy('created_at').execute()).map((t) => t.id);
  const out: DeliveryState[] = [];
  for (const id of tenants) out.push(...(await deliveryStates(store.db, id)));
  return out;
}

/** How many deliveries are in each status, e.g. `{ sent: 999, dead: 1 }`. */
export async function deliveryStatusCounts(store: Store, tenantId?: string): Promise<Record<string, number>> {
  const count: Record<string, number> = {};
  for (const d of await allDeliveryStates(store, tenantId)) count[d.status] = (count[d.status] ?? 0) + 1;
  return count;
}
