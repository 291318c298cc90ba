import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { metaSdk as sdk, type SdkHttpService } from '../helpers/meta-sdk.js';
import { type EmulatedStore, type TestRelay, useEmulatedStore } from '../helpers/relay.js';

/**
 * POST /{version}/{pixel_id}/events at the relay's root: Meta's own Node SDK, pointed at the relay instead of
 * graph.facebook.com, gets Meta's answer; the events take the one ingest path and reach that pixel only.
 */
const PIXEL_A = '111111111111';
const PIXEL_B = '222222222222';
const SHA_EM = createHash('sha256').update('jane.doe@example.com').digest('hex');

describe.each(dialects)('Graph-API-compatible ingest on $name', (dialect) => {
  const clock = steppedClock();
  let emulator: Emulator;
  let t: TestRelay;
  let tenant: EmulatedStore['tenant'];

  useEmulatedStore(dialect, clock, { [PIXEL_A]: { name: 'A', tokens: ['tok-A'] }, [PIXEL_B]: { name: 'B', tokens: ['tok-B'] } }, (store) => ({ emulator, t, tenant } = store));

  /** The SDK's transport seam, answered by the relay in-process: only the host changes. */
  function relayHttpService(): SdkHttpService {
    return {
      async executeRequest(url, method, headers, params) {
        const path = url.slice(sdk.FacebookAdsApi.GRAPH.length);
        const res = await t.relay.app.inject({ method: method as 'POST', url: path, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(params) });
        if (res.statusCode !== 200) throw new Error(`relay answered ${res.statusCode}: ${res.body}`);
        return res.json();
      },
    };
  }

  async function drain() {
    for (let i = 0; i < 20 && (await t.relay.engine!.tick()) > 0; i++);
  }

  function post(url: string, payload: unknown, headers: Record<string, string> = {}) {
    return t.relay.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
  }

  function metaEvent(id: string, extra: Record<string, unknown> = {}) {
    return {
      event_name: 'Purchase', event_time: Math.floor(clock.now() / 1000) - 30, event_id: id, action_source: 'website',
      event_source_url: 'https://shop.example.com/thanks',
      user_data: { em: ['Jane.Doe@Example.com'], client_ip_address: '203.0.113.9', client_user_agent: 'Mozilla/5.0', fbp: 'fb.1.1596403881668.1116446470' },
      custom_data: { value: 42.5, currency: 'EUR', order_id: '1001' },
      ...extra,
    };
  }

  it("Meta's Node SDK sends a Purchase and gets events_received 1; it reaches the emulator once, on that pixel only", async () => {
    const userData = new sdk.UserData().setEmails(['jane.doe@example.com']).setClientIpAddress('203.0.113.9').setClientUserAgent('Mozilla/5.0 (X11)').setFbp('fb.1.1596403881668.1116446470');
    const event = new sdk.ServerEvent().setEventName('Purchase').setEventTime(Math.floor(clock.now() / 1000) - 60).setEventId('order-1001')
      .setActionSource('website').setEventSourceUrl('https://shop.example.com/thanks').setUserData(userData)
      .setCustomData(new sdk.CustomData().setValue(42.5).setCurrency('eur').setOrderId('1001'));
    const answer = (await new sdk.EventRequest(tenant.ingestKey, PIXEL_A).setEvents([event]).setHttpService(relayHttpService()).execute()) as Record<string, unknown>;
    expect(answer).toMatchObject({ events_received: 1, fbtrace_id: expect.any(String) });
    expect(answer.messages).toEqual(expect.arrayContaining([expect.stringContaining('already hashed')]));
    await drain();
    const atA = emulator.state.events({ pixelId: PIXEL_A });
    expect(atA.map((e) => e.event.event_id)).toEqual(['order-1001']);
    expect(atA[0]?.event.user_data).toMatchObject({ em: [SHA_EM] });
    expect(emulator.state.events({ pixelId: PIXEL_B })).toHaveLength(0);
    // Sent again by the SDK: received (as Meta counts it) but not forwarded twice.
    const again = (await new sdk.EventRequest(tenant.ingestKey, PIXEL_A).setEvents([event]).setHttpService(relayHttpService()).execute()) as Record<string, unknown>;
    expect(again.events_received).toBe(1);
    expect(again.messages).toEqual(expect.arrayContaining([expect.stringContaining('not sent again')]));
    await drain();
    expect(emulator.state.events({ pixelId: PIXEL_A })).toHaveLength(1);
  });

  it('hashes plain-text identifiers and says so; fbp, IP and user agent go in clear', async () => {
    const res = await post(`/v24.0/${PIXEL_B}/events`, { data: [metaEvent('p-1')] }, { authorization: `Bearer ${tenant.ingestKey}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().messages).toEqual(expect.arrayContaining([expect.stringMatching(/data\[0\]\.user_data: em sent in plain text: normalized and SHA-256 hashed/)]));
    await drain();
    const [got] = emulator.state.events({ pixelId: PIXEL_B });
    expect(got?.event.user_data).toMatchObject({ em: [SHA_EM], client_ip_address: '203.0.113.9', client_user_agent: 'Mozilla/5.0', fbp: 'fb.1.1596403881668.1116446470' });
    expect(emulator.state.events({ pixelId: PIXEL_A })).toHaveLength(0);
  });

  it('takes a form-encoded body with access_token and data as Meta’s curl examples send them', async () => {
    const form = new URLSearchParams({ access_token: tenant.ingestKey, data: JSON.stringify([metaEvent('f-1'), metaEvent('f-2')]) }).toString();
    const res = await t.relay.app.inject({ method: 'POST', url: `/v23.0/${PIXEL_A}/events`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ events_received: 2 });
    const q = await post(`/v24.0/${PIXEL_A}/events?access_token=${encodeURIComponent(tenant.ingestKey)}`, { data: [metaEvent('q-1')] });
    expect(q.json()).toMatchObject({ events_received: 1 });
    await drain();
    expect(emulator.state.events({ pixelId: PIXEL_A }).map((e) => e.event.event_id).sort()).toEqual(['f-1', 'f-2', 'q-1']);
  });

  it('honours test_event_code: sent as a Test Events event with that code, never live', async () => {
    const res = await post(`/v24.0/${PIXEL_A}/events`, { data: [metaEvent('t-1')], test_event_code: 'TEST4242', access_token: tenant.ingestKey });
    expect(res.json()).toMatchObject({ events_received: 1 });
    await drain();
    expect(emulator.state.events({ pixelId: PIXEL_A })).toHaveLength(0);
    const test = emulator.state.events({ pixelId: PIXEL_A, test: true });
    expect(test.map((e) => [e.event.event_id, e.testEventCode])).toEqual([['t-1', 'TEST4242']]);
  });

  it("answers Meta's error envelopes: 190 bad token, 100/33 a pixel not the store's, 100 bad parameters", async () => {
    const bad = await post(`/v24.0/${PIXEL_A}/events`, { data: [metaEvent('x')] }, { authorization: 'Bearer nope' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toMatchObject({ code: 190, type: 'OAuthException', fbtrace_id: expect.any(String) });
    const inBody = await post(`/v24.0/${PIXEL_A}/events`, { data: [metaEvent('x')], access_token: 'nope' });
    expect(inBody.json().error.code).toBe(190);
    const other = await post('/v24.0/999999/events', { data: [metaEvent('x')], access_token: tenant.ingestKey });
    expect(other.statusCode).toBe(400);
    expect(other.json().error).toMatchObject({ code: 100, error_subcode: 33 });
    const noData = await post(`/v24.0/${PIXEL_A}/events`, { access_token: tenant.ingestKey });
    expect(noData.json().error).toMatchObject({ code: 100, error_data: { blame_field_specs: [['data']] } });
    const badJson = await post(`/v24.0/${PIXEL_A}/events?access_token=${encodeURIComponent(tenant.ingestKey)}`, '{"data": [');
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe(100);
    const allBad = await post(`/v24.0/${PIXEL_A}/events`, { data: [{ event_name: 'Purchase', nonsense: 1 }], access_token: tenant.ingestKey });
    expect(allBad.statusCode).toBe(400);
    expect(allBad.json().error).toMatchObject({ code: 100, error_data: { blame_field_specs: [["$['data'][0]"]] } });
    // One bad event among good ones: the good are received, the bad one named in messages.
    const mixed = await post(`/v24.0/${PIXEL_A}/events`, { data: [metaEvent('m-1'), { event_name: 'Purchase', nonsense: 1 }], access_token: tenant.ingestKey });
    expect(mixed.json().events_received).toBe(1);
    expect(mixed.json().messages).toEqual(expect.arrayContaining([expect.stringMatching(/^data\[1\]: not accepted: /)]));
    const noToken = await post(`/v24.0/${PIXEL_A}/events`, { data: [metaEvent('x')] });
    expect(noToken.json().error.code).toBe(104);
  });

  it('POST /v1/events takes a Graph-shaped {"data": [...]} as a batch', async () => {
    const res = await post('/v1/events', { data: [metaEvent('d-1'), metaEvent('d-2', { event_name: 'AddToCart' })] }, { authorization: `Bearer ${tenant.ingestKey}` });
    expect(res.statusCode).toBe(202);
    expect(res.json().results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    const withCode = await post('/v1/events', { data: [metaEvent('d-3')], test_event_code: 'T1' }, { authorization: `Bearer ${tenant.ingestKey}` });
    expect(withCode.statusCode).toBe(400);
    expect(withCode.json().error.message).toContain('/{version}/{pixel_id}/events');
  });
});
