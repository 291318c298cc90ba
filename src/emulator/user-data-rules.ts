/**
 * `user_data` and `custom_data` checks (meta-capi.md rules 20–30). Each check either returns a problem
 * (reject) or pushes a warning; `strict` decides what the E? rules do.
 */
import { isIP } from 'node:net';

/** One finding about an event: `reject` problems fail the whole request (rule 7). */
export interface Problem {
  path: string;
  detail: string;
  subcode?: number;
}

export interface CheckContext {
  strict: boolean;
  warnings: string[];
}

// Rule 21: PB appendix is 8 base64url chars, or a legacy 2-char language token.
const APPENDIX = String.raw`(?:\.(?:[A-Za-z0-9_-]{8}|AQ|Ag|Aw|BA|BQ|Bg))?`;
const HASHED = new RegExp(`^[a-f0-9]{64}${APPENDIX}$`);
const MD5 = /^[a-fA-F0-9]{32}$/;
const LOOKS_HASHED = /^[A-Fa-f0-9]{64}(?:\.|$)/;
const FBC = new RegExp(String.raw`^fb\.\d+\.\d+\.[^.]+${APPENDIX}$`); // rule 24
const FBP = new RegExp(String.raw`^fb\.\d+\.\d+\.\d+${APPENDIX}$`); // rule 24
const IP_APPENDIX = /\.(?:[A-Za-z0-9_-]{8}|AQ|Ag|Aw|BA|BQ|Bg)$/;

const HASHED_KEYS = new Set(['em', 'ph', 'fn', 'ln', 'db', 'ge', 'ct', 'st', 'zp', 'country']);
// Rule 25: clear-text ids that must be strings; fb_login_id / lead_id are integers.
const STRING_KEYS = new Set([
  'client_user_agent', 'subscription_id', 'anon_id', 'madid', 'page_id', 'page_scoped_user_id',
  'ctwa_clid', 'ig_account_id', 'ig_sid', 'whatsapp_business_account_id',
]);
const INTEGER_KEYS = new Set(['fb_login_id', 'lead_id']);
// SDK-N emits these (hashed) though M-CIP does not list them (§3); accepted without a format check.
const LOOSE_KEYS = new Set(['external_id', 'app_user_id', 'dobd', 'dobm', 'doby', 'f5first', 'f5last', 'fi']);
const SPECIAL_KEYS = new Set(['client_ip_address', 'fbc', 'fbp']);
// Rule 20 (v13 rule via M-BP): an event whose keys are a subset of one of these is invalid.
const THIN_COMBOS = [
  new Set(['ct', 'country', 'st', 'zp', 'ge', 'client_user_agent']),
  new Set(['db', 'client_user_agent']),
  new Set(['fn', 'ge']),
  new Set(['ln', 'ge']),
];

function isKnownUserKey(k: string): boolean {
  return HASHED_KEYS.has(k) || STRING_KEYS.has(k) || INTEGER_KEYS.has(k) || LOOSE_KEYS.has(k) || SPECIAL_KEYS.has(k);
}

function isPresent(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  return !(Array.isArray(v) && v.length === 0);
}

/** A problem in strict mode (E?), a warning otherwise. */
function soft(ctx: CheckContext, path: string, detail: string, subcode?: number): Problem | null {
  if (ctx.strict) return subcode === undefined ? { path, detail } : { path, detail, subcode };
  ctx.warnings.push(`${path}: ${detail}`);
  return null;
}

function checkHashed(ctx: CheckContext, path: string, value: unknown): Problem | null {
  const items = Array.isArray(value) ? value : [value];
  for (let j = 0; j < items.length; j++) {
    const item: unknown = items[j];
    const p = Array.isArray(value) ? `${path}[${j}]` : path;
    if (typeof item !== 'string') return soft(ctx, p, `Param ${p} must be a string or an array of strings`);
    if (HASHED.test(item)) continue;
    // Rule 21: 32-hex MD5 is passed through by SDKs; no rule → warn only (U).
    if (MD5.test(item)) { ctx.warnings.push(`${p}: looks like MD5, SHA-256 expected`); continue; }
    const r = soft(ctx, p, `Param ${p} must be a SHA-256 lowercase hex hash (customer information must be hashed)`);
    if (r) return r;
  }
  return null;
}

function checkIp(ctx: CheckContext, path: string, v: unknown): Problem | null {
  if (typeof v !== 'string') return soft(ctx, path, `Param ${path} must be a string`);
  // Rule 23: an IP "must never be hashed".
  if (LOOKS_HASHED.test(v)) return soft(ctx, path, `Param ${path} looks hashed; client_ip_address must never be hashed`);
  if (isIP(v) !== 0 || isIP(v.replace(IP_APPENDIX, '')) !== 0) return null;
  return soft(ctx, path, `Param ${path} must be a valid IPv4 or IPv6 address`);
}

function checkCookie(ctx: CheckContext, path: string, key: 'fbc' | 'fbp', v: unknown): Problem | null {
  if (typeof v !== 'string') return soft(ctx, path, `Param ${path} must be a string`);
  // Rule 24: a 64-hex fbc/fbp was hashed by mistake (E?); any other malformation is only W.
  if (LOOKS_HASHED.test(v)) return soft(ctx, path, `Param ${path} looks hashed; ${key} must not be hashed`);
  if (!(key === 'fbc' ? FBC : FBP).test(v)) ctx.warnings.push(`${path}: malformed ${key}`);
  return null;
}

/** Checks `user_data` of event `i` (rules 20–25). */
export function checkUserData(ctx: CheckContext, base: string, ud: unknown): Problem | null {
  const path = `${base}['user_data']`;
  if (ud === undefined) return soft(ctx, path, `The parameter ${path} is required`);
  if (typeof ud !== 'object' || ud === null || Array.isArray(ud)) {
    return soft(ctx, path, `Param ${path} must be an object`);
  }
  const present: string[] = [];
  for (const [k, v] of Object.entries(ud as Record<string, unknown>)) {
    if (!isPresent(v)) continue;
    const p = `${path}['${k}']`;
    if (!isKnownUserKey(k)) { ctx.warnings.push(`${p}: unknown user_data key`); continue; }
    present.push(k);
    let r: Problem | null = null;
    if (HASHED_KEYS.has(k)) r = checkHashed(ctx, p, v);
    else if (k === 'client_ip_address') r = checkIp(ctx, p, v);
    else if (k === 'fbc' || k === 'fbp') r = checkCookie(ctx, p, k, v);
    else if (STRING_KEYS.has(k) && typeof v !== 'string') r = soft(ctx, p, `Param ${p} must be a string`);
    else if (INTEGER_KEYS.has(k) && !(Number.isInteger(v) || (typeof v === 'string' && /^\d+$/.test(v)))) {
      r = soft(ctx, p, `Param ${p} must be an integer`);
    } else if (k === 'external_id' && !isStringOrStrings(v)) r = soft(ctx, p, `Param ${p} must be a string or an array of strings`);
    if (r) return r;
  }
  if (present.length === 0) {
    return soft(ctx, path, `You must provide at least one customer information parameter in ${path}`);
  }
  if (THIN_COMBOS.some((combo) => present.every((k) => combo.has(k)))) {
    // Subcode 2804050 is third-party reported (§3), message wording unverified.
    return soft(ctx, path, `The customer information in ${path} (${present.join(', ')}) is not sufficient to match the event`, 2804050);
  }
  return null;
}

function isStringOrStrings(v: unknown): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}

// Rule 27: ISO 4217; Node's ICU knows the codes; any case is accepted (lowercase observed, LIVE §D).
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const DELIVERY = new Set(['in_store', 'curbside', 'home_delivery']);
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** Checks `custom_data` of an event (rules 26–30); extra custom keys are accepted (rule 30). */
export function checkCustomData(ctx: CheckContext, base: string, eventName: unknown, cd: unknown): Problem | null {
  const path = `${base}['custom_data']`;
  if (cd !== undefined && (typeof cd !== 'object' || cd === null || Array.isArray(cd))) {
    return soft(ctx, path, `Param ${path} must be an object`);
  }
  const c = (cd ?? {}) as Record<string, unknown>;
  if (eventName === 'Purchase') {
    if (!isNum(c.value)) { const r = soft(ctx, `${path}['value']`, `Purchase events require a numeric ${path}['value']`); if (r) return r; }
    if (c.currency === undefined) { const r = soft(ctx, `${path}['currency']`, `Purchase events require ${path}['currency']`); if (r) return r; }
  }
  if (c.currency !== undefined && !(typeof c.currency === 'string' && CURRENCIES.has(c.currency.toUpperCase()))) {
    const r = soft(ctx, `${path}['currency']`, `Param ${path}['currency'] must be a valid ISO 4217 currency code`);
    if (r) return r;
  }
  for (const k of ['value', 'predicted_ltv', 'net_revenue'] as const) {
    if (c[k] !== undefined && !isNum(c[k])) { const r = soft(ctx, `${path}['${k}']`, `Param ${path}['${k}'] must be a number`); if (r) return r; }
  }
  if (c.num_items !== undefined && !Number.isInteger(c.num_items)) {
    const r = soft(ctx, `${path}['num_items']`, `Param ${path}['num_items'] must be an integer`); if (r) return r;
  }
  if (c.delivery_category !== undefined && !DELIVERY.has(c.delivery_category as string)) {
    const r = soft(ctx, `${path}['delivery_category']`, `Param ${path}['delivery_category'] must be one of in_store, curbside, home_delivery`); if (r) return r;
  }
  if (c.content_type !== undefined && c.content_type !== 'product' && c.content_type !== 'product_group') {
    ctx.warnings.push(`${path}['content_type']: expected product or product_group`); // rule 29: W
  }
  if (c.contents !== undefined) return checkContents(ctx, `${path}['contents']`, c.contents);
  return null;
}

function checkContents(ctx: CheckContext, path: string, contents: unknown): Problem | null {
  if (!Array.isArray(contents)) return soft(ctx, path, `Param ${path} must be an array`);
  for (let j = 0; j < contents.length; j++) {
    const item: unknown = contents[j];
    const p = `${path}[${j}]`;
    if (typeof item !== 'object' || item === null) { const r = soft(ctx, p, `Param ${p} must be an object`); if (r) return r; continue; }
    const it = item as Record<string, unknown>;
    // Rule 29 (M-PIX): "id and quantity are the required fields".
    if (it.id === undefined || it.id === '' || it.quantity === undefined) {
      const r = soft(ctx, p, `Param ${p} requires id and quantity`); if (r) return r;
    } else if (!isNum(it.quantity)) {
      const r = soft(ctx, `${p}['quantity']`, `Param ${p}['quantity'] must be a number`); if (r) return r;
    }
    if (it.delivery_category !== undefined && !DELIVERY.has(it.delivery_category as string)) {
      const r = soft(ctx, `${p}['delivery_category']`, `Param ${p}['delivery_category'] must be one of in_store, curbside, home_delivery`); if (r) return r;
    }
  }
  return null;
}
