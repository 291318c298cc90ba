/**
 * Turns what an operator knows about a customer (e-mail, phone, external id, browser id) into the values the
 * relay stored for them: the same normalization and SHA-256 the transform applies, so an erasure request finds
 * every event that carried them. Pure: no I/O.
 */
import { sha256Hex } from './hash.js';
import { FIELDS, type NormalizeCtx } from './normalize/index.js';

/** A customer as an erasure request names them; at least one field. */
export interface CustomerIdentity {
  email?: string | undefined;
  phone?: string | undefined;
  externalId?: string | undefined;
  fbp?: string | undefined;
}

export type CustomerKeysResult = { hashes: string[]; fbps: string[] } | { error: { field: string; message: string } };

/**
 * The hashes to look for. A phone is hashed as the transform would have sent it with and without the tenant's
 * default country (a number stored from an event whose address named another country is found by its E.164 form).
 */
export function customerKeys(who: CustomerIdentity, defaultCountry?: string): CustomerKeysResult {
  const hashes = new Set<string>();
  const ctxs: NormalizeCtx[] = [{}, ...(defaultCountry ? [{ defaultCountry: defaultCountry.toLowerCase() }] : [])];
  const fields: [keyof CustomerIdentity, string][] = [['email', 'em'], ['phone', 'ph'], ['externalId', 'external_id']];
  for (const [name, key] of fields) {
    const raw = who[name];
    if (raw === undefined) continue;
    for (const ctx of ctxs) {
      const r = FIELDS[key]!.normalize(raw, ctx);
      if ('dropped' in r) return { error: { field: name, message: r.dropped.message } };
      hashes.add(r.hashed ? r.value.split('.')[0]! : sha256Hex(r.value));
    }
  }
  const fbp = who.fbp?.trim();
  if (who.fbp !== undefined && !fbp) return { error: { field: 'fbp', message: 'fbp: empty value' } };
  const fbps = fbp ? [fbp] : [];
  if (hashes.size === 0 && fbps.length === 0) return { error: { field: 'email', message: 'name the customer by email, phone, externalId or fbp' } };
  return { hashes: [...hashes], fbps };
}
