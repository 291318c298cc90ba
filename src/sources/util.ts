/** Small pure helpers shared by the source definitions (crypto, header lookup, lenient JSON reading). */
import { createHmac, timingSafeEqual, createHash } from 'node:crypto';
import type { CommerceUser } from './commerce-event.js';
import type { ParseResult, VerifyResult } from './types.js';

/** Loosely typed JSON object as read from a payload. */
export type Json = Record<string, unknown>;

/** Case-insensitive header lookup, because frameworks differ in how they case header names. */
export function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const direct = headers[name] ?? headers[name.toLowerCase()];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** HMAC-SHA256 of the raw bytes as a Buffer. */
export function hmacSha256(secret: string, data: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Constant-time equality; unequal lengths compare false without leaking where they differ. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The bytes of a hex string of exactly `bytes` bytes (either case), or null. Buffer.from(…, 'hex') alone
 * stops at the first bad pair and drops an odd trailing digit, so "<64 hex>0" would decode to a valid
 * digest: signatures are accepted only in their exact format.
 */
export function decodeHexExact(s: string, bytes: number): Buffer | null {
  if (s.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(s)) return null;
  return Buffer.from(s, 'hex');
}

/**
 * The bytes of canonical, padded standard base64 (RFC 4648 §4), optionally of exactly `bytes` bytes, or null.
 * Node's decoder also takes base64url, missing padding and junk characters, and several spellings decode to
 * the same bytes; the round trip keeps only the one canonical spelling.
 */
export function decodeBase64Exact(s: string, bytes?: number): Buffer | null {
  if (s.length === 0 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return null;
  const out = Buffer.from(s, 'base64');
  if (out.toString('base64') !== s) return null;
  return bytes === undefined || out.length === bytes ? out : null;
}

/** Bytes of an HMAC-SHA256. */
export const SHA256_BYTES = 32;

/** Verify a base64 HMAC-SHA256 header (Shopify, WooCommerce) against every secret in rotation. */
export function verifyBase64Hmac(provided: string | undefined, rawBody: Buffer, secrets: string[], headerName: string): VerifyResult {
  if (!provided) return { ok: false, code: 'signature_missing', message: `missing ${headerName} header` };
  const given = decodeBase64Exact(provided, SHA256_BYTES);
  if (!given) return { ok: false, code: 'signature_malformed', message: `${headerName} must be the base64 HMAC-SHA256 of the body (44 characters, standard alphabet, padded)` };
  // Check every secret (no early exit) so timing does not reveal which one matched.
  let match = false;
  for (const secret of secrets) if (safeEqual(hmacSha256(secret, rawBody), given)) match = true;
  return match ? { ok: true } : { ok: false, code: 'signature_invalid', message: `${headerName} does not match the body` };
}

/** At most this many `v1=` entries are tried (a sender rolling its secret sends two). */
const MAX_V1 = 4;

/**
 * Parses a `t=<unix seconds>,v1=<hex>[,v1=<hex>]` header (Stripe's scheme, also the generic source's)
 * strictly: one `t` of 1–12 digits, one to four `v1` of exactly 64 hex digits, no spaces. Other `key=value`
 * entries (Stripe's test-mode `v0`) are ignored; anything else makes the header malformed.
 */
export function parseTimestampedSignature(
  value: string,
  headerName: string,
): { ok: true; t: number; v1: Buffer[]; v1Hex: string[] } | { ok: false; code: 'signature_malformed'; message: string } {
  const malformed = { ok: false, code: 'signature_malformed', message: `${headerName} must be t=<unix seconds>,v1=<64 hex digits>` } as const;
  let t: number | undefined;
  const v1: Buffer[] = [];
  const v1Hex: string[] = [];
  for (const part of value.split(',')) {
    const m = /^([a-z][a-z0-9]*)=(.*)$/.exec(part);
    if (!m) return malformed;
    const [, k, v = ''] = m;
    if (k === 't') {
      if (t !== undefined || !/^\d{1,12}$/.test(v)) return malformed;
      t = Number(v);
    } else if (k === 'v1') {
      const bytes = decodeHexExact(v, SHA256_BYTES);
      if (!bytes || v1.length === MAX_V1) return malformed;
      v1.push(bytes);
      v1Hex.push(v.toLowerCase());
    }
  }
  if (t === undefined || v1.length === 0) return malformed;
  return { ok: true, t, v1, v1Hex };
}

/**
 * Whether a signed timestamp `t` (unix seconds) is more than `tolerance` seconds from the clock `nowMs`, counted in
 * whole seconds as Stripe's own library counts it: with the clock half-way through a second, a signature exactly
 * `tolerance` seconds old is still good (comparing with the fractional time refused it, but not one as far ahead).
 */
export function outsideTolerance(nowMs: number, t: number, tolerance: number): boolean {
  return Math.abs(Math.floor(nowMs / 1000) - t) > tolerance;
}

/**
 * JSON.parse that keeps integers beyond 2^53 exact by quoting them first (Shopify ids are 64-bit).
 * A small scanner skips string literals, so digits inside strings are never touched.
 */
export function parseJsonKeepBigInts(text: string): unknown {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j] ?? '')) j++;
      const token = text.slice(i, j);
      if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += text.slice(last, i) + `"${token}"`;
        last = j;
      }
      i = j;
      continue;
    }
    i++;
  }
  return JSON.parse(out + text.slice(last));
}

/** Parse a body as a JSON object, or null when it is not one. */
export function parseObject(rawBody: Buffer, keepBigInts = false): Json | null {
  try {
    const text = rawBody.toString('utf8');
    const v = keepBigInts ? parseJsonKeepBigInts(text) : JSON.parse(text);
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Maps a verified body that must be a JSON object. Anything else is answered `unmappable` (kept in the
 * event log, 2xx): the signature was right, so the platform retrying the same bytes would never help.
 */
export function mapJsonBody(
  rawBody: Buffer,
  deliveryId: string | null,
  map: (body: Json) => ParseResult,
  opts: { keepBigInts?: boolean } = {},
): ParseResult {
  const body = parseObject(rawBody, opts.keepBigInts);
  if (!body) return { kind: 'unmappable', deliveryId, code: 'invalid_json', message: 'body is not a JSON object' };
  return map(body);
}

/** True for a plain (non-array) object. */
export function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `v`, or an empty one, so optional nesting reads without checks. */
export function obj(v: unknown): Json {
  return isObj(v) ? v : {};
}

/** The array at `v`, or an empty one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A non-empty trimmed string from a string or number, else undefined (null/''/objects drop out). */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A finite number from a number or numeric string (platforms send "404.95"). */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** First defined value. */
export function first<T>(...vs: (T | undefined)[]): T | undefined {
  for (const v of vs) if (v !== undefined) return v;
  return undefined;
}

/** Unix seconds from a date string (ISO; naive strings are taken as UTC) or epoch seconds, else undefined. */
export function toUnixSeconds(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v);
  const s = str(v);
  if (!s) return undefined;
  // WooCommerce *_gmt fields and CSV dates carry no zone: read them as UTC, not the server's zone.
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Minor units to a decimal amount without float drift (5040 cents → 50.4). */
export function fromMinor(amount: number, digits: number): number {
  return Number((amount / 10 ** digits).toFixed(digits));
}

/** Drop empty fields and values that are clearly not emails, so one bad field does not poison the rest. */
export function cleanUser(u: CommerceUser): CommerceUser | undefined {
  const out: CommerceUser = {};
  for (const [k, v] of Object.entries(u) as [keyof CommerceUser, string | undefined][]) {
    if (v === undefined || v.trim() === '') continue;
    // Scraped/obfuscated samples contain things like "[email protected]"; never hash those as emails.
    if (k === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim())) continue;
    out[k] = v.trim();
  }
  return Object.keys(out).length ? out : undefined;
}

/** The fbclid query parameter of a URL or path (Shopify `landing_site`), if any. */
export function fbclidFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, 'https://placeholder.invalid').searchParams.get('fbclid') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Short stable hash, for ids derived from content. */
export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 32);
}
