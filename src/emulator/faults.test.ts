import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { PIXEL, TOKEN, testEmulator, validEvent } from './test-helpers.js';

type Emu = ReturnType<typeof testEmulator>;
let emu: Emu;
afterEach(async () => { await emu.close(); });

const post = (token = TOKEN) =>
  emu.app.inject({ method: 'POST', url: `/v26.0/${PIXEL}/events?access_token=${token}`, payload: { data: [validEvent()] } });
const errorOf = (res: { json: <T>() => T }) => res.json<{ error: Record<string, unknown> }>().error;

describe('fault injection (rules 31–32)', () => {
  it('status5xx fails the next N requests with 500 code 1 / 503 code 2, transient, nothing recorded', async () => {
    emu = testEmulator();
    const armed = await emu.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { status5xx: 2 } });
    expect(armed.json()).toMatchObject({ status5xx: 2 });
    const r1 = await post();
    const r2 = await post();
    expect([r1.statusCode, r2.statusCode]).toEqual([500, 503]);
    expect(errorOf(r1)).toMatchObject({ code: 1, message: 'An unknown error occurred', is_transient: true });
    expect(errorOf(r2)).toMatchObject({ code: 2, is_transient: true });
    expect((await post()).statusCode).toBe(200);
    expect(emu.state.events()).toHaveLength(1);
    const rej = await emu.app.inject({ method: 'GET', url: '/_emulator/rejections' });
    expect(rej.json()).toMatchObject({ rejections: [{ status: 500, error: { code: 1 } }, { status: 503, error: { code: 2 } }] });
  });

  it('status5xx can pin the status', async () => {
    emu = testEmulator();
    emu.state.setFaults({ status5xx: { count: 2, status: 503 } });
    expect([(await post()).statusCode, (await post()).statusCode]).toEqual([503, 503]);
  });

  it.each([
    [4, undefined, 'Application request limit reached'],
    [17, 2446079, 'User request limit reached'],
    [613, 1487742, 'There have been too many calls from this ad-account. Please wait a bit and try again.'],
    [32, undefined, 'Page request limit reached'],
  ] as const)('rate limit code %s → 400 with subcode %s, transient', async (code, subcode, message) => {
    emu = testEmulator();
    emu.state.setFaults({ rateLimit: { code, count: 1 } });
    const res = await post();
    expect(res.statusCode).toBe(400);
    const err = errorOf(res);
    expect(err).toMatchObject({ code, message, is_transient: true, type: 'OAuthException' });
    expect(err.error_subcode).toBe(subcode);
    expect((await post()).statusCode).toBe(200);
  });

  it('expireToken → 190/463 "Session has expired" on every later use, cleared by DELETE', async () => {
    emu = testEmulator();
    await emu.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { expireToken: TOKEN } });
    const res = await post();
    expect(res.statusCode).toBe(401);
    const err = errorOf(res);
    expect(err).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
    expect(String(err.message)).toMatch(/^Error validating access token: Session has expired on /);
    const probe = await emu.app.inject({ method: 'GET', url: `/v26.0/${PIXEL}?access_token=${TOKEN}` });
    expect(errorOf(probe)).toMatchObject({ error_subcode: 463 });
    await emu.app.inject({ method: 'DELETE', url: '/_emulator/faults' });
    expect((await post()).statusCode).toBe(200);
  });

  it('latencyMs delays answers', async () => {
    emu = testEmulator();
    emu.state.setFaults({ latencyMs: 120 });
    const t0 = performance.now();
    expect((await post()).statusCode).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('failProbability uses the injected random source', async () => {
    emu = testEmulator({ random: () => 0.1 });
    emu.state.setFaults({ failProbability: 0.5 });
    expect((await post()).statusCode).toBe(500);
    emu.state.setFaults({ failProbability: 0.05 });
    expect((await post()).statusCode).toBe(200);
  });

  it('timeout holds the request past the client timeout; close() releases it', async () => {
    emu = testEmulator();
    const base = await emu.listen();
    emu.state.setFaults({ timeout: { count: 1 } });
    await expect(
      request(`${base}/v26.0/${PIXEL}/events?access_token=${TOKEN}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [validEvent()] }),
        headersTimeout: 300,
      }),
    ).rejects.toThrow(/timeout/i);
    expect(emu.state.events()).toHaveLength(0);
    const t0 = performance.now();
    await emu.close();
    expect(performance.now() - t0).toBeLessThan(5000);
    emu = testEmulator(); // afterEach closes this one
  });

  it('rejects malformed fault bodies', async () => {
    emu = testEmulator();
    const res = await emu.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { rateLimit: { code: 5, count: 1 } } });
    expect(res.statusCode).toBe(400);
  });
});

describe('control API', () => {
  it('registers pixels, lists and resets events', async () => {
    emu = testEmulator();
    const reg = await emu.app.inject({ method: 'POST', url: '/_emulator/pixels', payload: { id: '42', name: 'New', tokens: ['tok42'] } });
    expect(reg.statusCode).toBe(200);
    const res = await emu.app.inject({ method: 'POST', url: '/v25.0/42/events', headers: { authorization: 'Bearer tok42' }, payload: { data: [validEvent()] } });
    expect(res.statusCode).toBe(200);
    const list = await emu.app.inject({ method: 'GET', url: '/_emulator/events?pixel_id=42' });
    expect(list.json()).toMatchObject({ count: 1, events: [{ pixelId: '42', version: 'v25.0' }] });
    await emu.app.inject({ method: 'DELETE', url: '/_emulator/events' });
    expect(emu.state.events()).toHaveLength(0);
  });
});
