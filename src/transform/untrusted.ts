/**
 * Guards for untrusted JSON, checked before anything else reads an event: nesting depth, text that one
 * of our databases cannot keep, and sizes. Pure, and iterative: a value nested 10,000 levels is refused
 * here instead of overflowing the stack of a recursive reader (JSON.stringify in the stored-payload path).
 *
 * Why each rule:
 * - depth: Meta's deepest documented field is `custom_data.contents[].…` (four levels under the event);
 *   pass-through objects (custom_data, app_data, original_event_data) get room to spare, not unbounded.
 * - text: PostgreSQL refuses U+0000 in `text` and SQLite turns a lone UTF-16 surrogate into three U+FFFD,
 *   so such a string is refused on both databases alike, before it is stored or sent.
 * - sizes: every string Meta receives has a bound; the ids that are indexed columns (event_name,
 *   event_id, order_id, fbp, click ids) are bounded well under PostgreSQL's btree row limit (2704 bytes).
 *
 * Messages name the field and the rule, never the value (it may be customer data).
 */

/** Nesting levels allowed in one event, the event object itself being level 1. */
export const MAX_DEPTH = 10;
/** Characters (UTF-16 code units) of any string without a tighter bound below. */
export const MAX_STRING = 4096;
/** Items of any array (items, contents, content_ids, hashed-value lists …). */
export const MAX_ITEMS = 1000;
/** Characters of an object key. */
export const MAX_KEY = 128;

/**
 * Tighter (or looser) bounds by key name, wherever the key appears; array elements take their array's key.
 * Documented in docs/data-handling.md ("Input limits").
 */
export const FIELD_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  event: 100,
  event_name: 100,
  event_id: 512,
  order_id: 256,
  id: 256,
  content_ids: 256,
  fbp: 256,
  fbc: 512,
  fbclid: 512,
  gclid: 512,
  user_agent: 1024,
  client_user_agent: 1024,
  url: 8192,
  event_source_url: 8192,
  referrer: 8192,
  referrer_url: 8192,
});

/** Per-event rejection codes of this guard. */
export type UntrustedCode = 'too_deep' | 'invalid_text' | 'too_long';

export interface UntrustedProblem {
  code: UntrustedCode;
  message: string;
  /** The path of the offending field (`['custom_data', 'contents', 3]`), keys that are not field names as `…`. */
  path: readonly (string | number)[];
}

// With the `u` flag a well-formed surrogate pair is one code point, so \p{Cs} matches only a lone half.
const BAD_TEXT = /[\u0000\p{Cs}]/u;
const BAD_TEXT_ALL = /[\u0000\p{Cs}]/gu;
// Keys shown in a message: field names look like this; anything else may be customer data and is elided.
const SHOWN_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** True when the string has no U+0000 and no lone surrogate (storable alike on SQLite and PostgreSQL). */
export function isCleanText(s: string): boolean {
  return !BAD_TEXT.test(s);
}

/**
 * Text the relay writes itself from untrusted parts (a parser's message quoting a payload): unstorable
 * characters become U+FFFD and the length is capped, without leaving half a surrogate pair at the cut.
 */
export function storableText(s: string, max: number): string {
  const clean = isCleanText(s) ? s : s.replace(BAD_TEXT_ALL, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max).replace(/\p{Cs}$/u, '')}…` : clean;
}

/** The bound of a string found under `key`. */
export function stringLimit(key: string | undefined): number {
  return key !== undefined && Object.hasOwn(FIELD_LIMITS, key) ? (FIELD_LIMITS[key] as number) : MAX_STRING;
}

interface Frame {
  value: unknown;
  depth: number;
  /** The key whose bound applies to strings here (array elements inherit their array's key). */
  key: string | undefined;
  parent: Frame | undefined;
  step: string | number | undefined;
}

/** The path down to a frame; keys that do not look like field names (they may be customer data) become `…`. */
function pathOf(f: Frame | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (let at = f; at?.step !== undefined; at = at.parent) out.push(typeof at.step === 'string' && !SHOWN_KEY.test(at.step) ? '…' : at.step);
  return out.reverse();
}

/** `custom_data.contents[3].x`, with keys that do not look like field names shown as `…`. */
export function formatPath(path: readonly (string | number)[], root: string): string {
  let s = '';
  for (const step of path) {
    if (typeof step === 'number') s += `[${step}]`;
    else s += `${s === '' ? '' : '.'}${SHOWN_KEY.test(step) ? step : '…'}`;
  }
  return s === '' ? root : s;
}

function problem(code: UntrustedCode, at: Frame | undefined, rule: string, root: string): UntrustedProblem {
  const path = pathOf(at);
  return { code, path, message: `${formatPath(path, root)}: ${rule}` };
}

/**
 * The first problem in an untrusted JSON value (an event as received), or null. `root` names the value
 * itself in messages. Walks without recursion, so any depth is safe to check.
 */
export function checkUntrusted(value: unknown, root = 'event'): UntrustedProblem | null {
  const stack: Frame[] = [{ value, depth: 1, key: undefined, parent: undefined, step: undefined }];
  while (stack.length > 0) {
    const f = stack.pop() as Frame;
    const v = f.value;
    if (typeof v === 'string') {
      if (BAD_TEXT.test(v)) return problem('invalid_text', f, 'contains U+0000 or an unpaired surrogate, which cannot be stored as text', root);
      const max = stringLimit(f.key);
      if (v.length > max) return problem('too_long', f, `longer than ${max} characters`, root);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (f.depth > MAX_DEPTH) return problem('too_deep', f, `nested deeper than ${MAX_DEPTH} levels`, root);
    if (Array.isArray(v)) {
      if (v.length > MAX_ITEMS) return problem('too_long', f, `more than ${MAX_ITEMS} items`, root);
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: f.depth + 1, key: f.key, parent: f, step: i });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      // The key itself is not named: it is the bad value.
      if (BAD_TEXT.test(k)) return problem('invalid_text', f, 'a key contains U+0000 or an unpaired surrogate', root);
      if (k.length > MAX_KEY) return problem('too_long', f, `a key is longer than ${MAX_KEY} characters`, root);
      stack.push({ value: (v as Record<string, unknown>)[k], depth: f.depth + 1, key: k, parent: f, step: k });
    }
  }
  return null;
}
