import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hash.js';
import { FIELDS } from './normalize/index.js';

interface Vector {
  field: string;
  input: unknown;
  normalized: string | null;
  sha256: string | null;
  disputed?: string;
  disagrees_with_spec?: string;
  note?: string;
}

// A missing vectors file throws here, failing the run: the known answers are never silently skipped.
const vectors = JSON.parse(readFileSync(new URL('../../test/fixtures/normalization-vectors.json', import.meta.url), 'utf8')) as Vector[];
const NOW = Date.UTC(2026, 10, 24);

/** Our answer for disputed vectors: `${field}|${input}` → normalized (null = dropped), with the reason. */
const CHOSEN: Record<string, { value: string | null; why: string }> = {
  'ct|Montréal': { value: 'montréal', why: "Meta's docs allow UTF-8 special characters; Valéry keeps its accent in Meta's own example" },
  'ct|Los Angeles 90210': { value: 'losangeles90210', why: "keep Meta's Parameter Builder output (digits kept) so hashes match Meta's SDK" },
  'st|Tex.': { value: 'tx', why: 'AP-style state abbreviations are mapped to ANSI codes, truncation to "te" can never match' },
  'country|USA': { value: 'us', why: 'alpha-3 codes are mapped to ISO alpha-2, as param-builder and Segment do' },
  'country|New South Wales': { value: null, why: 'not a country: Meta requires ISO alpha-2, a cleaned name can never match' },
  'ph|9000000000': { value: '9000000000', why: 'digits-only rule; no country known so none is added' },
};

function run(v: Vector): string | null {
  const def = FIELDS[v.field];
  if (!def) throw new Error(`no field ${v.field}`);
  const r = def.normalize(v.input, { now: NOW });
  return 'dropped' in r ? null : r.value;
}

describe('normalization vectors (test/fixtures/normalization-vectors.json)', () => {
  it('has vectors to run', () => expect(vectors.length).toBeGreaterThan(50));
  for (const v of vectors) {
    const name = `${v.field} ${JSON.stringify(v.input)}`;
    if (v.disagrees_with_spec) {
      it(`does not reproduce non-conformant ${name} → ${JSON.stringify(v.normalized)}`, () => {
        expect(run(v)).not.toBe(v.normalized);
      });
    } else if (v.disputed) {
      const chosen = CHOSEN[`${v.field}|${String(v.input)}`];
      it(`disputed ${name}: our choice is listed`, () => {
        expect(chosen, `add ${name} to CHOSEN`).toBeDefined();
        expect(run(v)).toBe(chosen!.value);
      });
    } else {
      it(`${name} → ${JSON.stringify(v.normalized)}`, () => {
        const got = run(v);
        expect(got).toBe(v.normalized);
        if (v.normalized !== null && v.sha256 !== null) {
          const r = FIELDS[v.field]!.normalize(v.input, { now: NOW });
          const hashed = 'value' in r && r.hashed ? r.value : sha256Hex(got!);
          expect(hashed).toBe(v.sha256);
        }
      });
    }
  }
  it('the Rudder name-split vector is not reproduced as "Rudder"', () => {
    expect(run({ field: 'fn', input: 'Rudder', normalized: null, sha256: null })).toBe('rudder');
  });
});
