/**
 * Final checks on a built event against Meta's required fields and the tenant's send conditions.
 * A failure means the event is dropped (stored, never delivered) with a stable code.
 */
import { ACTION_SOURCES, type Decision, type MetaServerEvent } from '../core/meta-event.js';
import type { TenantPolicy } from './policy.js';

// ISO 4217 active currency codes: "Currency must be a valid ISO 4217 three-digit currency code" [M-STD].
const CURRENCIES = new Set(
  ('AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
    'GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW ' +
    'KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN ' +
    'NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL ' +
    'SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES ' +
    'VND VUV WST XAF XAG XAU XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL').split(' '),
);
const HTTP_URL_RE = /^https?:\/\/[^\s/]+/i;
const DAY = 86_400;
/** Largest accepted clock skew into the future (Meta documents no rule; unverified [meta-capi.md §2]). */
export const MAX_FUTURE_SECONDS = 300;

/** A gate failure. */
export interface GateFailure {
  code: string;
  /** Names the field and the rule, never the value: stored with the event (src/core/input-messages.ts). */
  message: string;
}

/** True when `code` is an ISO 4217 currency code (any case; Meta's SDK upper-cases it [SDK-N]). */
export function isCurrency(code: string): boolean {
  return code.length === 3 && CURRENCIES.has(code.toUpperCase());
}

/** Checks Meta's required fields, the event-time window and the tenant's send conditions; null when the event may be sent. */
export function checkGates(
  ev: MetaServerEvent,
  policy: TenantPolicy,
  nowMs: number,
  opts: { skipSendConditions?: boolean } = {},
  /** Receives the gate's warnings (recorded on the event as decisions). */
  warnings?: Decision[],
): GateFailure | null {
  if (!(ACTION_SOURCES as readonly string[]).includes(ev.action_source)) {
    return { code: 'invalid_action_source', message: 'action_source is not one Meta accepts' };
  }
  // 7 days (whole request rejected otherwise) [M-SE]; physical_store 62 days [M-API, M-OFF].
  const now = Math.floor(nowMs / 1000);
  const maxAge = (ev.action_source === 'physical_store' ? 62 : 7) * DAY;
  if (now - ev.event_time > maxAge) {
    return { code: 'event_time_too_old', message: `event_time is more than ${maxAge / DAY} days old` };
  }
  if (ev.event_time - now > MAX_FUTURE_SECONDS) {
    return { code: 'event_time_in_future', message: `event_time is more than ${MAX_FUTURE_SECONDS}s in the future` };
  }
  if (ev.event_name === 'Purchase') {
    // "Required: currency and value" [M-PIX, M-STD, M-OFF].
    const cd = ev.custom_data ?? {};
    if (typeof cd.value !== 'number' || !Number.isFinite(cd.value)) {
      return { code: 'missing_value', message: 'Purchase needs a numeric custom_data.value' };
    }
    if (typeof cd.currency !== 'string' || !isCurrency(cd.currency)) {
      return { code: 'invalid_currency', message: 'Purchase needs an ISO 4217 custom_data.currency' };
    }
  }
  if (ev.action_source === 'website') {
    // Website events "require the client_user_agent, action_source, and event_source_url" [M-PAR], yet Meta is
    // observed to accept them without (LIVE §B3): order webhooks rarely carry a browser's user agent, and dropping
    // a paid order loses the very conversion the relay exists to save. So by default a missing value is
    // recorded as a warning and the event is sent; `strictWebsiteFields` turns the warnings into drops.
    const missing: GateFailure[] = [];
    if (!ev.event_source_url) missing.push({ code: 'missing_event_source_url', message: 'website events need event_source_url' });
    else if (!HTTP_URL_RE.test(ev.event_source_url)) {
      missing.push({ code: 'invalid_event_source_url', message: 'event_source_url must begin with http:// or https://' });
    }
    if (!ev.user_data.client_user_agent) {
      missing.push({ code: 'missing_client_user_agent', message: 'website events need user_data.client_user_agent' });
    }
    const first = missing[0];
    if (first && policy.strictWebsiteFields) return first;
    for (const m of missing) warnings?.push({ code: m.code, message: `${m.message} (sent anyway; strictWebsiteFields drops it)` });
  }
  if (!opts.skipSendConditions) return checkSendConditions(ev, policy);
  return null;
}

// v13.0: an event is invalid if its customer information is only one of these combinations or a subset [M-BP via SEC].
const THIN_COMBOS: readonly ReadonlySet<string>[] = [
  new Set(['ct', 'country', 'st', 'zp', 'ge', 'client_user_agent']),
  new Set(['db', 'client_user_agent']),
  new Set(['fn', 'ge']),
  new Set(['ln', 'ge']),
];

function checkSendConditions(ev: MetaServerEvent, policy: TenantPolicy): GateFailure | null {
  const { requireOneOf, minOtherIdentifiers } = policy.sendConditions;
  const present = Object.keys(ev.user_data);
  if (present.length === 0) return { code: 'send_condition', message: 'user_data is empty' };
  if (THIN_COMBOS.some((combo) => present.every((k) => combo.has(k)))) {
    return { code: 'thin_user_data', message: `user_data (${present.join(', ')}) is a combination Meta treats as invalid` };
  }
  if (requireOneOf.length > 0 && !requireOneOf.some((k) => ev.user_data[k] !== undefined)) {
    return { code: 'send_condition', message: `user_data needs one of: ${requireOneOf.join(', ')}` };
  }
  // "Other" identifiers: present user_data keys besides the one that satisfied requireOneOf.
  const others = present.length - (requireOneOf.length > 0 ? 1 : 0);
  if (others < minOtherIdentifiers) {
    return { code: 'send_condition', message: `user_data needs at least ${minOtherIdentifiers} other identifiers` };
  }
  return null;
}
