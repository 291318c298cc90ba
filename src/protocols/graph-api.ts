/**
 * Graph-API-compatible ingest (`POST /{version}/{pixel_id}/events` at the relay's root): reads a request as
 * Meta's Conversions API defines it (docs/meta-capi.md) and says, in Meta's `messages`, what the relay did to
 * the events beyond forwarding them. Pure: no I/O; the route authenticates, ingests and answers.
 */
/** What a Graph request carries, once read. */
export interface GraphRequest {
  /** The access token: body, query or `Authorization: Bearer`, in that order; null when none was sent. */
  token: string | null;
  events: unknown[];
  testEventCode?: string;
}

/** A parameter error, answered as Meta's code 100 (`blame` names the field like Meta's `blame_field_specs`). */
export interface GraphParamError {
  detail: string;
  blame?: string;
  subcode?: number;
}

/** Request-level keys Meta documents beside `data`; Meta's Node SDK sends every unset one as `null`. */
const REQUEST_KEYS = new Set(['data', 'access_token', 'test_event_code', 'partner_agent', 'namespace_id', 'upload_id', 'upload_tag', 'upload_source', 'appsecret_proof', 'format', 'method', 'pretty', 'suppress_http_code']);
/** Meta's own limit per request [M-SE]. */
export const GRAPH_MAX_EVENTS = 1000;
/** Graph's path version (`v24.0`). */
export const GRAPH_VERSION_RE = /^v\d{1,2}\.\d{1,2}$/;

const FIELD_NAME_RE = /^[a-z0-9_.]{1,64}$/i;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function firstString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/**
 * Reads a Graph events request: a JSON body, or a form body where `data` is the JSON text of the array (as
 * Meta's curl examples send it). Unset options may be `null`, as Meta's Node SDK sends them.
 */
export function readGraphRequest(body: unknown, query: Record<string, unknown>, bearer: string | null, max = GRAPH_MAX_EVENTS): GraphRequest | GraphParamError {
  if (body !== undefined && body !== null && body !== '' && !isObj(body)) return { detail: 'the body must be a JSON object or a form with a data field' };
  const b: Record<string, unknown> = isObj(body) ? body : {};
  for (const k of Object.keys(b)) {
    // A key is named only when it looks like a field name (never repeat what may be a value: docs/errors.md).
    if (!REQUEST_KEYS.has(k)) return FIELD_NAME_RE.test(k) ? { detail: `(#100) Param ${k} is not a valid parameter of this endpoint`, blame: k } : { detail: '(#100) the body holds a parameter this endpoint does not take (not shown: it is not a plain field name)' };
  }
  const token = firstString(b.access_token) ?? firstString(query.access_token) ?? bearer ?? null;
  let data = b.data ?? query.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      return { detail: 'data: the value is not a valid JSON array', blame: 'data' };
    }
  }
  if (data === undefined || data === null) return { detail: 'The parameter data is required', blame: 'data' };
  if (!Array.isArray(data)) return { detail: 'data: expected an array of events', blame: 'data' };
  if (data.length === 0) return { detail: 'data: expected at least one event', blame: 'data' };
  if (data.length > max) return { detail: `data: at most ${max} events per request; got ${data.length}`, blame: 'data' };
  const code = b.test_event_code ?? query.test_event_code;
  if (code !== undefined && code !== null && (typeof code !== 'string' || code.trim() === '' || code.length > 100)) {
    return { detail: 'test_event_code: expected a non-empty string', blame: 'test_event_code' };
  }
  return { token, events: data, ...(typeof code === 'string' ? { testEventCode: code.trim() } : {}) };
}

/** user_data keys Meta wants as SHA-256 hex [M-CIP]. */
const HASHED_KEYS = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id'] as const;
/** user_data keys Meta wants in clear: a hash there never matches anyone [M-CIP]. */
const CLEAR_KEYS = ['client_ip_address', 'client_user_agent', 'fbc', 'fbp'] as const;
const SHA256_RE = /^[a-f0-9]{64}$/i;

/** One ingest outcome, as the ingest service answers it (the statuses may grow; unknown ones are described by code). */
export interface OutcomeLike {
  event_id: string | null;
  status: string;
  code?: string;
  message?: string;
}

/**
 * The notes for Meta's `messages`: which identifiers the relay hashed or checked, and every event that was
 * not forwarded (duplicate, dropped by the store's policy or gates, switched off, rejected) and why.
 */
export function graphMessages(inputs: readonly unknown[], outcomes: readonly OutcomeLike[]): string[] {
  const out: string[] = [];
  inputs.forEach((input, i) => {
    const where = `data[${i}]`;
    const ud = isObj(input) && isObj(input.user_data) ? input.user_data : {};
    const plain: string[] = [];
    const hashed: string[] = [];
    for (const k of HASHED_KEYS) {
      const values = (Array.isArray(ud[k]) ? (ud[k] as unknown[]) : [ud[k]]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
      if (values.length === 0) continue;
      if (values.some((v) => !SHA256_RE.test(v.trim()))) plain.push(k);
      else hashed.push(k);
    }
    if (plain.length > 0) out.push(`${where}.user_data: ${plain.join(', ')} sent in plain text: normalized and SHA-256 hashed before forwarding`);
    if (hashed.length > 0) out.push(`${where}.user_data: ${hashed.join(', ')} already hashed: checked as SHA-256 and forwarded as sent`);
    const clearHashed = CLEAR_KEYS.filter((k) => typeof ud[k] === 'string' && SHA256_RE.test(ud[k]));
    if (clearHashed.length > 0) out.push(`${where}.user_data: ${clearHashed.join(', ')} look hashed; Meta wants them in clear, so they cannot match`);
    const o = outcomes[i];
    if (!o) return;
    const id = o.event_id === null ? '' : ` (event_id ${o.event_id})`;
    if (o.status === 'rejected') out.push(`${where}${id}: not accepted: ${o.code ?? 'invalid'}: ${o.message ?? ''}`.trimEnd());
    else if (o.status === 'duplicate') out.push(`${where}${id}: already received with this event_name and event_id: not sent again`);
    else if (o.status !== 'accepted' || o.code) out.push(`${where}${id}: stored, not forwarded: ${o.code ?? o.status}${o.message ? `: ${o.message}` : ''}`);
  });
  return out;
}

/** Events Meta counts: everything the relay kept (a duplicate is received and deduplicated, as at Meta). */
export function eventsReceived(outcomes: readonly OutcomeLike[]): number {
  return outcomes.filter((o) => o.status !== 'rejected').length;
}
