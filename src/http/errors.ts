/**
 * Every error code an HTTP caller can receive at request level, with its status and meaning.
 * docs/errors.md lists the same codes; errors.test.ts keeps the two in step.
 */
export const HTTP_ERRORS = {
  invalid_json: { status: 400, message: 'the body is not valid JSON' },
  invalid_body: { status: 400, message: 'the body does not have the expected shape' },
  too_many_events: { status: 413, message: 'too many events in one request' },
  body_too_large: { status: 413, message: 'the body is larger than the configured limit' },
  request_timeout: { status: 408, message: 'the request (headers and body) did not arrive within requestTimeoutMs' },
  malformed_request: { status: 400, message: 'the request is not valid HTTP/1.1' },
  headers_too_large: { status: 431, message: 'the request headers are larger than 16 KiB' },
  unsupported_media_type: { status: 415, message: 'send Content-Type: application/json' },
  unauthorized: { status: 401, message: 'missing or invalid credentials' },
  dashboard_off: { status: 401, message: 'the dashboard is off: set adminPassword (CAPI_RELAY_ADMIN_PASSWORD) or adminToken' },
  signature_missing: { status: 401, message: 'the webhook carries no signature (or no credentials) in the expected header' },
  signature_invalid: { status: 401, message: 'the webhook signature does not match the body and the source secret' },
  signature_malformed: { status: 401, message: 'the webhook signature header is not in the exact format of its platform' },
  signature_outdated: { status: 401, message: 'the generic webhook was signed with the old body-only scheme; sign "{t}.{body}" and send t=…,v1=…' },
  timestamp_out_of_tolerance: { status: 401, message: 'the signed timestamp is too far from the relay clock (default 300 s)' },
  delivery_id_invalid: { status: 400, message: 'X-Capi-Relay-Delivery-Id must be 1–128 characters of A–Z a–z 0–9 . _ : -' },
  not_found: { status: 404, message: 'no such resource' },
  already_exists: { status: 409, message: 'the store already has this' },
  origin_not_allowed: { status: 403, message: 'this Origin is not on the tenant allow-list' },
  rate_limited: { status: 429, message: 'too many requests; slow down' },
  delivery_in_progress: { status: 409, message: 'the same signed webhook request is being processed; retry after Retry-After seconds' },
  csrf_token_invalid: { status: 403, message: 'missing or wrong X-CSRF-Token for this dashboard session' },
  tenant_forbidden: { status: 403, message: 'this dashboard session may only see its own store' },
  login_throttled: { status: 429, message: 'too many failed sign-ins; wait and try again' },
  auth_throttled: { status: 429, message: 'too many wrong admin tokens from this address; wait and try again' },
  no_test_event_code: { status: 409, message: 'the pixel has no Test Event Code, so a simulated event would count as a real conversion' },
  pixel_not_active: { status: 409, message: 'the pixel is not active' },
  invalid_parameter: { status: 400, message: 'a parameter is invalid' },
  invalid_period: { status: 400, message: 'the report period is invalid: from must be before to, within the longest period allowed' },
  not_ready: { status: 503, message: 'the relay is not ready' },
  storage_unavailable: { status: 503, message: 'the database is unreachable or cannot write (disk full); nothing was accepted, retry after Retry-After seconds' },
  internal_error: { status: 500, message: 'unexpected error; nothing accepted was lost' },
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/** Seconds a client is told to wait (Retry-After) on storage_unavailable; the store probes every second meanwhile. */
export const STORAGE_RETRY_AFTER_S = 5;

/**
 * An error that becomes `{ error: { code, message } }` with the code's HTTP status. A message about input
 * names the field and the rule, never the value (src/core/input-messages.ts; the canary test checks).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly code: HttpErrorCode,
    message?: string,
  ) {
    super(message ?? HTTP_ERRORS[code].message);
  }
  get status(): number {
    return HTTP_ERRORS[this.code].status;
  }
}

export function errorBody(code: HttpErrorCode, message?: string) {
  return { error: { code, message: message ?? HTTP_ERRORS[code].message } };
}
