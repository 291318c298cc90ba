/**
 * SHA-256 hashing and the single "already hashed" predicate. Meta requires contact fields as
 * lowercase SHA-256 hex [M-CIP]; Meta's SDK/Parameter Builder pass 64-hex (SHA-256) and 32-hex
 * (MD5) values through lower-cased, optionally followed by a PB appendix [PB PIIUtil.js, meta-capi.md §3, §8].
 */
import { hash } from 'node:crypto';

// 64 or 32 hex chars, optionally `.{8 base64url chars}` (PB appendix) or a legacy 2-char token.
const HASHED_RE = /^(?:[a-f0-9]{64}|[a-f0-9]{32})(?:\.(?:[A-Za-z0-9_-]{8}|AQ|Ag|Aw|BA|BQ|Bg))?$/i;
const HEX_PREFIX_RE = /^[a-f0-9]+/i;

/** Lowercase hex SHA-256 of the UTF-8 bytes of `s` (crypto.hash: one call, no Hash object per value). */
export function sha256Hex(s: string): string {
  return hash('sha256', s, 'hex');
}

/** True when `value` is already a SHA-256 (or MD5) hex digest, optionally with a Parameter Builder appendix. */
export function isAlreadyHashed(value: string): boolean {
  return value.length >= 32 && value.length <= 73 && HASHED_RE.test(value);
}

/**
 * Canonical form of an already-hashed value: hex lower-cased, appendix case preserved (the appendix is
 * base64url, so its case is meaningful [M-PBL]). Caller must have checked `isAlreadyHashed`.
 */
export function canonicalHashed(value: string): string {
  const m = HEX_PREFIX_RE.exec(value);
  const hexLen = m ? (m[0].length >= 64 ? 64 : 32) : 0;
  return value.slice(0, hexLen).toLowerCase() + value.slice(hexLen);
}
