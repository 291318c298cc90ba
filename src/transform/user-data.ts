/**
 * Builds Meta `user_data` from raw fields: contact fields normalized and hashed (always arrays,
 * deduplicated, as Meta's SDK sends them [SDK-N normalizeAndHashMultiValues]); fbc/fbp/IP/UA and the
 * other "do not hash" ids passed through as given [M-CIP].
 */
import { isIP } from 'node:net';
import { unknownKeyMessage } from '../core/input-messages.js';
import type { Decision, MetaUserData } from '../core/meta-event.js';
import { sha256Hex } from './hash.js';
import { INTEGER_USER_KEYS, LOOKS_HASHED } from './meta-rules.js';
import { FIELDS, type NormalizeCtx } from './normalize/index.js';

/** Keys Meta says must not be hashed and that capi-relay passes through unchanged [M-CIP]. */
const PASS_THROUGH = new Set([
  'subscription_id', 'fb_login_id', 'lead_id', 'anon_id', 'madid', 'page_id',
  'page_scoped_user_id', 'ctwa_clid', 'ig_account_id', 'ig_sid',
]);
const CLEAR_STRINGS = new Set(['fbc', 'fbp', 'client_ip_address', 'client_user_agent']);
// A Parameter Builder appendix may follow the IP: "168.212.226.204.ABcDEFGh" [M-PBL].
const IP_APPENDIX_RE = /^(.*)\.(?:[A-Za-z0-9_-]{8}|AQ|Ag|Aw|BA|BQ|Bg)$/;

// Fields with few distinct values (countries, states, genders, cities, zips): their hashes are memoized
// in a bounded map. Contact identifiers (em, ph, names, ids) are never cached, to keep no PII around.
const LOW_CARDINALITY = new Set(['country', 'st', 'ge', 'ct', 'zp']);
const HASH_CACHE = new Map<string, string>();
const HASH_CACHE_MAX = 20_000;

function cachedHash(v: string): string {
  let h = HASH_CACHE.get(v);
  if (h === undefined) {
    if (HASH_CACHE.size >= HASH_CACHE_MAX) HASH_CACHE.clear();
    h = sha256Hex(v);
    HASH_CACHE.set(v, h);
  }
  return h;
}

/** Options for building user_data. */
export interface UserDataCtx {
  /** Event time in ms, used as the fbc creation time when derived from fbclid [M-FBC]. */
  eventTimeMs: number;
  now: number;
  defaultCountry?: string;
}

/** Result: the user_data object, or a rejection of malformed input. */
export type UserDataResult = { userData: MetaUserData } | { rejected: { code: string; message: string } };

/** Normalizes, hashes and validates raw user_data fields into Meta's `user_data`, recording every drop in `decisions`. */
export function buildUserData(raw: Record<string, unknown>, ctx: UserDataCtx, decisions: Decision[]): UserDataResult {
  const out: MetaUserData = {};
  const nctx: NormalizeCtx = { now: ctx.now, defaultCountry: ctx.defaultCountry };
  // The address country first: the phone rule needs it to add a missing country code.
  if (raw.country !== undefined) {
    const c = hashField('country', raw.country, nctx, decisions, out);
    if (c) nctx.country = c;
  }
  for (const key of Object.keys(raw)) {
    const v = raw[key];
    if (v === undefined || v === null || key === 'country') continue;
    if (Object.hasOwn(FIELDS, key)) {
      hashField(key, v, nctx, decisions, out);
    } else if (CLEAR_STRINGS.has(key)) {
      if (typeof v !== 'string') return reject(key, 'a string');
      const s = v.trim();
      if (s === '') continue;
      if (key === 'client_ip_address' && !validIp(s)) {
        decisions.push({ code: 'invalid_ip', message: 'client_ip_address: not an IPv4/IPv6 address', field: key });
        continue;
      }
      if ((key === 'fbc' || key === 'fbp') && LOOKS_HASHED.test(s)) {
        // A hashed cookie matches nothing and Meta refuses the event for it (rule 24): leave it out.
        decisions.push({ code: 'hashed_cookie', message: `${key}: looks hashed; the cookie value is sent as set, so it was left out`, field: key });
        continue;
      }
      out[key] = s; // never hashed, never case-changed ("ClickID value is case sensitive" [M-FBC])
    } else if (PASS_THROUGH.has(key)) {
      if (typeof v !== 'string' && typeof v !== 'number') return reject(key, 'a string or number');
      // Meta types these ids (rule 25): fb_login_id and lead_id integers, the others strings.
      if (INTEGER_USER_KEYS.has(key)) {
        if (!(Number.isSafeInteger(v) || (typeof v === 'string' && /^\d+$/.test(v.trim())))) {
          decisions.push({ code: 'invalid_id', message: `${key}: not an integer id, left out`, field: key });
          continue;
        }
        out[key] = typeof v === 'string' ? v.trim() : v;
      } else if (typeof v === 'number' && !Number.isFinite(v)) {
        decisions.push({ code: 'invalid_id', message: `${key}: not a finite number, left out`, field: key });
      } else out[key] = String(v);
    } else if (key === 'fbclid') {
      if (typeof v !== 'string') return reject(key, 'a string');
    } else {
      return { rejected: { code: 'unknown_key', message: unknownKeyMessage('user_data', key) } };
    }
  }
  const fbclid = raw.fbclid;
  if (out.fbc === undefined && typeof fbclid === 'string' && fbclid.trim() !== '') {
    // "fb.1.{creationTime ms}.{fbclid}", subdomain index 1 when generated on a server [M-FBC].
    out.fbc = `fb.1.${Math.floor(ctx.eventTimeMs)}.${fbclid.trim()}`;
    decisions.push({ code: 'fbc_derived', message: 'fbc derived from fbclid', field: 'fbc' });
  }
  return { userData: out };
}

/** Validates user_data keys and the types of the clear-text keys without normalizing; null when fine. */
export function checkUserKeys(raw: Record<string, unknown>): { code: string; message: string } | null {
  for (const key of Object.keys(raw)) {
    const v = raw[key];
    if (v === undefined || v === null || Object.hasOwn(FIELDS, key)) continue;
    if (CLEAR_STRINGS.has(key) || key === 'fbclid') {
      if (typeof v !== 'string') return { code: 'invalid_type', message: `user_data.${key}: expected a string` };
    } else if (PASS_THROUGH.has(key)) {
      if (typeof v !== 'string' && typeof v !== 'number') return { code: 'invalid_type', message: `user_data.${key}: expected a string or number` };
    } else return { code: 'unknown_key', message: unknownKeyMessage('user_data', key) };
  }
  return null;
}

function reject(key: string, what: string): UserDataResult {
  return { rejected: { code: 'invalid_type', message: `user_data.${key}: expected ${what}` } };
}

function validIp(s: string): boolean {
  if (isIP(s) !== 0) return true;
  const m = IP_APPENDIX_RE.exec(s);
  return m !== null && isIP(m[1]!) !== 0;
}

/** Normalizes+hashes one field (scalar or array) into `out[key]`; returns the first plain normalized value. */
function hashField(key: string, v: unknown, ctx: NormalizeCtx, decisions: Decision[], out: MetaUserData): string | undefined {
  const def = FIELDS[key]!;
  const items = Array.isArray(v) ? v : [v];
  let hashes: string[] | undefined;
  let firstPlain: string | undefined;
  for (const item of items) {
    if (item === null || item === undefined) continue;
    const r = def.normalize(item, ctx);
    if ('dropped' in r) {
      decisions.push(r.dropped);
      continue;
    }
    if (!r.hashed && firstPlain === undefined) firstPlain = r.value;
    const h = r.hashed ? r.value : LOW_CARDINALITY.has(key) ? cachedHash(r.value) : sha256Hex(r.value);
    if (!hashes) hashes = [h];
    else if (!hashes.includes(h)) hashes.push(h);
  }
  if (hashes) out[key] = hashes;
  return firstPlain;
}
