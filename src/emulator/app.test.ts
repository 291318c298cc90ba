import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createEmulator } from './app.js';
import { NOW_S, OTHER_PIXEL, OTHER_TOKEN, PIXEL, TOKEN, sha256, testEmulator, validEvent } from './test-helpers.js';

type Emu = ReturnType<typeof testEmulator>;
let emu: Emu;
afterEach(async () => { await emu.close(); });

function post(body: unknown, opts: { token?: string | null; pixel?: string; version?: string } = {}) {
  const token = opts.token === undefined ? TOKEN : opts.token;
  const q = token === null ? '' : `?access_token=${token}`;
  return emu.app.inject({ method: 'POST', url: `/${opts.version ?? 'v26.0'}/${opts.pixel ?? PIXEL}/events${q}`, payload: body as object });
}

describe('POST /{v}/{pixel}/events', () => {
  it('answers exactly events_received, messages, fbtrace_id and records the event', async () => {
    emu = testEmulator();
    const res = await post({ data: [validEvent()] });
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['events_received', 'fbtrace_id', 'messages']);
    expect(body).toMatchObject({ events_received: 1, messages: [] });
    expect(typeof body.fbtrace_id).toBe('string');
    const [rec] = emu.state.events({ pixelId: PIXEL });
    expect(rec).toMatchObject({ pixelId: PIXEL, version: 'v26.0', receivedAt: emu.clock.ms, testEventCode: null, deduplicated: false, fbtraceId: body.fbtrace_id });
    expect(rec?.warnings).toEqual([]);
  });

  it.each([
    ['query', (b: object) => ({ url: `/v26.0/${PIXEL}/events?access_token=${TOKEN}`, payload: b })],
    ['JSON body', (b: object) => ({ url: `/v26.0/${PIXEL}/events`, payload: { ...b, access_token: TOKEN } })],
    ['bearer header', (b: object) => ({ url: `/v26.0/${PIXEL}/events`, payload: b, headers: { authorization: `Bearer ${TOKEN}` } })],
  ])('takes the token from the %s (rule 2)', async (_name, build) => {
    emu = testEmulator();
    const res = await emu.app.inject({ method: 'POST', ...build({ data: [validEvent()] }) });
    expect(res.statusCode).toBe(200);
  });

  it('accepts urlencoded and multipart bodies with data as a JSON string (rule 4)', async () => {
    emu = testEmulator();
    const form = new URLSearchParams({ data: JSON.stringify([validEvent()]), access_token: TOKEN });
    const r1 = await emu.app.inject({
      method: 'POST', url: `/v26.0/${PIXEL}/events`, payload: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r1.json()).toMatchObject({ events_received: 1 });
    const boundary = 'XyZ123';
    const mp = [`--${boundary}`, 'Content-Disposition: form-data; name="data"', '', JSON.stringify([validEvent({ event_id: 'mp' })]),
      `--${boundary}`, 'Content-Disposition: form-data; name="access_token"', '', TOKEN, `--${boundary}--`, ''].join('\r\n');
    const r2 = await emu.app.inject({
      method: 'POST', url: `/v26.0/${PIXEL}/events`, payload: mp,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(r2.json()).toMatchObject({ events_received: 1 });
  });

  it('missing or unknown token → 401 code 190 with the observed message (rule 2)', async () => {
    emu = testEmulator();
    for (const token of [null, 'nope']) {
      const res = await post({ data: [validEvent()] }, { token });
      expect(res.statusCode).toBe(401);
      const err = res.json<{ error: Record<string, unknown> }>().error;
      expect(err).toMatchObject({ message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
      expect(err).not.toHaveProperty('error_subcode');
      expect(typeof err.fbtrace_id).toBe('string');
    }
  });

  it('unknown pixel or token without access → 400 GraphMethodException 100/33 (rule 3)', async () => {
    emu = testEmulator();
    for (const [pixel, token] of [['555', TOKEN], [OTHER_PIXEL, TOKEN], [PIXEL, OTHER_TOKEN]] as const) {
      const res = await post({ data: [validEvent()] }, { pixel, token });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { type: 'GraphMethodException', code: 100, error_subcode: 33 } });
      expect(res.json<{ error: { message: string } }>().error.message).toContain(`Object with ID '${pixel}' does not exist`);
    }
  });

  it('stale event_time rejects the whole batch with 100/2804003 (rule 10)', async () => {
    emu = testEmulator();
    const res = await post({ data: [validEvent(), validEvent({ event_time: NOW_S - 8 * 86400 })] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { message: 'Invalid parameter', type: 'OAuthException', code: 100, error_subcode: 2804003, is_transient: false, error_user_title: 'Event Timestamp Too Old' },
    });
    expect(emu.state.events()).toHaveLength(0);
  });

  it('999 good + 1 bad → 400 and nothing recorded (rule 7)', async () => {
    emu = testEmulator();
    const data = Array.from({ length: 1000 }, (_, i) => validEvent({ event_id: `e${i}` }));
    data[500] = { ...validEvent(), advertiser_tracking_enabled: true };
    const res = await post({ data });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toContain(`Unexpected key "advertiser_tracking_enabled" on param "$['data'][500]"`);
    expect(emu.state.events()).toHaveLength(0);
    data[500] = validEvent({ event_id: 'e500' });
    expect((await post({ data })).json()).toMatchObject({ events_received: 1000 });
  });

  it('1001 events are rejected in strict mode, accepted with a warning otherwise (rule 6)', async () => {
    emu = testEmulator();
    const data = Array.from({ length: 1001 }, (_, i) => validEvent({ event_id: `e${i}` }));
    const res = await post({ data });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 100 } });
    await emu.close();
    emu = testEmulator({ strict: false });
    expect((await post({ data })).json()).toMatchObject({ events_received: 1001 });
  });

  it('marks a repeated event_name + event_id within 48 h as deduplicated, not after (rule 18)', async () => {
    emu = testEmulator();
    await post({ data: [validEvent()] });
    emu.clock.ms += 47 * 3600_000;
    await post({ data: [validEvent({ event_time: Math.floor(emu.clock.ms / 1000) })] });
    emu.clock.ms += 2 * 3600_000; // 49 h after the first
    await post({ data: [validEvent({ event_time: Math.floor(emu.clock.ms / 1000) })] });
    expect(emu.state.events().map((e) => e.deduplicated)).toEqual([false, true, false]);
  });

  it('keeps test_event_code events apart (rule 19)', async () => {
    emu = testEmulator();
    await post({ data: [validEvent()], test_event_code: 'TEST123' });
    expect(emu.state.events()).toHaveLength(0);
    expect(emu.state.events({ test: true })[0]).toMatchObject({ testEventCode: 'TEST123', deduplicated: false });
    await post({ data: [validEvent()] });
    expect(emu.state.events()[0]?.deduplicated).toBe(false);
    const ctl = await emu.app.inject({ method: 'GET', url: `/_emulator/events?pixel_id=${PIXEL}&test=true` });
    expect(ctl.json()).toMatchObject({ count: 1 });
  });

  it('accepts an expired version with a warning, rejects a malformed one (rule 1)', async () => {
    emu = testEmulator();
    expect((await post({ data: [validEvent()] }, { version: 'v20.0' })).statusCode).toBe(200);
    expect(emu.state.events()[0]?.warnings[0]).toContain('v20.0');
    expect((await post({ data: [validEvent()] }, { version: 'latest' })).statusCode).toBe(400);
  });

  it('allowAnyPixel accepts any numeric pixel and non-empty token', async () => {
    emu = testEmulator({ allowAnyPixel: true });
    expect((await post({ data: [validEvent()] }, { pixel: '42', token: 'whatever' })).statusCode).toBe(200);
    expect((await post({ data: [validEvent()] }, { pixel: 'abc', token: 'whatever' })).statusCode).toBe(400);
  });
});

describe('GET probes', () => {
  it('GET /{v}/{pixel}?fields=id,name returns the node; auth errors as for POST (rule 34)', async () => {
    emu = testEmulator();
    const ok = await emu.app.inject({ method: 'GET', url: `/v26.0/${PIXEL}?fields=id,name&access_token=${TOKEN}` });
    expect(ok.json()).toEqual({ id: PIXEL, name: 'Test pixel' });
    const bad = await emu.app.inject({ method: 'GET', url: `/v26.0/${PIXEL}?fields=id,name&access_token=x` });
    expect(bad.statusCode).toBe(401);
    const other = await emu.app.inject({ method: 'GET', url: `/v26.0/${OTHER_PIXEL}?fields=id&access_token=${TOKEN}` });
    expect(other.json()).toMatchObject({ error: { code: 100, error_subcode: 33 } });
  });

  it('records the version of each answered read, for tests to assert on', async () => {
    emu = testEmulator();
    await emu.app.inject({ method: 'GET', url: `/v23.0/${PIXEL}?fields=id,name&access_token=${TOKEN}` });
    await emu.app.inject({ method: 'GET', url: `/v22.0/dataset_quality?dataset_id=${PIXEL}&access_token=${TOKEN}` });
    await emu.app.inject({ method: 'GET', url: `/v26.0/${PIXEL}?fields=id&access_token=x` }); // refused: not a lookup
    expect(emu.state.lookups()).toEqual([
      { kind: 'pixel', objectId: PIXEL, version: 'v23.0', receivedAt: emu.clock.ms },
      { kind: 'dataset_quality', objectId: PIXEL, version: 'v22.0', receivedAt: emu.clock.ms },
    ]);
    expect((await emu.app.inject({ method: 'GET', url: '/_emulator/lookups' })).json().lookups).toHaveLength(2);
    emu.state.resetEvents();
    expect(emu.state.lookups()).toEqual([]);
  });

  it('dataset_quality reports coverage per event name (rule 35)', async () => {
    emu = testEmulator();
    const thin = validEvent({ event_id: 'b', user_data: { em: sha256('a@b.c') } });
    await post({ data: [validEvent(), thin] });
    const res = await emu.app.inject({ method: 'GET', url: `/v26.0/dataset_quality?dataset_id=${PIXEL}&access_token=${TOKEN}` });
    const web = res.json<{ web: { event_name: string; event_match_quality: { composite_score: number; match_key_feedback: { identifier: string; coverage: { percentage: number } }[] } }[] }>().web;
    expect(web).toHaveLength(1);
    const emq = web[0]!.event_match_quality;
    expect(emq.match_key_feedback.find((k) => k.identifier === 'em')?.coverage.percentage).toBe(100);
    expect(emq.match_key_feedback.find((k) => k.identifier === 'ph')?.coverage.percentage).toBe(50);
    expect(emq.composite_score).toBeGreaterThan(0);
    expect(emq.composite_score).toBeLessThanOrEqual(10);
  });
});

describe('real listen()', () => {
  it('serves over HTTP on port 0', async () => {
    emu = testEmulator();
    const base = await emu.listen();
    const res = await request(`${base}/v26.0/${PIXEL}/events`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ data: [validEvent()] }),
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toMatchObject({ events_received: 1 });
  });

  it('createEmulator works with defaults', async () => {
    emu = Object.assign(createEmulator({ allowAnyPixel: true }), { clock: { ms: 0 } });
    const res = await emu.app.inject({ method: 'GET', url: `/v26.0/77?access_token=t` });
    expect(res.json()).toEqual({ id: '77', name: 'Emulated pixel 77' });
  });
});

describe('transport edge cases', () => {
  it('malformed JSON → 400 code 100; oversize body → 413; unknown path → Graph error', async () => {
    emu = testEmulator();
    const bad = await emu.app.inject({
      method: 'POST', url: `/v26.0/${PIXEL}/events?access_token=${TOKEN}`, payload: '{"data":[', headers: { 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 100, type: 'OAuthException' } });
    const big = await emu.app.inject({
      method: 'POST', url: `/v26.0/${PIXEL}/events?access_token=${TOKEN}`, payload: `{"data":"${'x'.repeat(21 * 1024 * 1024)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(big.statusCode).toBe(413);
    const missing = await emu.app.inject({ method: 'POST', url: '/v26.0/1/2/3' });
    expect(missing.json()).toMatchObject({ error: { code: 2500 } });
  });

  it('GET probe accepts a trailing slash and rejects unknown fields', async () => {
    emu = testEmulator();
    const ok = await emu.app.inject({ method: 'GET', url: `/v26.0/${PIXEL}/?fields=name&access_token=${TOKEN}` });
    expect(ok.json()).toEqual({ name: 'Test pixel' });
    const bad = await emu.app.inject({ method: 'GET', url: `/v26.0/${PIXEL}?fields=id,nope&access_token=${TOKEN}` });
    expect(bad.json<{ error: { message: string } }>().error.message).toBe('(#100) Tried accessing nonexisting field (nope) on node type (AdsPixel)');
  });
});
