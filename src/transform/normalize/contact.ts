/** Email, phone and external_id normalizers (Meta Customer Information Parameters [M-CIP]). */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { defineField, drop } from './types.js';

// Parameter Builder-compatible email check: no whitespace, no "..", no dot at the ends of the local part,
// a domain with at least one dot [PB emailUtil; vectors: "test..test@", "test @", "test@example" dropped].
const EMAIL_RE = /^(?!\.)(?!.*\.\.)[^\s@]+(?<!\.)@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** em: "Trim any leading and trailing spaces. Convert all characters to lowercase." [M-CIP]; invalid → dropped. */
export const em = defineField('em', (s) => {
  const v = s.toLowerCase();
  return EMAIL_RE.test(v) ? { value: v } : drop('em', 'invalid_email', 'em: not a valid e-mail address');
});

const NON_DIGIT_RE = /\D+/g;
const LEADING_ZEROS_RE = /^0+/;
const INTL_PREFIX_RE = /^[^0-9+]*(?:\+|00)/;

/**
 * ph: "Remove symbols, letters, and any leading zeros. Phone numbers must include a country code" [M-CIP].
 * Beyond Meta's libraries: when a country is known and the number has no `+`/`00` prefix, it is
 * parsed as a national number of that country and the E.164 digits are sent (so the code is present).
 */
export const ph = defineField('ph', (s, ctx) => {
  const digits = s.replace(NON_DIGIT_RE, '').replace(LEADING_ZEROS_RE, '');
  if (digits === '') return drop('ph', 'invalid_phone', 'ph: no digits');
  const country = ctx.country ?? ctx.defaultCountry;
  if (country && country.length === 2 && !INTL_PREFIX_RE.test(s)) {
    const e164 = toE164(s, digits, country.toUpperCase() as CountryCode);
    if (e164) return { value: e164 };
  }
  return { value: digits };
});

const NANP = new Set(['US', 'CA', 'PR', 'VI', 'GU', 'AS', 'MP']);
const NANP_NATIONAL_RE = /^[2-9]\d{9}$/;
const NANP_FULL_RE = /^1[2-9]\d{9}$/;

function toE164(raw: string, digits: string, country: CountryCode): string | null {
  // North America fast path (most traffic; libphonenumber costs ~10-40 µs per number): 10 digits → "1" + digits.
  if (NANP.has(country)) {
    if (NANP_NATIONAL_RE.test(digits)) return '1' + digits;
    return NANP_FULL_RE.test(digits) ? digits : null;
  }
  try {
    // Also recognises digits that already start with the country's calling code (our own output).
    const p = parsePhoneNumberFromString(raw, country);
    if (p?.isValid()) return p.number.slice(1);
  } catch {
    // unknown country code etc.: keep the digits as Meta's libraries do
  }
  return null;
}

const WS_RE = /\s+/g;

/** external_id: trimmed, whitespace removed, lower-cased, then hashed (as Meta's SDK v26 does). */
export const external_id = defineField('external_id', (s) => ({ value: s.replace(WS_RE, '').toLowerCase() }));
