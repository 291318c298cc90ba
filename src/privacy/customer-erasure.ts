/**
 * A customer's erasure request (GDPR art. 17) as the CLI and the admin API carry it out: hash what the operator
 * knows about the customer as the transform did, then delete the relay's copy of their events and browser links.
 * Callers audit it by the kinds of identifier given (`identifiedBy`), never the identifiers themselves.
 */
import type { Store } from '../store/database.js';
import { forgetCustomer, type RemovedCounts } from '../store/retention.js';
import type { TenantRepository } from '../store/tenants.js';
import { customerKeys, type CustomerIdentity } from '../transform/customer-keys.js';
import { parsePolicy } from '../transform/transform.js';

export type ErasureResult = { removed: RemovedCounts } | { error: { field: string; message: string } };

/** Erases one customer of a tenant. Throws NotFoundError for an unknown tenant. */
export async function eraseCustomer(deps: { store: Store; tenants: TenantRepository }, tenantId: string, who: CustomerIdentity): Promise<ErasureResult> {
  const tenant = await deps.tenants.getTenant(tenantId);
  const keys = customerKeys(who, parsePolicy(tenant.policy).defaultCountry);
  if ('error' in keys) return keys;
  return { removed: await forgetCustomer(deps.store, tenantId, keys) };
}

/** The kinds of identifier an erasure request named (for the audit log), e.g. ["email", "fbp"]. */
export function identifiedBy(who: CustomerIdentity): string[] {
  return (Object.keys(who) as (keyof CustomerIdentity)[]).filter((k) => who[k] !== undefined);
}
