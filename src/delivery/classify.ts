/**
 * Classifies a Graph API answer by what the relay must do next, per
 * docs/meta-capi.md §5: retry later, back off harder, fix credentials, or give up on the payload.
 */

/** What the Graph client hands back: an HTTP answer, or a transport failure. Never an exception. */
export type GraphRawResponse =
  | { status: number; body: unknown; retryAfterMs?: number }
  | { networkError: string; timedOut: boolean };

/** What happens next for the events of one request. */
export type Outcome =
  | { kind: 'success'; eventsReceived: number; fbtraceId: string | null }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number }
  | { kind: 'rate_limited'; reason: string; code: number; retryAfterMs?: number }
  | { kind: 'auth'; reason: string; code: number; subcode?: number }
  | { kind: 'invalid'; reason: string; code: number; subcode?: number };

// G-ERR "wait and retry": 1 unknown (possible downtime), 2 service, 341 app limit, 368 temporary policy block.
const RETRYABLE_CODES = new Set([1, 2, 341, 368]);
// G-ERR / MK-RL throttling: 4 app, 17 user, 32 page, 613 custom (ad account); 80000–80014 are the BUC limits.
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
// G-ERR "get a new token" / permission problems: no payload change fixes these, an operator must act.
const AUTH_CODES = new Set([3, 10, 102, 190]);
// 100/33 "Object with ID … does not exist, cannot be loaded due to missing permissions": the pixel id or the
// token's access to it is wrong, so every event would fail the same way; bisecting would kill good events.
const UNKNOWN_OBJECT_SUBCODE = 33;

interface GraphErrorFields {
  code: number | null;
  subcode: number | undefined;
  isTransient: boolean;
  message: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readError(body: unknown): GraphErrorFields | null {
  if (!isRecord(body) || !isRecord(body.error)) return null;
  const e = body.error;
  const code = typeof e.code === 'number' ? e.code : null;
  const subcode = typeof e.error_subcode === 'number' ? e.error_subcode : undefined;
  // Meta's `message` is terse ("Invalid parameter"); error_user_title/msg carry the actionable detail.
  const parts = [e.message, e.error_user_title, e.error_user_msg].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  return { code, subcode, isTransient: e.is_transient === true, message: parts.join(' — ') };
}

function describe(status: number, err: GraphErrorFields | null): string {
  if (!err) return `HTTP ${status}`;
  const code = err.code === null ? '' : ` code ${err.code}${err.subcode === undefined ? '' : `/${err.subcode}`}`;
  return `HTTP ${status}${code}: ${err.message || 'no message'}`;
}

function withRetryAfter<T extends object>(o: T, retryAfterMs: number | undefined): T & { retryAfterMs?: number } {
  return retryAfterMs === undefined ? o : { ...o, retryAfterMs };
}

/**
 * Maps a Graph API answer to an Outcome; `batchSize`, when given, turns a 2xx whose `events_received`
 * differs into a retry.
 *
 * Why a mismatch is retried: Meta documents whole-batch semantics (never a partial accept), so a differing
 * count is an unexplained answer; re-sending is safe because Meta deduplicates `event_name`+`event_id` within
 * 48 h, and the attempt cap still ends it as `dead` if it persists.
 */
export function classifyGraphResponse(r: GraphRawResponse, batchSize?: number): Outcome {
  if ('networkError' in r) {
    // M-TS: "retrying the request in cases where the response indicates a non-client error, such as a timeout".
    return { kind: 'retryable', reason: r.timedOut ? `timeout: ${r.networkError}` : `network error: ${r.networkError}` };
  }
  const { status, body, retryAfterMs } = r;

  if (status >= 200 && status < 300) {
    if (isRecord(body) && typeof body.events_received === 'number') {
      const fbtraceId = typeof body.fbtrace_id === 'string' ? body.fbtrace_id : null;
      if (batchSize !== undefined && body.events_received !== batchSize) {
        return {
          kind: 'retryable',
          reason: `events_received ${body.events_received} != batch size ${batchSize} (fbtrace_id ${fbtraceId ?? 'none'})`,
        };
      }
      return { kind: 'success', eventsReceived: body.events_received, fbtraceId };
    }
    // A 2xx we cannot read is ambiguous (maybe a proxy page); retrying is safe thanks to Meta's dedup.
    return { kind: 'retryable', reason: `HTTP ${status} without events_received` };
  }

  const err = readError(body);
  const reason = describe(status, err);
  const code = err?.code ?? null;

  if (code !== null) {
    if (RATE_LIMIT_CODES.has(code) || (code >= 80000 && code <= 80014)) {
      return withRetryAfter({ kind: 'rate_limited', reason, code }, retryAfterMs);
    }
    if (AUTH_CODES.has(code) || (code >= 200 && code <= 299)) {
      return err?.subcode === undefined ? { kind: 'auth', reason, code } : { kind: 'auth', reason, code, subcode: err.subcode };
    }
    if (code === 100 && err?.subcode === UNKNOWN_OBJECT_SUBCODE) {
      return { kind: 'auth', reason, code, subcode: UNKNOWN_OBJECT_SUBCODE };
    }
    if (RETRYABLE_CODES.has(code)) {
      return withRetryAfter({ kind: 'retryable', reason }, retryAfterMs);
    }
  }
  if (err?.isTransient) return withRetryAfter({ kind: 'retryable', reason }, retryAfterMs);
  // HTTP status for throttling is undocumented (§5); honour a plain 429 anyway.
  if (status === 429) return withRetryAfter({ kind: 'rate_limited', reason, code: code ?? 429 }, retryAfterMs);
  if (status >= 500) return withRetryAfter({ kind: 'retryable', reason }, retryAfterMs);
  if (status >= 400 && err === null) {
    // Not a Graph error envelope (a proxy page, a wrong graphUrl or version path): nothing says an event is
    // invalid, and bisecting would mark every good event dead. Back off and retry; the attempt cap ends it.
    return withRetryAfter({ kind: 'retryable', reason: `${reason} (not a Graph API error answer: check graphUrl)` }, retryAfterMs);
  }
  if (status >= 400) {
    // Meta: "If any event you send in a batch is invalid, we reject the entire batch" — the caller bisects.
    const c = code ?? status;
    return err?.subcode === undefined ? { kind: 'invalid', reason, code: c } : { kind: 'invalid', reason, code: c, subcode: err.subcode };
  }
  // 1xx/3xx: a redirect or an odd proxy; nothing says the payload is wrong.
  return withRetryAfter({ kind: 'retryable', reason }, retryAfterMs);
}
