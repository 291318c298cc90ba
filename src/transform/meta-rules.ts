/**
 * Meta's rules for one server event, checked on the event exactly as it will be sent. The transform runs
 * this last, so whatever the relay answers `accepted` is an event Meta takes: an event that breaks a rule is
 * answered `rejected` (with the field and a code) instead of being queued and failing at Meta later.
 *
 * The rules are those of docs/meta-capi.md ("Rules a strict fake Graph API should enforce", the strict
 * reading: every E? rule enforced), the same the emulator enforces in src/emulator/rules.ts and
 * user-data-rules.ts. Transform may not import the emulator; test/integration/meta-rules.property.test.ts
 * is what proves the two agree (any event the relay accepts, the strict emulator accepts). Pure: no I/O.
 */
import { isIP } from 'node:net';
import { PLAUSIBLE_KEY, unknownKeyMessage } from '../core/input-messages.js';
import { ACTION_SOURCES, type MetaServerEvent } from '../core/meta-event.js';

/** A broken rule: a stable code, the offending field (dotted path) and a message naming the rule, never the value. */
export interface MetaRuleProblem {
  code: string;
  field: string;
  message: string;
}

// ISO 4217 currency codes Meta takes: "a valid ISO 4217 three-digit currency code" [M-STD]. Fund codes
// (BOV, CHE, USN …), precious metals (XAU …) and units of account are not money an order is paid in and
// the strict emulator refuses them, so they are not listed.
const CURRENCIES = new Set(
  ('AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
    'GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW ' +
    'KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN ' +
    'NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL ' +
    'SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES ' +
    'VND VUV WST XAF XCD XCG XDR XOF XPF XSU YER ZAR ZMW ZWG ZWL').split(' '),
);

/** Every currency code the relay accepts (upper case); exported for the test that checks them against the emulator. */
export const ACCEPTED_CURRENCIES: ReadonlySet<string> = CURRENCIES;

/** True when `code` is an accepted ISO 4217 currency code (any case; Meta's SDK upper-cases it [SDK-N]). */
export function isCurrency(code: string): boolean {
  return code.length === 3 && CURRENCIES.has(code.toUpperCase());
}

const EVENT_KEYS = new Set([
  'event_name', 'event_time', 'user_data', 'custom_data', 'event_source_url', 'opt_out', 'event_id',
  'action_source', 'data_processing_options', 'data_processing_options_country', 'data_processing_options_state',
  'app_data', 'referrer_url', 'original_event_data', 'customer_segmentation', 'messaging_channel',
  'messaging_outcome_data', 'attribution_data', 'advanced_measurement_table',
]);
const DAY = 86_400;
/** Largest accepted clock skew into the future (Meta documents no rule; unverified [meta-capi.md §2]). */
export const MAX_FUTURE_SECONDS = 300;
/**
 * An event accepted a moment before it leaves Meta's window would be too old by the time it is sent (the
 * delivery engine drops what is within a minute of the edge): `accepted` promises at least this long to
 * deliver it, so an event closer than this to the edge is answered `event_time_too_old` at once.
 */
export const DELIVERY_MARGIN_SECONDS = 3600;

// user_data (rules 20–25): SHA-256 lowercase hex (MD5 passes with a warning at Meta), optional Parameter Builder appendix.
const APPENDIX = String.raw`(?:\.(?:[A-Za-z0-9_-]{8}|AQ|Ag|Aw|BA|BQ|Bg))?`;
const HASHED = new RegExp(`^(?:[a-f0-9]{64}${APPENDIX}|[a-fA-F0-9]{32})$`);
/** What Meta refuses as a hashed-by-mistake IP, fbc or fbp (rules 23, 24). */
export const LOOKS_HASHED = /^[A-Fa-f0-9]{64}(?:\.|$)/;
const IP_APPENDIX = /\.(?:[A-Za-z0-9_-]{8}|AQ|Ag|Aw|BA|BQ|Bg)$/;
const HASHED_KEYS = new Set(['em', 'ph', 'fn', 'ln', 'db', 'ge', 'ct', 'st', 'zp', 'country']);
/** Clear-text ids Meta wants as strings (rule 25). */
export const STRING_USER_KEYS: ReadonlySet<string> = new Set([
  'client_user_agent', 'subscription_id', 'anon_id', 'madid', 'page_id', 'page_scoped_user_id',
  'ctwa_clid', 'ig_account_id', 'ig_sid', 'whatsapp_business_account_id',
]);
/** Ids Meta wants as integers (or digit strings) (rule 25). */
export const INTEGER_USER_KEYS: ReadonlySet<string> = new Set(['fb_login_id', 'lead_id']);
const DIGITS = /^\d+$/;
// Rule 20 (v13 rule via M-BP): customer information that is only a subset of one of these does not match.
const THIN_COMBOS: readonly ReadonlySet<string>[] = [
  new Set(['ct', 'country', 'st', 'zp', 'ge', 'client_user_agent']),
  new Set(['db', 'client_user_agent']),
  new Set(['fn', 'ge']),
  new Set(['ln', 'ge']),
];
const DELIVERY = new Set(['in_store', 'curbside', 'home_delivery']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const problem = (code: string, field: string, message: string): MetaRuleProblem => ({ code, field, message });

/** The user_data keys Meta counts as customer information (present: not null, '' or []). */
export function presentUserKeys(ud: Record<string, unknown>): string[] {
  return Object.keys(ud).filter((k) => {
    const v = ud[k];
    return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
  });
}

/** True when the customer information is only a combination Meta treats as insufficient (rule 20). */
export function isThinUserData(present: readonly string[]): boolean {
  return THIN_COMBOS.some((combo) => present.every((k) => combo.has(k)));
}

/**
 * Checks one server event against Meta's rules at `nowMs`; null when Meta takes it. `userData: false`
 * leaves user_data out (the transform checks the event's own fields before consent decides on user_data).
 */
export function checkMetaEvent(ev: MetaServerEvent, nowMs: number, opts: { userData?: boolean } = {}): MetaRuleProblem | null {
  for (const k of Object.keys(ev)) {
    if (!EVENT_KEYS.has(k)) return problem('unknown_key', PLAUSIBLE_KEY.test(k) ? k : 'event', unknownKeyMessage('event', k));
  }
  if (typeof ev.event_name !== 'string' || ev.event_name.trim() === '') return problem('missing_field', 'event_name', 'event_name is required');
  if (!(ACTION_SOURCES as readonly string[]).includes(ev.action_source)) {
    return problem('invalid_action_source', 'action_source', `action_source must be one of ${ACTION_SOURCES.join(', ')}`);
  }
  return checkEventTime(ev, nowMs) ?? checkUrls(ev) ?? checkLdu(ev) ?? checkCustomData(ev.event_name, ev.custom_data)
    ?? (opts.userData === false ? null : checkUserData(ev.user_data));
}

function checkEventTime(ev: MetaServerEvent, nowMs: number): MetaRuleProblem | null {
  if (!Number.isInteger(ev.event_time)) return problem('invalid_event_time', 'event_time', 'event_time must be whole Unix seconds');
  // 7 days (whole request rejected otherwise) [M-SE]; physical_store 62 days [M-API, M-OFF].
  const now = Math.floor(nowMs / 1000);
  const maxAge = (ev.action_source === 'physical_store' ? 62 : 7) * DAY;
  if (now - ev.event_time > maxAge - DELIVERY_MARGIN_SECONDS) {
    return problem('event_time_too_old', 'event_time', `event_time is more than ${maxAge / DAY} days old (less an hour to deliver it): Meta rejects it`);
  }
  if (ev.event_time - now > MAX_FUTURE_SECONDS) {
    return problem('event_time_in_future', 'event_time', `event_time is more than ${MAX_FUTURE_SECONDS}s in the future`);
  }
  return null;
}

function checkUrls(ev: MetaServerEvent): MetaRuleProblem | null {
  for (const k of ['event_source_url', 'referrer_url'] as const) {
    if (ev[k] !== undefined && typeof ev[k] !== 'string') return problem('invalid_type', k, `${k} must be a string`);
  }
  if (ev.opt_out !== undefined && typeof ev.opt_out !== 'boolean') return problem('invalid_type', 'opt_out', 'opt_out must be a boolean');
  return null;
}

/** Rule 17: options ⊆ {"LDU"}; with LDU a country 0 or 1; state 0 or 1000–1013. */
function checkLdu(ev: MetaServerEvent): MetaRuleProblem | null {
  const dpo: unknown = ev.data_processing_options;
  const country: unknown = ev.data_processing_options_country;
  const state: unknown = ev.data_processing_options_state;
  if (dpo !== undefined && (!Array.isArray(dpo) || dpo.some((x) => x !== 'LDU'))) {
    return problem('invalid_data_processing_options', 'data_processing_options', 'data_processing_options may only hold "LDU"');
  }
  if (Array.isArray(dpo) && dpo.includes('LDU') && country === undefined) {
    return problem('invalid_data_processing_options', 'data_processing_options_country', 'data_processing_options_country is required with LDU (0: Meta geolocates, 1: USA)');
  }
  if (country !== undefined && country !== 0 && country !== 1) {
    return problem('invalid_data_processing_options', 'data_processing_options_country', 'data_processing_options_country must be 0 or 1');
  }
  if (state !== undefined && !(state === 0 || (Number.isInteger(state) && (state as number) >= 1000 && (state as number) <= 1013))) {
    return problem('invalid_data_processing_options', 'data_processing_options_state', 'data_processing_options_state must be 0 or 1000–1013');
  }
  return null;
}

/** Rules 20–25 on `user_data` as sent (hashed contact fields, clear ids). */
export function checkUserData(ud: unknown): MetaRuleProblem | null {
  if (!isObj(ud)) return problem('invalid_user_data', 'user_data', 'user_data must be an object');
  const present = presentUserKeys(ud);
  for (const k of present) {
    const v = ud[k];
    const field = `user_data.${k}`;
    if (HASHED_KEYS.has(k)) {
      const items: unknown[] = Array.isArray(v) ? v : [v];
      if (!items.every((x) => typeof x === 'string' && HASHED.test(x))) return problem('invalid_user_data', field, `${field} must be SHA-256 hashed`);
    } else if (k === 'client_ip_address') {
      if (typeof v !== 'string' || LOOKS_HASHED.test(v) || (isIP(v) === 0 && isIP(v.replace(IP_APPENDIX, '')) === 0)) {
        return problem('invalid_user_data', field, `${field} must be an IPv4 or IPv6 address, never hashed`);
      }
    } else if (k === 'fbc' || k === 'fbp') {
      if (typeof v !== 'string' || LOOKS_HASHED.test(v)) return problem('invalid_user_data', field, `${field} must be the cookie value as set, not hashed`);
    } else if (STRING_USER_KEYS.has(k)) {
      if (typeof v !== 'string') return problem('invalid_user_data', field, `${field} must be a string`);
    } else if (INTEGER_USER_KEYS.has(k)) {
      if (!(Number.isInteger(v) || (typeof v === 'string' && DIGITS.test(v)))) return problem('invalid_user_data', field, `${field} must be an integer`);
    } else if (k === 'external_id') {
      if (!(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) {
        return problem('invalid_user_data', field, `${field} must be a string or an array of strings`);
      }
    }
  }
  if (present.length === 0) return problem('send_condition', 'user_data', 'user_data holds no customer information: Meta rejects the event');
  if (isThinUserData(present)) {
    return problem('thin_user_data', 'user_data', `user_data (${present.join(', ')}) is a combination Meta treats as invalid`);
  }
  return null;
}

/** Rules 26–30 on `custom_data`; other custom keys are free (rule 30). */
export function checkCustomData(eventName: string, cd: unknown): MetaRuleProblem | null {
  if (cd !== undefined && !isObj(cd)) return problem('invalid_custom_data', 'custom_data', 'custom_data must be an object');
  const c = cd ?? {};
  if (eventName === 'Purchase') {
    // "Required: currency and value" [M-PIX, M-STD, M-OFF].
    if (!isNum(c.value)) return problem('missing_value', 'custom_data.value', 'Purchase needs a numeric value');
    if (c.currency === undefined) return problem('invalid_currency', 'custom_data.currency', 'Purchase needs an ISO 4217 currency');
  }
  if (c.currency !== undefined && !(typeof c.currency === 'string' && isCurrency(c.currency))) {
    return problem('invalid_currency', 'custom_data.currency', 'currency must be an ISO 4217 code');
  }
  for (const k of ['value', 'predicted_ltv', 'net_revenue'] as const) {
    if (c[k] !== undefined && !isNum(c[k])) return problem('invalid_value', `custom_data.${k}`, `${k} must be a finite number`);
  }
  if (c.num_items !== undefined && !Number.isInteger(c.num_items)) return problem('invalid_custom_data', 'custom_data.num_items', 'num_items must be an integer');
  if (c.delivery_category !== undefined && !DELIVERY.has(c.delivery_category as string)) {
    return problem('invalid_custom_data', 'custom_data.delivery_category', 'delivery_category must be in_store, curbside or home_delivery');
  }
  if (c.contents !== undefined) return checkContents(c.contents);
  return null;
}

function checkContents(contents: unknown): MetaRuleProblem | null {
  if (!Array.isArray(contents)) return problem('invalid_contents', 'custom_data.contents', 'contents must be an array');
  for (let j = 0; j < contents.length; j++) {
    const it: unknown = contents[j];
    const field = `custom_data.contents[${j}]`;
    // Rule 29 (M-PIX): "id and quantity are the required fields".
    if (!isObj(it)) return problem('invalid_contents', field, `${field} must be an object`);
    const id = it.id;
    if (!((typeof id === 'string' && id !== '') || isNum(id))) return problem('invalid_contents', `${field}.id`, `${field} needs an id (string)`);
    if (!isNum(it.quantity)) return problem('invalid_contents', `${field}.quantity`, `${field} needs a numeric quantity`);
    if (it.delivery_category !== undefined && !DELIVERY.has(it.delivery_category as string)) {
      return problem('invalid_contents', `${field}.delivery_category`, 'delivery_category must be in_store, curbside or home_delivery');
    }
  }
  return null;
}
