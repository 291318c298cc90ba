/**
 * Policy-driven privacy: consent, opt-out and Limited Data Use (LDU) [M-SE data_processing_options].
 * Runs before hashing; every choice is recorded as a Decision.
 */
import type { Decision } from '../core/meta-event.js';
import { sha256Hex } from './hash.js';
import type { ParsedEvent } from './input.js';
import { FIELDS, toCountryCode } from './normalize/index.js';
import type { TenantPolicy } from './policy.js';

/** Meta's LDU state codes: 1000 California, 1001–1013 other states (via SEC, Data Processing Options page). */
export const LDU_STATE_CODES: Readonly<Record<string, number>> = {
  ca: 1000, co: 1001, ct: 1002, fl: 1003, or: 1004, tx: 1005, mt: 1006, de: 1007, ne: 1008, nh: 1009,
  nj: 1010, mn: 1011, md: 1012, ri: 1013,
};
// Pre-hashed states are recognised by their SHA-256 (hex part).
const STATE_BY_HASH = new Map(Object.keys(LDU_STATE_CODES).map((s) => [sha256Hex(s), s]));
const US_HASH = sha256Hex('us');

/** Outcome of the privacy step. */
export interface PrivacyOutcome {
  drop?: { code: string; message: string };
  /** Consent missing and the tenant chose to send without personal data. */
  stripUserData: boolean;
  dpo?: { options: string[]; country?: number; state?: number };
}

/** Applies consent, opt-out and LDU rules of the tenant policy to a parsed event named `eventName`. */
export function applyPrivacy(ev: ParsedEvent, eventName: string, policy: TenantPolicy): PrivacyOutcome {
  const d = ev.decisions;
  const out: PrivacyOutcome = { stripUserData: false };
  const cat = policy.consent.advertisingCategory;
  // Events without consent_categories are assumed consented by the integration that sent them, unless the
  // tenant says a missing record means no consent (whenMissing: denied, the GDPR reading).
  const missing = ev.consentCategories === undefined;
  if (cat && (missing ? policy.consent.whenMissing === 'denied' : !ev.consentCategories!.includes(cat))) {
    const why = missing ? 'no consent_categories on the event (whenMissing: denied)' : `consent category "${cat}" not granted`;
    if (policy.consent.withoutConsent === 'drop') {
      out.drop = { code: 'no_consent', message: why };
      return out;
    }
    out.stripUserData = true;
    d.push({ code: 'consent_stripped', message: `${why}: user_data removed` });
  }
  if (ev.optOut) {
    // opt_out=true: Meta "only use[s] the event for attribution" [M-SE]; only essential events go.
    if (!policy.essentialEvents.includes(eventName)) {
      out.drop = { code: 'opt_out', message: `user opted out and ${eventName} is not an essential event` };
      return out;
    }
    d.push({ code: 'opt_out_essential', message: `user opted out: ${eventName} sent with opt_out=true for attribution only` });
  }
  out.dpo = ldu(ev, policy, d);
  return out;
}

function ldu(ev: ParsedEvent, policy: TenantPolicy, d: Decision[]): PrivacyOutcome['dpo'] {
  const given = ev.dpo;
  if (policy.ldu === 'off') return given;
  if (policy.ldu === 'all') {
    d.push({ code: 'ldu', message: 'LDU for every event: Meta geolocates (country 0, state 0)' });
    return { options: ['LDU'], country: 0, state: 0 };
  }
  const states = policy.ldu === 'california' ? ['ca'] : policy.lduStates.map((s) => s.toLowerCase());
  const loc = userState(ev.user);
  if (loc.country && loc.country !== 'us') return given;
  if (loc.state === undefined) {
    // State unknown: let Meta geolocate the event and apply LDU where it applies [M-SE].
    d.push({ code: 'ldu_geolocate', message: 'state unknown: LDU with Meta geolocation (country 0, state 0)' });
    return { options: ['LDU'], country: 0, state: 0 };
  }
  const code = LDU_STATE_CODES[loc.state];
  if (states.includes(loc.state) && code !== undefined) {
    d.push({ code: 'ldu', message: `LDU for state ${loc.state.toUpperCase()} (country 1, state ${code})` });
    return { options: ['LDU'], country: 1, state: code };
  }
  return given;
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? (v as unknown[])[0] : v;
}

/** The user's US state code and country, from plain or pre-hashed values. */
function userState(user: Record<string, unknown>): { state?: string; country?: string } {
  const out: { state?: string; country?: string } = {};
  const st = first(user.st);
  if (st !== undefined && st !== null) {
    const r = FIELDS.st!.normalize(st, {});
    if ('value' in r) out.state = r.hashed ? STATE_BY_HASH.get(r.value.slice(0, 64)) : r.value;
  }
  const c = first(user.country);
  if (typeof c === 'string') {
    const t = c.trim().toLowerCase();
    out.country = t.startsWith(US_HASH) ? 'us' : (toCountryCode(t) ?? (t.length >= 32 ? undefined : t));
  }
  return out;
}
