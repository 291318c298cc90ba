/**
 * Pure validation of a `POST /{v}/{pixel}/events` body (meta-capi.md rules 4–30). O(events): one pass, no
 * allocation beyond warnings. Returns the events to record, or the Graph error that rejects the whole batch.
 */
import { invalidParameter, timestampTooOld, type GraphError } from './errors.js';
import { checkCustomData, checkUserData, type CheckContext, type Problem } from './user-data-rules.js';

/** One accepted event with the non-fatal findings about it (rules marked W / U). */
export interface ValidEvent {
  event: Record<string, unknown>;
  warnings: string[];
}

export type ValidationResult =
  | { ok: true; events: ValidEvent[]; testEventCode: string | null }
  | { ok: false; error: GraphError };

export interface RuleOptions {
  strict: boolean;
  nowMs: number;
}

// Rule 5: documented top-level keys [SDK-CG, SDK-N]; others are U (warning).
const TOP_KEYS = new Set([
  'data', 'test_event_code', 'partner_agent', 'namespace_id', 'upload_id', 'upload_tag', 'upload_source',
  'platforms', 'progress', 'trace', 'access_token', 'appsecret_proof',
]);
// Rule 9 (E-obs, ISS258): any other event-level key is rejected.
const EVENT_KEYS = new Set([
  'event_name', 'event_time', 'user_data', 'custom_data', 'event_source_url', 'opt_out', 'event_id',
  'action_source', 'data_processing_options', 'data_processing_options_country', 'data_processing_options_state',
  'app_data', 'referrer_url', 'original_event_data', 'customer_segmentation', 'messaging_channel',
  'messaging_outcome_data', 'attribution_data', 'advanced_measurement_table',
]);
const ACTION_SOURCES = new Set([
  'email', 'website', 'app', 'phone_call', 'chat', 'physical_store', 'system_generated', 'business_messaging', 'other',
]);
const DAY = 86_400;
const MAX_EVENTS = 1000;

/** Validates a parsed request body; `data` may still be a JSON string (form encodings, rule 4). */
export function validateEventsRequest(body: unknown, opts: RuleOptions): ValidationResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail(invalidParameter('(#100) The parameter data is required', "$['data']"));
  }
  const b = body as Record<string, unknown>;
  const requestWarnings: string[] = [];
  for (const k of Object.keys(b)) if (!TOP_KEYS.has(k)) requestWarnings.push(`unknown top-level key "${k}"`);
  let data = b.data;
  if (data === undefined) return fail(invalidParameter('(#100) The parameter data is required', "$['data']"));
  if (typeof data === 'string') {
    // Rule 4: form encodings carry data as a JSON string; unparseable → U, answered with code 100.
    try { data = JSON.parse(data); } catch { return fail(invalidParameter("(#100) param data must be a JSON array", "$['data']")); }
  }
  if (!Array.isArray(data)) return fail(invalidParameter('(#100) param data must be an array', "$['data']"));
  // Rule 6: 1..1000 events (E?).
  if (data.length > MAX_EVENTS || data.length === 0) {
    const detail = `(#100) param data must be an array of 1 to ${MAX_EVENTS} events, got ${data.length}`;
    if (opts.strict) return fail(invalidParameter(detail, "$['data']"));
    requestWarnings.push(detail);
  }
  const tec = b.test_event_code;
  // Rule 19: null means absent. Meta's Node SDK sends every unset top-level option (test_event_code,
  // partner_agent, namespace_id, upload_*) as null on every request, through its own transport too.
  if (tec !== undefined && tec !== null && typeof tec !== 'string') {
    return fail(invalidParameter("(#100) param test_event_code must be a string", "$['test_event_code']"));
  }
  const nowSec = Math.floor(opts.nowMs / 1000);
  const events: ValidEvent[] = new Array<ValidEvent>(data.length);
  for (let i = 0; i < data.length; i++) {
    const warnings = requestWarnings.length ? [...requestWarnings] : [];
    const r = checkEvent(data[i], i, nowSec, opts.strict, warnings);
    if (r) return fail(r); // rule 7: one bad event rejects the batch
    events[i] = { event: data[i] as Record<string, unknown>, warnings };
  }
  return { ok: true, events, testEventCode: typeof tec === 'string' && tec !== '' ? tec : null };
}

function fail(error: GraphError): ValidationResult {
  return { ok: false, error };
}

/** E? rules: an error in strict mode, a warning otherwise. */
function softError(ctx: CheckContext, path: string, detail: string): GraphError | null {
  if (ctx.strict) return invalidParameter(detail, path);
  ctx.warnings.push(`${path}: ${detail}`);
  return null;
}

function toError(p: Problem): GraphError {
  return invalidParameter(p.detail, p.path, p.subcode);
}

function checkEvent(raw: unknown, i: number, nowSec: number, strict: boolean, warnings: string[]): GraphError | null {
  const base = `$['data'][${i}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return invalidParameter(`Param ${base} must be an object`, base);
  }
  const e = raw as Record<string, unknown>;
  for (const k in e) {
    // Exact ISS258 wording.
    if (!EVENT_KEYS.has(k)) return invalidParameter(`Unexpected key "${k}" on param "${base}"`, base);
  }
  const ctx: CheckContext = { strict, warnings };
  const soft = (path: string, detail: string): GraphError | null => softError(ctx, path, detail);
  let r: GraphError | null;
  // Rule 13: event_name required string (E?).
  if (typeof e.event_name !== 'string' || e.event_name === '') {
    if ((r = soft(`${base}['event_name']`, `The parameter ${base}['event_name'] is required and must be a string`))) return r;
  }
  // Rule 14: action_source required, 9-value enum (E?).
  const as = e.action_source;
  if (as === undefined) {
    if ((r = soft(`${base}['action_source']`, `The parameter ${base}['action_source'] is required`))) return r;
  } else if (typeof as !== 'string' || !ACTION_SOURCES.has(as)) {
    if ((r = soft(`${base}['action_source']`, `Param ${base}['action_source'] must be one of ${[...ACTION_SOURCES].join(', ')}`))) return r;
  }
  if ((r = checkEventTime(e, base, as, nowSec, strict, warnings))) return r;
  // Rule 15: website requirements are only warnings (W-obs / W).
  if (as === 'website') {
    const ud = e.user_data as Record<string, unknown> | undefined;
    if (!ud || typeof ud !== 'object' || !ud.client_user_agent) warnings.push(`${base}: website event without client_user_agent`);
    if (e.event_source_url === undefined) warnings.push(`${base}: website event without event_source_url`);
  }
  // §2: app_data is "Required for app events"; no rule number, no rejection seen → warning only.
  if (as === 'app' && e.app_data === undefined) warnings.push(`${base}: app event without app_data`);
  if (e.event_source_url !== undefined) {
    if (typeof e.event_source_url !== 'string') {
      if ((r = soft(`${base}['event_source_url']`, `Param ${base}['event_source_url'] must be a string`))) return r;
    } else if (!/^https?:\/\//.test(e.event_source_url)) warnings.push(`${base}: event_source_url does not start with http(s)://`);
  }
  // Rule 16: opt_out boolean (E?).
  if (e.opt_out !== undefined && typeof e.opt_out !== 'boolean') {
    if ((r = soft(`${base}['opt_out']`, `Param ${base}['opt_out'] must be a boolean`))) return r;
  }
  if ((r = checkLdu(e, base, soft, warnings))) return r;
  let p = checkUserData(ctx, base, e.user_data);
  if (p) return toError(p);
  p = checkCustomData(ctx, base, e.event_name, e.custom_data);
  if (p) return toError(p);
  return null;
}

function checkEventTime(
  e: Record<string, unknown>, base: string, as: unknown, nowSec: number, strict: boolean, warnings: string[],
): GraphError | null {
  const path = `${base}['event_time']`;
  let t = e.event_time;
  // Rule 10: integer seconds. Non-strict also takes numeric strings / floats (U: Graph may coerce).
  if (!Number.isInteger(t)) {
    const n = typeof t === 'string' && t.trim() !== '' ? Number(t) : typeof t === 'number' ? t : NaN;
    if (strict || !Number.isFinite(n)) return invalidParameter(`Param ${path} must be an integer Unix timestamp in seconds`, path);
    warnings.push(`${path}: not an integer`);
    t = Math.floor(n);
  }
  const time = t as number;
  if (time > 1e12) warnings.push(`${path}: looks like milliseconds`); // rule 12: U
  else if (time > nowSec + 60) warnings.push(`${path}: in the future`); // rule 12: U
  const age = nowSec - time;
  if (as === 'physical_store') {
    // Rule 11: 62-day window for physical_store (E?), else the 7-day rule does not apply to it.
    if (age > 62 * DAY) {
      if (strict) return timestampTooOld(path, 62);
      warnings.push(`${path}: older than 62 days`);
    }
  } else if (age > 7 * DAY) {
    return timestampTooOld(path, 7); // rule 10: E-obs, whole request rejected
  }
  return null;
}

type Soft = (path: string, detail: string) => GraphError | null;

function checkLdu(e: Record<string, unknown>, base: string, soft: Soft, warnings: string[]): GraphError | null {
  // Rule 17: options ⊆ {"LDU"}; with LDU a country ∈ {0,1}; state ∈ {0,1000..1013}; country without state → W.
  const dpo = e.data_processing_options;
  const path = `${base}['data_processing_options']`;
  let ldu = false;
  if (dpo !== undefined) {
    if (!Array.isArray(dpo) || dpo.some((x) => x !== 'LDU')) {
      const r = soft(path, `Param ${path} must be an array containing only "LDU"`);
      if (r) return r;
    }
    ldu = Array.isArray(dpo) && dpo.includes('LDU');
  }
  const country = e.data_processing_options_country;
  const state = e.data_processing_options_state;
  if (ldu && country === undefined) {
    const r = soft(`${base}['data_processing_options_country']`, `Param ${base}['data_processing_options_country'] is required with LDU`);
    if (r) return r;
  }
  if (country !== undefined && country !== 0 && country !== 1) {
    const r = soft(`${base}['data_processing_options_country']`, `Param ${base}['data_processing_options_country'] must be 0 or 1`);
    if (r) return r;
  }
  if (state !== undefined && !(state === 0 || (Number.isInteger(state) && (state as number) >= 1000 && (state as number) <= 1013))) {
    const r = soft(`${base}['data_processing_options_state']`, `Param ${base}['data_processing_options_state'] must be 0 or 1000-1013`);
    if (r) return r;
  }
  if (country !== undefined && state === undefined) warnings.push(`${base}: data_processing_options_country without state; Meta geolocates`);
  return null;
}
