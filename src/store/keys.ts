import { hash, randomBytes } from 'node:crypto';

export type KeyKind = 'ingest' | 'publishable';
const PREFIX: Record<KeyKind, string> = { ingest: 'cr_ingest_', publishable: 'cr_pub_' };

/** A new random API key; only its hash is stored. */
export function generateKey(kind: KeyKind): { key: string; hash: string; prefix: string } {
  const key = PREFIX[kind] + randomBytes(24).toString('base64url');
  return { key, hash: hashKey(key), prefix: key.slice(0, PREFIX[kind].length + 4) };
}

/** Keys are high-entropy random strings, so a plain SHA-256 is enough (no password stretching needed). */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}
