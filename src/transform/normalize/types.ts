/** Shared types and helpers of the per-field normalizers. */
import type { Decision } from '../../core/meta-event.js';
import { canonicalHashed, isAlreadyHashed } from '../hash.js';

/** Context a normalizer may use: a known country (address or tenant default) and the clock. */
export interface NormalizeCtx {
  /** Lowercase ISO alpha-2 country of the address, if known. */
  country?: string;
  /** Lowercase ISO alpha-2 tenant default country. */
  defaultCountry?: string;
  /** Current time in ms (for the "year up to current year" birth-date rule). */
  now?: number;
}

/** A normalized value (`hashed` when the input was already a digest), or a recorded drop. */
export type NormalizeResult = { value: string; hashed?: boolean } | { dropped: Decision };

/** One `user_data` field definition. */
export interface FieldDef {
  field: string;
  normalize(raw: unknown, ctx: NormalizeCtx): NormalizeResult;
}

/** Turns a raw scalar into a string (numbers are stringified, vectors contain `zp: 1234`), else null. */
export function asString(raw: unknown): string | null {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : null;
  if (typeof raw === 'bigint') return raw.toString();
  return null;
}

/** Builds a dropped result with a stable code. */
export function drop(field: string, code: string, message: string): { dropped: Decision } {
  return { dropped: { code, message, field } };
}

/**
 * Wraps a plain-text rule with the shared steps: stringify, trim, already-hashed pass-through
 * (never re-hash: Meta's SDK passes 64/32-hex through lower-cased [PB PIIUtil.js]) and empty check.
 */
export function defineField(
  field: string,
  rule: (s: string, ctx: NormalizeCtx) => NormalizeResult,
): FieldDef {
  return {
    field,
    normalize(raw, ctx) {
      const s = asString(raw);
      if (s === null) return drop(field, 'invalid_type', `${field}: expected a string or number`);
      const t = s.trim();
      if (t === '') return drop(field, 'empty_value', `${field}: empty value`);
      if (isAlreadyHashed(t)) return { value: canonicalHashed(t), hashed: true };
      return rule(t, ctx);
    },
  };
}

const NON_ASCII_RE = /[^\x00-\x7f]/;

/** True when `s` is pure ASCII (lets the hot path skip Unicode normalization and Unicode regexes). */
export function isAscii(s: string): boolean {
  return !NON_ASCII_RE.test(s);
}
