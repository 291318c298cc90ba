/**
 * Graph API error envelopes, shaped as in meta-capi.md §5 and rule 33:
 * `{"error":{message,type,code,error_subcode?,is_transient,error_user_title?,error_user_msg?,error_data?,fbtrace_id}}`.
 */
import { randomBytes } from 'node:crypto';

export interface GraphErrorBody {
  error: {
    message: string;
    type: 'OAuthException' | 'GraphMethodException';
    code: number;
    error_subcode?: number;
    is_transient: boolean;
    error_user_title?: string;
    error_user_msg?: string;
    error_data?: { blame_field_specs: string[][] };
    fbtrace_id: string;
  };
}

/** An error the emulator answers with: HTTP status plus Graph body. */
export interface GraphError {
  status: number;
  body: GraphErrorBody;
}

/** A random id shaped like Meta's `fbtrace_id` (23 base64url-ish characters). */
export function fbtraceId(): string {
  return 'A' + randomBytes(17).toString('base64url').slice(0, 22);
}

type Fields = Omit<GraphErrorBody['error'], 'fbtrace_id' | 'is_transient'> & { is_transient?: boolean };

/** Builds a Graph error with a fresh fbtrace_id. */
export function graphError(status: number, fields: Fields): GraphError {
  return { status, body: { error: { is_transient: false, ...fields, fbtrace_id: fbtraceId() } } };
}

/** Rule 2 (E-obs, LIVE §B2): missing or unparseable token → 401, code 190, no subcode. */
export function invalidToken(): GraphError {
  return graphError(401, {
    message: 'Invalid OAuth access token - Cannot parse access token',
    type: 'OAuthException',
    code: 190,
  });
}

/**
 * Expired token (G-ERR: 190 = "access token expired"; subcode 463 = session expired). The HTTP status is
 * not captured for this case; 401 is used to match the observed invalid-token answer (unverified).
 */
export function expiredToken(nowMs: number): GraphError {
  const now = new Date(nowMs);
  const expiredAt = new Date(nowMs - 3600_000);
  return graphError(401, {
    message:
      `Error validating access token: Session has expired on ${expiredAt.toUTCString()}. ` +
      `The current time is ${now.toUTCString()}.`,
    type: 'OAuthException',
    code: 190,
    error_subcode: 463,
  });
}

/** Rule 3 (E-obs via RS fixture): unknown pixel, or a token without access to it → 400 100/33. */
export function unknownObject(id: string, method: 'post' | 'get'): GraphError {
  return graphError(400, {
    message:
      `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing ` +
      'permissions, or does not support this operation. Please read the Graph API documentation at ' +
      'https://developers.facebook.com/docs/graph-api',
    type: 'GraphMethodException',
    code: 100,
    error_subcode: 33,
  });
}

/** A code-100 parameter error (rules 4–30); `blame` names the offending path like `$['data'][3]['event_time']`. */
export function invalidParameter(detail: string, blame?: string, subcode?: number, title?: string): GraphError {
  return graphError(400, {
    message: `Server Side Api Parameter Error: ${detail}`,
    type: 'OAuthException',
    code: 100,
    ...(subcode !== undefined ? { error_subcode: subcode } : {}),
    error_user_title: title ?? 'Invalid parameter',
    error_user_msg: detail,
    ...(blame !== undefined ? { error_data: { blame_field_specs: [[blame]] } } : {}),
  });
}

/** Rule 10 (E-obs, LIVE §B1 + RS fixture): stale event_time → 400 100/2804003, exact English texts. */
export function timestampTooOld(blame: string, days: number): GraphError {
  return graphError(400, {
    message: 'Invalid parameter',
    type: 'OAuthException',
    code: 100,
    error_subcode: 2804003,
    error_user_title: 'Event Timestamp Too Old',
    error_user_msg:
      `The timestamp for this event is too far in the past. Events need to be sent from your server within ${days} ` +
      `days of when they occurred. Enter a timestamp that has occurred within the last ${days} days.`,
    error_data: { blame_field_specs: [[blame]] },
  });
}

export type RateLimitCode = 4 | 17 | 32 | 613;

const RATE_LIMITS: Record<RateLimitCode, { message: string; subcode?: number }> = {
  4: { message: 'Application request limit reached' },
  17: { message: 'User request limit reached', subcode: 2446079 },
  32: { message: 'Page request limit reached' },
  613: { message: 'There have been too many calls from this ad-account. Please wait a bit and try again.', subcode: 1487742 },
};

/** Rule 31 (MK-ERR, MK-RL): throttling errors; HTTP 400 is an assumption (status undocumented). */
export function rateLimited(code: RateLimitCode): GraphError {
  const r = RATE_LIMITS[code];
  return graphError(400, {
    message: r.message,
    type: 'OAuthException',
    code,
    ...(r.subcode !== undefined ? { error_subcode: r.subcode } : {}),
    is_transient: true,
  });
}

/** Rule 32 (G-ERR): 500 → code 1 "An unknown error occurred", 503 → code 2 service error; both transient. */
export function serverError(status: 500 | 503): GraphError {
  return status === 500
    ? graphError(500, { message: 'An unknown error occurred', type: 'OAuthException', code: 1, is_transient: true })
    : graphError(503, { message: 'Service temporarily unavailable', type: 'OAuthException', code: 2, is_transient: true });
}
