/**
 * Validates one input event and detects its shape: Meta-native (has
 * `event_name`) or commerce (has `event`). Produces a shape-independent `ParsedEvent`.
 */
import { unknownKeyMessage } from '../core/input-messages.js';
import { ACTION_SOURCES, type ActionSource, type Decision } from '../core/meta-event.js';
import type { CommerceItem, CommerceProps } from './mapping.js';
import { checkUntrusted } from './untrusted.js';

/** A validated event, before mapping, privacy, hashing and gates. */
export interface ParsedEvent {
  shape: 'meta' | 'commerce';
  /** Name as given (commerce name or Meta name). */
  name: string;
  /** integrations.facebook.event_name, which overrides any mapping. */
  nameOverride?: string;
  eventTime: number; // unix seconds
  eventId?: string;
  actionSource: ActionSource;
  eventSourceUrl?: string;
  referrerUrl?: string;
  optOut: boolean;
  /** Raw user fields under Meta's key names. */
  user: Record<string, unknown>;
  commerce?: CommerceProps;
  customData?: Record<string, unknown>;
  customDataOverride?: Record<string, unknown>;
  dpo?: { options: string[]; country?: number; state?: number };
  consentCategories?: string[];
  /** Other Meta event-level keys passed as given (app_data, original_event_data …) [M-SE]. */
  extra: Record<string, unknown>;
  decisions: Decision[];
}

/** A malformed input. */
export interface Rejection {
  kind: 'rejected';
  eventId: string | null;
  code: string;
  message: string;
}

const META_PASS = new Set(['app_data', 'original_event_data', 'customer_segmentation', 'messaging_channel',
  'messaging_outcome_data', 'attribution_data', 'advanced_measurement_table']);
const META_KEYS = new Set(['event_name', 'event_time', 'timestamp', 'event_id', 'action_source', 'event_source_url',
  'referrer_url', 'opt_out', 'user_data', 'custom_data', 'data_processing_options', 'data_processing_options_country',
  'data_processing_options_state', 'consent_categories', ...META_PASS]);
const COMMERCE_KEYS = new Set(['event', 'event_id', 'timestamp', 'event_time', 'user', 'url', 'referrer', 'value',
  'amount', 'currency', 'order_id', 'items', 'consent_categories', 'opt_out', 'action_source', 'integrations',
  'content_name', 'content_category', 'content_type', 'status', 'search_string']);
/** Commerce `user` keys → Meta user_data keys (Meta's own names are accepted too). */
const USER_KEYS: Readonly<Record<string, string>> = {
  email: 'em', phone: 'ph', first_name: 'fn', last_name: 'ln', city: 'ct', state: 'st', zip: 'zp',
  country: 'country', gender: 'ge', birthdate: 'db', id: 'external_id', ip: 'client_ip_address',
  user_agent: 'client_user_agent', fbp: 'fbp', fbc: 'fbc', fbclid: 'fbclid',
};
const OPTIONAL_STRINGS = ['content_name', 'content_category', 'content_type', 'search_string'] as const;
const FB_KEYS = new Set(['event_name', 'user_data', 'custom_data']);
const ITEM_KEYS = new Set(['id', 'quantity', 'price', 'name', 'category']);
const DIGITS_RE = /^\d+$/;
const MS_THRESHOLD = 1e12; // 13-digit timestamps are milliseconds (Meta wants seconds [M-SE])

/** Messages name the field and the rule, never the value: see src/core/input-messages.ts. */
class Invalid extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Invalid('invalid_type', `${k}: expected a string`);
  return v;
}
function num(o: Record<string, unknown>, k: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid('invalid_type', `${k}: expected a number`);
  return v;
}
function strOrNum(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return str(o, k);
}
function obj(o: Record<string, unknown>, k: string): Record<string, unknown> | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new Invalid('invalid_type', `${k}: expected an object`);
  return v;
}
/** The object without its null fields: null is absent (and Meta is not sent `"contents": null` in custom_data). */
function present(v: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (v === undefined || !Object.values(v).includes(null)) return v;
  // fromEntries defines own properties, so a "__proto__" key stays a key (and is refused below), not a prototype.
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
}
function strArray(o: Record<string, unknown>, k: string): string[] | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Invalid('invalid_type', `${k}: expected an array of strings`);
  return v as string[];
}

/** Parses `event_time`/`timestamp`: unix seconds, unix ms (converted, noted) or an ISO-8601 string. */
export function parseEventTime(v: unknown, now: number, decisions: Decision[]): number {
  if (v === undefined || v === null) {
    decisions.push({ code: 'event_time_defaulted', message: 'no event_time: the receive time was used', field: 'event_time' });
    return Math.floor(now / 1000);
  }
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && DIGITS_RE.test(v.trim())) n = Number(v.trim());
  else if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new Invalid('invalid_event_time', 'event_time: not a unix time or ISO-8601 date');
    return Math.floor(ms / 1000);
  } else throw new Invalid('invalid_event_time', 'event_time: expected a number or an ISO-8601 string');
  if (!Number.isFinite(n) || n <= 0) throw new Invalid('invalid_event_time', 'event_time: not a positive number');
  if (n >= MS_THRESHOLD) {
    decisions.push({ code: 'event_time_ms', message: 'event_time was in milliseconds: converted to seconds', field: 'event_time' });
    n = n / 1000;
  }
  return Math.floor(n);
}

function actionSource(o: Record<string, unknown>): ActionSource {
  const a = str(o, 'action_source');
  if (a === undefined) return 'website';
  const l = a.toLowerCase(); // Meta's SDK lower-cases it [SDK-N]
  if (!(ACTION_SOURCES as readonly string[]).includes(l)) throw new Invalid('invalid_action_source', `action_source: not one of ${ACTION_SOURCES.join(', ')}`);
  return l as ActionSource;
}

function checkKeys(o: Record<string, unknown>, allowed: ReadonlySet<string>, where: string): void {
  for (const k of Object.keys(o)) if (!allowed.has(k)) throw new Invalid('unknown_key', unknownKeyMessage(where, k));
}

/** Validates one input event; returns the parsed event or a rejection with a stable code. */
export function parseInput(input: unknown, now: number): ParsedEvent | Rejection {
  // Depth, unstorable text and sizes first: nothing below (nor a message) may read a value before it passed.
  const unsafe = checkUntrusted(input);
  const eventId = isObj(input) && typeof input.event_id === 'string' && unsafe?.path[0] !== 'event_id' ? input.event_id : null;
  if (unsafe) return { kind: 'rejected', eventId, code: unsafe.code, message: unsafe.message };
  try {
    if (!isObj(input)) throw new Invalid('invalid_type', 'event: expected a JSON object');
    // null is absent: a null key is no key (not even an unknown one), and a null shape key selects nothing.
    const o = present(input)!;
    if (o.event_name !== undefined) return parseMeta(o, now);
    if (o.event !== undefined) return parseCommerce(o, now);
    throw new Invalid('missing_field', 'event: needs "event_name" (Meta-native) or "event" (commerce)');
  } catch (e) {
    if (e instanceof Invalid) return { kind: 'rejected', eventId, code: e.code, message: e.message };
    throw e;
  }
}

function common(o: Record<string, unknown>, now: number, decisions: Decision[]) {
  const id = strOrNum(o, 'event_id');
  const optOut = o.opt_out;
  if (optOut !== undefined && typeof optOut !== 'boolean') throw new Invalid('invalid_type', 'opt_out: expected a boolean');
  if (o.event_time !== undefined && o.timestamp !== undefined) throw new Invalid('invalid_type', 'event_time and timestamp both given');
  return {
    eventTime: parseEventTime(o.event_time ?? o.timestamp, now, decisions),
    eventId: id === undefined || id.trim() === '' ? undefined : id,
    actionSource: actionSource(o),
    optOut: optOut === true,
    consentCategories: strArray(o, 'consent_categories'),
    decisions,
  };
}

function parseMeta(o: Record<string, unknown>, now: number): ParsedEvent {
  checkKeys(o, META_KEYS, 'event');
  const name = str(o, 'event_name')!;
  if (name.trim() === '') throw new Invalid('missing_field', 'event_name: empty');
  const c = common(o, now, []);
  const extra: Record<string, unknown> = {};
  for (const k of META_PASS) if (o[k] !== undefined) extra[k] = o[k];
  const options = strArray(o, 'data_processing_options');
  const dpo = options === undefined ? undefined
    : { options, country: num(o, 'data_processing_options_country'), state: num(o, 'data_processing_options_state') };
  return {
    shape: 'meta', name, ...c, eventSourceUrl: str(o, 'event_source_url'), referrerUrl: str(o, 'referrer_url'),
    user: obj(o, 'user_data') ?? {}, customData: present(obj(o, 'custom_data')), dpo, extra,
  };
}

function parseCommerce(o: Record<string, unknown>, now: number): ParsedEvent {
  checkKeys(o, COMMERCE_KEYS, 'event');
  const name = str(o, 'event')!;
  if (name.trim() === '') throw new Invalid('missing_field', 'event: empty');
  const c = common(o, now, []);
  const user: Record<string, unknown> = {};
  const u = obj(o, 'user');
  if (u) for (const k of Object.keys(u)) {
    if (k === '__proto__') throw new Invalid('unknown_key', 'user: unknown key "__proto__"');
    const mk = Object.hasOwn(USER_KEYS, k) ? USER_KEYS[k]! : k; // Meta key names pass; unknown ones are rejected later
    user[mk] = u[k];
  }
  const fb = obj(obj(o, 'integrations') ?? {}, 'facebook');
  let nameOverride: string | undefined;
  let customDataOverride: Record<string, unknown> | undefined;
  if (fb) {
    checkKeys(present(fb)!, FB_KEYS, 'integrations.facebook');
    nameOverride = str(fb, 'event_name');
    const ud = obj(fb, 'user_data');
    if (ud) for (const k of Object.keys(ud)) {
      if (k === '__proto__') throw new Invalid('unknown_key', 'integrations.facebook.user_data: unknown key "__proto__"');
      user[k] = ud[k];
    }
    customDataOverride = present(obj(fb, 'custom_data'));
    if (customDataOverride && Object.hasOwn(customDataOverride, '__proto__')) {
      throw new Invalid('unknown_key', 'integrations.facebook.custom_data: unknown key "__proto__"');
    }
  }
  return {
    shape: 'commerce', name, nameOverride, ...c, eventSourceUrl: str(o, 'url'), referrerUrl: str(o, 'referrer'),
    user, commerce: commerceProps(o), customDataOverride, extra: {},
  };
}

function commerceProps(o: Record<string, unknown>): CommerceProps {
  // Only present keys are set (no `delete`, which would turn the object into a slow dictionary).
  const p: CommerceProps = {};
  const value = num(o, 'value');
  if (value !== undefined) p.value = value;
  const amount = num(o, 'amount');
  if (amount !== undefined) p.amount = amount;
  const currency = str(o, 'currency');
  if (currency !== undefined) p.currency = currency;
  // Trimmed as the webhooks' order ids are: the order, its event_id and its reconciliation are the same on every channel.
  const orderId = strOrNum(o, 'order_id')?.trim();
  if (orderId) p.order_id = orderId;
  for (const k of OPTIONAL_STRINGS) {
    const v = str(o, k);
    if (v !== undefined) p[k] = v;
  }
  const status = o.status;
  if (status !== undefined && status !== null) {
    if (typeof status !== 'string' && typeof status !== 'boolean') throw new Invalid('invalid_type', 'status: expected a string or boolean');
    p.status = status;
  }
  const items = o.items;
  if (items !== undefined && items !== null) {
    if (!Array.isArray(items)) throw new Invalid('invalid_type', 'items: expected an array');
    p.items = items.map((it, i): CommerceItem => {
      if (!isObj(it)) throw new Invalid('invalid_type', `items[${i}]: expected an object`);
      checkKeys(present(it)!, ITEM_KEYS, `items[${i}]`);
      return { id: strOrNum(it, 'id'), quantity: num(it, 'quantity'), price: num(it, 'price'), name: str(it, 'name'), category: str(it, 'category') };
    });
  }
  return p;
}
