/** Registry of the hashed `user_data` field definitions, keyed by Meta's field name. */
import { ct, country, st, zp } from './address.js';
import { em, external_id, ph } from './contact.js';
import { db, fn, ge, ln } from './person.js';
import type { FieldDef } from './types.js';

export type { FieldDef, NormalizeCtx, NormalizeResult } from './types.js';
export { toCountryCode } from './address.js';

/** Every contact field Meta requires hashed, plus external_id (hashed as Meta's SDK does) [M-CIP]. */
export const FIELDS: Readonly<Record<string, FieldDef>> = { em, ph, fn, ln, ge, db, ct, st, zp, country, external_id };

/** The field names of `FIELDS`, in Meta's documented order. */
export const HASHED_FIELDS: readonly string[] = Object.keys(FIELDS);
