import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELDS, type NormalizeCtx } from './index.js';
import { ALPHA2, COUNTRY_LOOKUP } from './countries.js';

const NOW = Date.UTC(2026, 10, 24);
const norm = (f: string, v: unknown, ctx: NormalizeCtx = { now: NOW }) => {
  const r = FIELDS[f]!.normalize(v, ctx);
  return 'dropped' in r ? null : r.value;
};

describe('field rules beyond the vectors', () => {
  it('phone: adds the country code of a known country, keeps +/00 codes', () => {
    expect(norm('ph', '(202) 555-0123', { country: 'us' })).toBe('12025550123');
    expect(norm('ph', '06 12 34 56 78', { defaultCountry: 'fr' })).toBe('33612345678');
    expect(norm('ph', '+44 20 7946 0958', { country: 'us' })).toBe('442079460958');
    expect(norm('ph', '0044 20 7946 0958', { country: 'fr' })).toBe('442079460958');
    expect(norm('ph', '12025550123', { country: 'us' })).toBe('12025550123');
    expect(norm('ph', 'abc')).toBeNull();
  });
  it('country: names, alpha-3, aliases; unknown dropped', () => {
    expect(norm('country', 'Germany')).toBe('de');
    expect(norm('country', 'DEU')).toBe('de');
    expect(norm('country', 'Côte d’Ivoire')).toBe('ci');
    expect(norm('country', 'UK')).toBe('gb');
    expect(norm('country', 'xx')).toBeNull();
    expect(norm('country', 'Bosnia & Herzegovina')).toBe('ba');
    expect(norm('country', 'São Tomé & Príncipe')).toBe('st');
    expect(norm('country', 'Türkiye')).toBe('tr');
    expect(norm('country', 'Turkey')).toBe('tr');
  });

  it('country: every ISO 3166-1 code has its English name in the table (not asked of the runtime ICU)', () => {
    const byName = [...COUNTRY_LOOKUP].filter(([key]) => key.length > 3).map(([, code]) => code);
    for (const code of ALPHA2) expect(byName, code).toContain(code);
    expect(ALPHA2.size).toBe(249);
  });
  it('state: names (accents stripped), provinces, AP abbreviations; others kept folded', () => {
    expect(norm('st', 'Québec')).toBe('qc');
    expect(norm('st', 'Calif.')).toBe('ca');
    expect(norm('st', 'Bayern')).toBe('bayern');
  });
  it('city keeps accented Latin and digits, drops non-Latin', () => {
    expect(norm('ct', 'Zürich')).toBe('zürich');
    expect(norm('ct', '東京')).toBeNull();
  });
  it('zip: US ZIP+4 cut, spaces and dashes removed', () => {
    expect(norm('zp', '94105 1234')).toBe('94105');
    expect(norm('zp', 'SW1A 1AA')).toBe('sw1a1aa');
    expect(norm('zp', '00-950')).toBe('00950');
  });
  it('db: years 1900..current year, impossible dates dropped', () => {
    expect(norm('db', '1899-01-01')).toBeNull();
    expect(norm('db', '2030-01-01')).toBeNull();
    expect(norm('db', '1999-02-29')).toBeNull();
    expect(norm('db', '2000-02-29')).toBe('20000229');
    expect(norm('db', '16.02.1997')).toBe('19970216');
  });
  it('gender words', () => {
    for (const w of ['Mrs.', 'she', 'GIRL', 'miss']) expect(norm('ge', w)).toBe('f');
    for (const w of ['Mr.', 'him', 'boy', 'Sir']) expect(norm('ge', w)).toBe('m');
  });
  it('non-scalar input is dropped, not thrown', () => {
    expect(norm('em', { a: 1 })).toBeNull();
    expect(norm('fn', null)).toBeNull();
  });
});

const anyInput = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.object(),
  fc.stringMatching(/^[0-9 +()./-]{0,20}$/),
  fc.stringMatching(/^[A-Za-zÀ-ÿ .'-]{0,20}$/),
);
const ctxs: NormalizeCtx[] = [{ now: NOW }, { now: NOW, country: 'us' }, { now: NOW, defaultCountry: 'fr' }];

describe('properties', () => {
  for (const field of Object.keys(FIELDS)) {
    it(`${field}: never throws and is idempotent`, () => {
      fc.assert(
        fc.property(anyInput, fc.constantFrom(...ctxs), (v, ctx) => {
          const once = norm(field, v, ctx);
          if (once !== null) expect(norm(field, once, ctx)).toBe(once);
        }),
        { numRuns: 400 },
      );
    });
  }
});
