/** fn, ln, ge, db normalizers (Meta Customer Information Parameters [M-CIP]). */
import { defineField, drop, isAscii, type NormalizeResult } from './types.js';

// Whitespace (incl. NBSP) and the ASCII punctuation set, as Meta's Parameter Builder strips them;
// non-ASCII letters and symbols (e.g. "–") are kept [PB piiUtil; vectors "Mary–Jane"].
const NAME_STRIP_RE = /[\s!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+/gu;

function nameRule(field: string) {
  // "Lowercase only with no punctuation. If using special characters, the text must be encoded in UTF-8" [M-CIP].
  return defineField(field, (s): NormalizeResult => {
    const v = (isAscii(s) ? s : s.normalize('NFC')).toLowerCase().replace(NAME_STRIP_RE, '');
    return v === '' ? drop(field, 'empty_value', `${field}: nothing left after normalization`) : { value: v };
  });
}

/** fn: first name, lowercase, no whitespace or ASCII punctuation, UTF-8 letters kept. */
export const fn = nameRule('fn');
/** ln: last name, same rule as fn. */
export const ln = nameRule('ln');

const GENDER = new Map<string, string>();
for (const w of ['f', 'female', 'woman', 'women', 'girl', 'mrs', 'ms', 'miss', 'she', 'her', 'lady', 'madam']) GENDER.set(w, 'f');
for (const w of ['m', 'male', 'man', 'men', 'boy', 'mr', 'he', 'him', 'sir', 'gentleman']) GENDER.set(w, 'm');
const LETTERS_RE = /[^a-z]+/g;

/** ge: "gender in the form of an initial in lowercase" (f/m) [M-CIP]; words mapped, others dropped. */
export const ge = defineField('ge', (s) => {
  const v = GENDER.get(s.toLowerCase().replace(LETTERS_RE, ''));
  return v ? { value: v } : drop('ge', 'invalid_gender', 'ge: not a recognised gender (f/m)');
});

const DIGIT_GROUPS_RE = /\d+/g;
const EIGHT_DIGITS_RE = /^\d{8}$/;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]|$)/;

/**
 * db: YYYYMMDD, "Year: YYYY from 1900 to current year. Month: MM 01 to 12. Date: DD 01 to 31" [M-CIP].
 * Accepts 8 digits (YYYYMMDD), ISO dates/datetimes, and 3 numeric groups: year first (Y-M-D), else
 * M-D-Y (US, as Meta's example `2/16/1997`) unless the first group is > 12 (then D-M-Y).
 */
export const db = defineField('db', (s, ctx) => {
  const bad = drop('db', 'invalid_date', 'db: not a valid birth date (YYYYMMDD, 1900..current year)');
  let y: number, m: number, d: number;
  const iso = ISO_DATE_RE.exec(s);
  if (iso) {
    y = +iso[1]!; m = +iso[2]!; d = +iso[3]!;
  } else {
    const groups = s.match(DIGIT_GROUPS_RE);
    if (!groups) return bad;
    const first = groups[0]!;
    if (groups.length === 1 || EIGHT_DIGITS_RE.test(first) && (groups.length < 3)) {
      if (!EIGHT_DIGITS_RE.test(first)) return bad;
      y = +first.slice(0, 4); m = +first.slice(4, 6); d = +first.slice(6, 8);
    } else if (groups.length < 3) {
      return bad;
    } else {
      const a = groups[0]!, b = groups[1]!, c = groups[2]!;
      if (a.length === 4) { y = +a; m = +b; d = +c; }
      else if (c.length === 4) {
        y = +c;
        if (+a > 12) { d = +a; m = +b; } else { m = +a; d = +b; }
      } else return bad;
    }
  }
  const maxYear = new Date(ctx.now ?? Date.now()).getUTCFullYear();
  if (y < 1900 || y > maxYear || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return bad;
  return { value: `${y}${pad2(m)}${pad2(d)}` };
});

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function daysIn(y: number, m: number): number {
  return m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}
