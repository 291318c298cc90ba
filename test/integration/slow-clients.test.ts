/**
 * Slow and unauthenticated clients over real sockets: credentials are checked on the headers, before the
 * body is read, so an unauthenticated body is answered at once and its connection closed; a body or
 * headers that never complete are answered 408 once requestTimeoutMs has passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { rawExchange, requestHead } from '../helpers/raw-http.js';
import { ADMIN_HEADERS, addPixelViaApi, createTenantViaApi, startTestRelay, type ApiTenant, type TestRelay } from '../helpers/relay.js';

// Long enough that an early answer on a loaded machine is still clearly before the deadline.
const REQUEST_TIMEOUT_MS = 2500;
const FIVE_MIB = 5 * 1024 * 1024;
const ORIGIN = 'https://shop.example';
// The first 64 KiB of a 5 MiB body, then the client stalls: a server that waits for the rest never answers.
const firstChunk = [Buffer.alloc(64 * 1024, 0x20)];

describe.each(dialects)('slow and unauthenticated clients on $name', (dialect) => {
  let t: TestRelay;
  let url: string;
  let tenant: ApiTenant;
  let sourceId: string;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
    url = await t.relay.listen();
    tenant = await createTenantViaApi(t, 'Slow');
    // A pixel to send to: without one the well-behaved client's event is answered skipped (no_active_pixel).
    await addPixelViaApi(t, tenant.id, { pixelId: '123456789012345', accessToken: 'EAAB-slow-token-0123' });
    sourceId = (await t.relay.sources.addSource({ tenantId: tenant.id, platform: 'generic', secret: 'generic-secret-0123456789' })).id;
    const added = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: ADMIN_HEADERS, payload: { origin: ORIGIN } });
    expect(added.statusCode).toBe(201);
  });
  afterAll(async () => t?.close());

  const post = (path: string, headers: Record<string, string | number>) => requestHead('POST', path, { 'content-type': 'application/json', ...headers });
  /** Answered well before the request timeout, and the connection closed right after. */
  const early = (ms: number | null) => expect(ms ?? Infinity).toBeLessThan(REQUEST_TIMEOUT_MS - 500);

  it.each([
    ['no key', {}],
    ['a wrong key', { authorization: 'Bearer cr_ingest_wrong' }],
  ])('answers a 5 MiB body with %s 401 before reading it, and closes', async (_label, headers) => {
    const r = await rawExchange(url, post('/v1/events', { 'content-length': FIVE_MIB, ...headers }), { body: firstChunk });
    expect(r.status).toBe(401);
    expect(r.response).toContain('"code":"unauthorized"');
    early(r.answeredAfterMs);
    early(r.closedAfterMs);
  });

  it('answers a webhook to an unknown source 404 before reading its body, and closes', async () => {
    const r = await rawExchange(url, post('/v1/webhooks/generic/00000000-0000-0000-0000-000000000000', { 'content-length': FIVE_MIB }), { body: firstChunk });
    expect(r.status).toBe(404);
    early(r.closedAfterMs);
  });

  it('answers a beacon from an origin no tenant allows 403 before reading its body, and closes', async () => {
    const r = await rawExchange(url, post('/v1/collect', { 'content-length': 60_000, origin: 'https://evil.example' }), { body: [Buffer.alloc(1000, 0x20)] });
    expect(r.status).toBe(403);
    expect(r.response).toContain('"code":"origin_not_allowed"');
    early(r.closedAfterMs);
  });

  it('answers an oversized sign-in body 413 without reading it, and closes', async () => {
    const r = await rawExchange(url, post('/dashboard/login', { 'content-length': FIVE_MIB }), { body: firstChunk });
    expect(r.status).toBe(413);
    early(r.closedAfterMs);
  });

  it('answers an authenticated body over the limit 413 without reading it, and closes', async () => {
    const r = await rawExchange(url, post('/v1/events', { 'content-length': FIVE_MIB + 1, authorization: `Bearer ${tenant.ingestKey}` }), { body: firstChunk });
    expect(r.status).toBe(413);
    expect(r.response).toContain('"code":"body_too_large"');
    early(r.closedAfterMs);
  });

  it('answers an authenticated body that never completes 408 after requestTimeoutMs, and closes', async () => {
    const r = await rawExchange(url, post('/v1/events', { 'content-length': 1000, authorization: `Bearer ${tenant.ingestKey}` }), { body: [Buffer.from('{"event":')] });
    expect(r.status).toBe(408);
    expect(r.response).toContain('"code":"request_timeout"');
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(r.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2000);
  });

  it('answers a body trickled a few bytes a second 408 after requestTimeoutMs, and closes', async () => {
    const body = Array.from({ length: 100 }, () => Buffer.from('    '));
    const r = await rawExchange(url, post('/v1/events', { 'content-length': 400, authorization: `Bearer ${tenant.ingestKey}` }), { body, chunkIntervalMs: 200 });
    expect(r.status).toBe(408);
    expect(r.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2000);
  });

  it('closes a connection whose headers never complete', async () => {
    const r = await rawExchange(url, 'POST /v1/events HTTP/1.1\r\nHost: relay.test\r\nX-Slow: ');
    expect(r.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2000);
  });

  it('answers headers larger than 16 KiB 431 headers_too_large, and closes', async () => {
    const r = await rawExchange(url, post('/v1/events', { 'x-padding': 'a'.repeat(20_000), 'content-length': 2 }), { body: [Buffer.from('{}')] });
    expect(r.status).toBe(431);
    expect(r.response).toContain('"code":"headers_too_large"');
    early(r.closedAfterMs);
  });

  it('answers bytes that are not HTTP 400 malformed_request, and closes', async () => {
    const r = await rawExchange(url, 'HELLO /v1/events NOT-HTTP\r\n\r\n');
    expect(r.status).toBe(400);
    expect(r.response).toContain('"code":"malformed_request"');
    early(r.closedAfterMs);
  });

  it('still serves a well-behaved client on the same server', async () => {
    const body = JSON.stringify({ event: 'lead', event_id: 'slow-ok-1', url: 'https://shop.example/form', user: { email: 'lead@example.com' } });
    const r = await rawExchange(url, post('/v1/events', { 'content-length': Buffer.byteLength(body), authorization: `Bearer ${tenant.ingestKey}`, connection: 'close' }), {
      body: [Buffer.from(body)],
    });
    expect(r.status).toBe(202);
    expect(r.response).toContain('"status":"accepted"');
  });
});
