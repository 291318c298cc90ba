/** ct, st, zp, country normalizers (Meta Customer Information Parameters [M-CIP]). */
import { ALPHA2, COUNTRY_LOOKUP, foldKey } from './countries.js';
import { STATE_LOOKUP } from './states.js';
import { defineField, drop, isAscii } from './types.js';

// Keep Latin letters (incl. accented Latin, which Meta allows as UTF-8 [M-CIP]) and digits.
const CITY_STRIP_RE = /[^\p{Script=Latin}0-9]+/gu;
const LATIN_LETTER_RE = /\p{Script=Latin}/u;

/**
 * ct: "Lowercase only with no punctuation, no special characters, and no spaces. If using special
 * characters, … UTF-8" [M-CIP]. A value with no Latin letter left (e.g. "Москва") is dropped.
 */
export const ct = defineField('ct', (s) => {
  const v = isAscii(s)
    ? s.toLowerCase().replace(ASCII_CITY_STRIP_RE, '')
    : s.normalize('NFC').toLowerCase().replace(CITY_STRIP_RE, '');
  return LATIN_LETTER_RE.test(v) ? { value: v } : drop('ct', 'invalid_city', 'ct: no Latin letters');
});
const ASCII_CITY_STRIP_RE = /[^a-z0-9]+/g;

const AZ_RE = /^[a-z]+$/;

/**
 * st: "2-character ANSI abbreviation code in lowercase. Normalize states outside the U.S. in lowercase
 * with no punctuation, no special characters, and no spaces" [M-CIP]. US/CA names and AP abbreviations
 * are mapped to codes; other values are kept folded (not truncated, unlike Meta's Parameter Builder).
 */
export const st = defineField('st', (s) => {
  const k = foldKey(s);
  if (k === '') return drop('st', 'invalid_state', 'st: no letters');
  return { value: STATE_LOOKUP.get(k) ?? k };
});

const ZIP9_RE = /^\d{9}$/;
const ZIP_STRIP_RE = /[\s-]+/g;

/**
 * zp: "lowercase with no spaces and no dash. Use only the first 5 digits for U.S. zip codes" [M-CIP].
 * Values shorter than 2 characters are dropped (as Meta's Parameter Builder does).
 */
export const zp = defineField('zp', (s, ctx) => {
  let v = s.toLowerCase().replace(ZIP_STRIP_RE, '');
  // 9 digits = US ZIP+4 (with or without its dash) unless the address is known to be outside the US.
  const c = ctx.country ?? ctx.defaultCountry;
  if ((c === undefined || c === 'us') && ZIP9_RE.test(v)) v = v.slice(0, 5);
  return v.length < 2 ? drop('zp', 'invalid_zip', 'zp: shorter than 2 characters') : { value: v };
});

/**
 * country: "lowercase, 2-letter country codes in ISO 3166-1 alpha-2" [M-CIP]. Alpha-3 codes and
 * English names are mapped; anything else (e.g. "New South Wales") is dropped, since it can never match.
 */
export const country = defineField('country', (s) => {
  const v = toCountryCode(s);
  return v ? { value: v } : drop('country', 'invalid_country', 'country: not an ISO 3166-1 country');
});

/** Maps a country code or English name to a lowercase ISO alpha-2 code, or null. */
export function toCountryCode(s: string): string | null {
  const k = foldKey(s);
  if (k.length === 2 && AZ_RE.test(k)) return ALPHA2.has(k) ? k : k === 'uk' ? 'gb' : null;
  return COUNTRY_LOOKUP.get(k) ?? null;
}
