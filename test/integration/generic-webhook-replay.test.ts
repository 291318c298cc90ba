/**
 * The generic webhook is good for one conversion per delivery: a replayed signed request, a retried
 * delivery id and a stale signature store nothing new, on SQLite and PostgreSQL and across nodes.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../../src/sources/index.js';
import type { Relay } from '../../src/relay.js';
import { createReplayKeyRepository, IN_FLIGHT_MS, REPLAY_KEY_TTL_MS } from '../../src/store/webhook-replay-keys.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS as admin, addPixelViaApi, createTenantViaApi, startRelayNode, startTestRelay, type TestRelay } from '../helpers/relay.js';

// The worked example of docs/connect-your-store.md#generic-your-own-code, value for value.
const DOC_SECRET = 'example-secret-3b9f2c7e1d';
const DOC_T = 1767225600;
const DOC_BODY = '{"event":"generate_lead","url":"https://shop.example.com/contact","user":{"email":"jane@example.com"}}';
const DOC_V1 = '84e8fa216ff9c37edb7e360fd2363e8c6a4d9831e954d8e52518a637e3ac5610';

describe('the documented worked example', () => {
  it('has the values the docs print', () => {
    expect(Buffer.byteLength(DOC_BODY)).toBe(102);
    expect(Buffer.byteLength(`${DOC_T}.${DOC_BODY}`)).toBe(113);
    expect(createHmac('sha256', DOC_SECRET).update(`${DOC_T}.${DOC_BODY}`).digest('hex')).toBe(DOC_V1);
    expect(signGeneric(DOC_SECRET, DOC_BODY, DOC_T)).toBe(`t=${DOC_T},v1=${DOC_V1}`);
  });
});

describe.each(dialects)('generic webhook replays on $name', (dialect) => {
  let t: TestRelay;
  let node2: Relay;
  let tenantId: string;
  let sourceId: string;
  const clock = steppedClock(DOC_T * 1000 + 20_000);

  const post = (app: Relay['app'], headers: Record<string, string>, body: string) =>
    app.inject({ method: 'POST', url: `/v1/webhooks/generic/${sourceId}`, headers: { 'content-type': 'application/json', ...headers }, payload: body });
  const signed = (body: string, deliveryId: string | undefined, at = Math.floor(clock.now() / 1000)) => ({
    'x-capi-relay-signature': signGeneric(DOC_SECRET, body, at),
    ...(deliveryId === undefined ? {} : { 'x-capi-relay-delivery-id': deliveryId }),
  });
  const stored = async () =>
    t.relay.store.db.selectFrom('events').select(['event_name', 'event_id']).where('tenant_id', '=', tenantId).where('source', '=', 'webhook:generic').orderBy('event_id').execute();

  beforeAll(async () => {
    t = await startTestRelay(dialect, {}, clock.now);
    node2 = await startRelayNode(t.db, {}, clock.now);
    tenantId = (await createTenantViaApi(t, 'Replay')).id;
    // A pixel to send to: without one every event is answered skipped (no_active_pixel).
    await addPixelViaApi(t, tenantId, { pixelId: '123456789012345', accessToken: 'EAAB-replay-token-0123' });
    const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/sources`, headers: admin, payload: { platform: 'generic', secret: DOC_SECRET } });
    sourceId = res.json().id;
  });
  afterAll(async () => {
    await node2?.close();
    await t?.close();
  });

  it('stores the worked example with event id form-1001:0, once, however often the signed request is replayed', async () => {
    const headers = { 'x-capi-relay-signature': `t=${DOC_T},v1=${DOC_V1}`, 'x-capi-relay-delivery-id': 'form-1001' };
    const first = await post(t.relay.app, headers, DOC_BODY);
    expect(first.statusCode).toBe(200);
    expect(first.json().results).toEqual([expect.objectContaining({ event_id: 'form-1001:0', status: 'accepted' })]);
    // The same bytes twice more (the 3 Leads), on this node and another, and with a fresh delivery id.
    for (const [app, h] of [[t.relay.app, headers], [node2.app, headers], [t.relay.app, { ...headers, 'x-capi-relay-delivery-id': 'forged-2' }]] as const) {
      const again = await post(app, h, DOC_BODY);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ status: 'duplicate', results: [] });
    }
    expect(await stored()).toEqual([{ event_name: 'Lead', event_id: 'form-1001:0' }]);
  });

  it('answers a retry of a delivery id (signed afresh) as a duplicate for 24 h, then deduplicates by the derived event ids', async () => {
    const body = JSON.stringify({ events: [{ event: 'generate_lead', user: { email: 'a@example.com' } }, { event: 'sign_up', user: { email: 'b@example.com' } }] });
    const first = await post(t.relay.app, signed(body, 'batch-7'), body);
    expect(first.json().results.map((r: { event_id: string; status: string }) => [r.event_id, r.status])).toEqual([['batch-7:0', 'accepted'], ['batch-7:1', 'accepted']]);
    clock.advance(60_000);
    const retry = await post(node2.app, signed(body, 'batch-7'), body);
    expect(retry.json()).toMatchObject({ status: 'duplicate', results: [] });
    // After the delivery id has expired, the derived event ids still deduplicate a very late retry.
    clock.advance(REPLAY_KEY_TTL_MS);
    const late = await post(t.relay.app, signed(body, 'batch-7'), body);
    expect(late.statusCode).toBe(200);
    expect(late.json().results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect((await stored()).filter((r) => r.event_id.startsWith('batch-7:'))).toHaveLength(2);
  });

  it('without a delivery id, uses a digest of the body: a re-signed retry of the same bytes is a duplicate', async () => {
    const body = JSON.stringify({ event: 'generate_lead', user: { email: 'c@example.com' } });
    const first = await post(t.relay.app, signed(body, undefined), body);
    expect(first.json().results[0]).toMatchObject({ status: 'accepted', event_id: expect.stringMatching(/^sha256:[0-9a-f]{64}:0$/) as unknown });
    clock.advance(1000);
    expect((await post(t.relay.app, signed(body, undefined), body)).json()).toMatchObject({ status: 'duplicate' });
  });

  it('refuses stale, future, old-style and malformed signatures with 401 and a code, storing nothing', async () => {
    const before = (await stored()).length;
    const body = JSON.stringify({ event: 'generate_lead', event_id: 'stale-1', user: { email: 'd@example.com' } });
    const now = Math.floor(clock.now() / 1000);
    const cases: [Record<string, string>, number, string][] = [
      [signed(body, 'stale-1', now - 301), 401, 'timestamp_out_of_tolerance'],
      [signed(body, 'stale-1', now + 301), 401, 'timestamp_out_of_tolerance'],
      [{ 'x-capi-relay-signature': `sha256=${createHmac('sha256', DOC_SECRET).update(body).digest('hex')}` }, 401, 'signature_outdated'],
      [{ 'x-capi-relay-signature': `${signGeneric(DOC_SECRET, body, now)}0` }, 401, 'signature_malformed'],
      [{ 'x-capi-relay-signature': signGeneric('wrong-secret', body, now) }, 401, 'signature_invalid'],
      [{ ...signed(body, undefined), 'x-capi-relay-delivery-id': 'has space' }, 400, 'delivery_id_invalid'],
    ];
    for (const [headers, status, code] of cases) {
      const res = await post(t.relay.app, headers, body);
      expect(res.statusCode, code).toBe(status);
      expect(res.json().error, code).toMatchObject({ code, message: expect.any(String) as unknown });
    }
    expect(await stored()).toHaveLength(before);
    // The same event signed now is accepted: nothing above burnt its id.
    expect((await post(t.relay.app, signed(body, 'stale-1'), body)).json().results[0]).toMatchObject({ status: 'accepted', event_id: 'stale-1' });
  });

  it('honours webhookToleranceSeconds', async () => {
    const wide = await startRelayNode(t.db, { webhookToleranceSeconds: 900 }, clock.now);
    try {
      const body = JSON.stringify({ event: 'generate_lead', event_id: 'wide-1', user: { email: 'e@example.com' } });
      const res = await post(wide.app, signed(body, 'wide-1', Math.floor(clock.now() / 1000) - 600), body);
      expect(res.json().results[0]).toMatchObject({ status: 'accepted' });
    } finally {
      await wide.close();
    }
  });
  it('a copy of a signed request still in flight is asked to retry (409), not told duplicate: if the first copy fails, the retry is stored', async () => {
    const body = JSON.stringify({ event: 'generate_lead', event_id: 'flight-1', user: { email: 'f@example.com' } });
    const headers = signed(body, 'flight-1');
    // The first copy, claimed by another node that has not answered yet (its key as the route derives it).
    const replayKey = /t=(\d+),v1=([0-9a-f]{64})/.exec(headers['x-capi-relay-signature'])!.slice(1).join('.');
    const keys = createReplayKeyRepository(t.relay.store, clock.now);
    expect(await keys.claimSignature(sourceId, replayKey)).toBe('claimed');
    const meanwhile = await post(t.relay.app, headers, body);
    expect([meanwhile.statusCode, meanwhile.headers['retry-after'], meanwhile.json().error?.code]).toEqual([409, '5', 'delivery_in_progress']);
    expect((await stored()).filter((r) => r.event_id === 'flight-1')).toEqual([]);
    // The first copy failed (storage down) and gave the claim back: the sender's retry is served and stored.
    await keys.releaseSignature(sourceId, replayKey);
    expect((await post(t.relay.app, headers, body)).json().results[0]).toMatchObject({ status: 'accepted', event_id: 'flight-1' });
    // Once served, the same bytes again are a replay.
    expect((await post(node2.app, headers, body)).json()).toMatchObject({ status: 'duplicate', results: [] });

    // A claim whose node died mid-request lapses after IN_FLIGHT_MS: the sender's retry is then served.
    const lost = JSON.stringify({ event: 'generate_lead', event_id: 'flight-2', user: { email: 'g@example.com' } });
    const lostHeaders = signed(lost, 'flight-2');
    const lostKey = /t=(\d+),v1=([0-9a-f]{64})/.exec(lostHeaders['x-capi-relay-signature'])!.slice(1).join('.');
    expect(await keys.claimSignature(sourceId, lostKey)).toBe('claimed');
    expect((await post(t.relay.app, lostHeaders, lost)).statusCode).toBe(409);
    clock.advance(IN_FLIGHT_MS + 1000);
    // The same signed bytes (still inside the 300 s tolerance), not a re-signed copy with a key of its own.
    expect((await post(t.relay.app, lostHeaders, lost)).json().results[0]).toMatchObject({ status: 'accepted', event_id: 'flight-2' });
  });
});
