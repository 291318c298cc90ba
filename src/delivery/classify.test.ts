import { describe, expect, it } from 'vitest';
import { classifyGraphResponse, type GraphRawResponse } from './classify.js';

// Bodies as recorded in docs/meta-capi.md §5 (LIVE, RS fixture, G-ERR, MK-ERR, MK-RL).
const tooOld = {
  error: {
    message: 'Invalid parameter',
    type: 'OAuthException',
    code: 100,
    error_subcode: 2804003,
    is_transient: false,
    error_user_title: 'Event Timestamp Too Old',
    error_user_msg:
      'The timestamp for this event is too far in the past. Events need to be sent from your server within 7 days of when they occurred. Enter a timestamp that has occurred within the last 7 days.',
    fbtrace_id: 'AbC123',
  },
};
const invalidToken = {
  error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190, fbtrace_id: 'A1' },
};
const unknownPixel = {
  error: {
    message:
      "Unsupported post request. Object with ID '123' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
    type: 'GraphMethodException',
    code: 100,
    error_subcode: 33,
    fbtrace_id: 'A2',
  },
};
const err = (code: number, message: string, extra: Record<string, unknown> = {}) => ({
  error: { message, type: 'OAuthException', code, fbtrace_id: 'Ax', ...extra },
});

type Case = [name: string, input: GraphRawResponse, kind: string, extra?: Record<string, unknown>];

const cases: Case[] = [
  ['success', { status: 200, body: { events_received: 1, messages: [], fbtrace_id: 'ATHEd8F7ddsITPV0fE5TWjY' } }, 'success', { eventsReceived: 1, fbtraceId: 'ATHEd8F7ddsITPV0fE5TWjY' }],
  ['2xx without events_received', { status: 200, body: '<html>' }, 'retryable'],
  ['timeout', { networkError: 'TimeoutError: aborted', timedOut: true }, 'retryable'],
  ['connection refused', { networkError: 'ECONNREFUSED', timedOut: false }, 'retryable'],
  ['500 no body', { status: 500, body: '' }, 'retryable'],
  ['503 html', { status: 503, body: '<html>Service Unavailable</html>' }, 'retryable'],
  ['code 1 unknown', { status: 500, body: err(1, 'An unknown error occurred', { is_transient: true }) }, 'retryable'],
  ['code 2 service', { status: 503, body: err(2, 'Service temporarily unavailable') }, 'retryable'],
  ['code 341 app limit', { status: 400, body: err(341, 'Application limit reached') }, 'retryable'],
  ['code 368 policy block', { status: 400, body: err(368, 'Temporarily blocked for policies violations') }, 'retryable'],
  ['is_transient on unknown code', { status: 400, body: err(9999, 'Something', { is_transient: true }) }, 'retryable'],
  ['code 4 app limit', { status: 400, body: err(4, 'Application request limit reached') }, 'rate_limited', { code: 4 }],
  ['code 17/2446079', { status: 400, body: err(17, 'User request limit reached', { error_subcode: 2446079 }) }, 'rate_limited', { code: 17 }],
  ['code 32 page', { status: 400, body: err(32, 'Page request limit reached') }, 'rate_limited', { code: 32 }],
  ['code 613/1487742', { status: 400, body: err(613, 'There have been too many calls from this ad-account. Please wait a bit and try again.', { error_subcode: 1487742 }) }, 'rate_limited', { code: 613 }],
  ['BUC 80003', { status: 400, body: err(80003, 'There have been too many calls to this ad-account.') }, 'rate_limited', { code: 80003 }],
  ['plain 429', { status: 429, body: '' }, 'rate_limited', { code: 429 }],
  ['429 with Retry-After', { status: 429, body: '', retryAfterMs: 5000 }, 'rate_limited', { retryAfterMs: 5000 }],
  ['code 190 invalid token', { status: 401, body: invalidToken }, 'auth', { code: 190 }],
  ['code 190/463 expired', { status: 401, body: err(190, 'Error validating access token: Session has expired', { error_subcode: 463 }) }, 'auth', { code: 190, subcode: 463 }],
  ['code 102 session', { status: 400, body: err(102, 'API Session') }, 'auth', { code: 102 }],
  ['code 10 permission', { status: 403, body: err(10, 'Application does not have permission for this action') }, 'auth', { code: 10 }],
  ['code 200 permissions', { status: 403, body: err(200, 'Permissions error') }, 'auth', { code: 200 }],
  ['code 3 method', { status: 400, body: err(3, 'Application does not have the capability to make this API call.') }, 'auth', { code: 3 }],
  ['100/33 unknown pixel', { status: 400, body: unknownPixel }, 'auth', { code: 100, subcode: 33 }],
  ['100/2804003 too old', { status: 400, body: tooOld }, 'invalid', { code: 100, subcode: 2804003 }],
  ['100/2804050 thin user_data', { status: 400, body: err(100, 'Invalid parameter', { error_subcode: 2804050, is_transient: false }) }, 'invalid', { code: 100, subcode: 2804050 }],
  ['unexpected key', { status: 400, body: err(100, `Server Side Api Parameter Error: Unexpected key "advertiser_tracking_enabled" on param "$['data'][0]"`) }, 'invalid', { code: 100 }],
  ['a 4xx that is not a Graph error (proxy page, wrong graphUrl) is retried, never bisected', { status: 404, body: 'Not Found' }, 'retryable'],
  ['unknown 5xx shape', { status: 502, body: { weird: true } }, 'retryable'],
];

describe('classifyGraphResponse', () => {
  it.each(cases)('%s', (_name, input, kind, extra) => {
    const out = classifyGraphResponse(input);
    expect(out.kind).toBe(kind);
    if (extra) expect(out).toMatchObject(extra);
  });

  it("keeps Meta's user message in the invalid reason", () => {
    const out = classifyGraphResponse({ status: 400, body: tooOld });
    expect(out.kind).toBe('invalid');
    if (out.kind !== 'invalid') return;
    expect(out.reason).toContain('Event Timestamp Too Old');
    expect(out.reason).toContain('within 7 days of when they occurred');
    expect(out.reason).toContain('2804003');
  });

  it('retries a success whose events_received differs from the batch size', () => {
    const body = { events_received: 999, messages: [], fbtrace_id: 'A' };
    expect(classifyGraphResponse({ status: 200, body }, 1000).kind).toBe('retryable');
    expect(classifyGraphResponse({ status: 200, body }, 999).kind).toBe('success');
  });
});
