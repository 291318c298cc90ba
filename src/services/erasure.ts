/** A customer's erasure request (GDPR art. 17) for the admin API: the privacy module's one implementation, bound to the store. */
import { eraseCustomer, type ErasureResult } from '../privacy/customer-erasure.js';
import type { Store } from '../store/database.js';
import type { TenantRepository } from '../store/tenants.js';
import type { CustomerIdentity } from '../transform/customer-keys.js';

export function createErasureService(store: Store, tenants: TenantRepository) {
  return {
    /** Erases one customer of a tenant (throws NotFoundError for an unknown tenant). */
    eraseCustomer: (tenantId: string, who: CustomerIdentity): Promise<ErasureResult> => eraseCustomer({ store, tenants }, tenantId, who),
  };
}

export type ErasureService = ReturnType<typeof createErasureService>;
