import { describe, expect, it, vi } from 'vitest';
import type { ActionSource, MetaServerEvent } from '../core/meta-event.js';
import type { GraphRawResponse } from './classify.js';
import { createDeliveryEngine, type DeliveryEngineOptions, type DeliveryOutcomeEvent, type GraphSender, type LateAck } from './engine.js';
import { MemoryQueue } from '../../test/helpers/memory-queue.js';

// The engine runs here on an in-memory DeliveryQueue; the contract suite (test/contracts/delivery-queue.contract.ts)
// holds it to the same promises as the SQL store on SQLite and PostgreSQL.

interface Call {
  pixelId: string;
  token: string;
  events: MetaServerEvent[];
  testEventCode: string | undefined;
  version: string | undefined;
}

function fakeGraph(answer: (c: Call, n: number) => GraphRawResponse | Promise<GraphRawResponse>): GraphSender & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    sendEvents(pixelId, token, events, testEventCode, version) {
      // null and absent both mean the client's default version.
      const c = { pixelId, token, events: events.map((e) => JSON.parse(e) as MetaServerEvent), testEventCode, version: version ?? undefined };
      calls.push(c);
      return Promise.resolve(answer(c, calls.length));
    },
  };
}

const ok = (c: Call): GraphRawResponse => ({ status: 200, body: { events_received: c.events.length, messages: [], fbtrace_id: 'AT' } });
const T0 = Date.UTC(2026, 10, 24, 12);

function ev(id: string, ageMs = 60_000, action_source: ActionSource = 'website'): MetaServerEvent {
  return { event_name: 'Purchase', event_id: id, event_time: Math.floor((T0 - ageMs) / 1000), action_source, user_data: { em: ['a'.repeat(64)] } };
}

function setup(answer: Parameters<typeof fakeGraph>[0], extra: Partial<DeliveryEngineOptions> = {}) {
  const queue = new MemoryQueue();
  const graph = fakeGraph(answer);
  const clock = { t: T0, now: () => clock.t };
  const engine = createDeliveryEngine({ queue, graph, clock, workerId: 'w1', random: () => 0.5, ...extra });
  return { queue, graph, clock, engine };
}

describe('delivery engine', () => {
  it('sends 2500 queued events in batches of at most 1000', async () => {
    const { queue, graph, engine } = setup(ok);
    queue.addPixel('p1');
    for (let i = 0; i < 2500; i++) queue.enqueue('p1', ev(`e${i}`));
    const processed: number[] = [];
    for (let n = await engine.tick(); n > 0; n = await engine.tick()) processed.push(n);
    expect(processed).toEqual([1000, 1000, 500]);
    expect(graph.calls.map((c) => c.events.length)).toEqual([1000, 1000, 500]);
    expect(queue.byStatus('sent')).toHaveLength(2500);
    expect(graph.calls.every((c) => c.token === 'tok-p1' && c.pixelId === 'px-p1')).toBe(true);
  });

  it('isolates one poison event among 1000 by bisection', async () => {
    const metaMsg = 'Unexpected key "bogus" on param "$[\'data\'][0]"';
    const { queue, graph, engine } = setup((c) =>
      c.events.some((e) => e.event_id === 'e617')
        ? { status: 400, body: { error: { message: `Server Side Api Parameter Error: ${metaMsg}`, type: 'OAuthException', code: 100, is_transient: false, fbtrace_id: 'X' } } }
        : ok(c),
    );
    queue.addPixel('p1');
    for (let i = 0; i < 1000; i++) queue.enqueue('p1', ev(`e${i}`));
    expect(await engine.tick()).toBe(1000);
    const dead = queue.byStatus('dead');
    expect(dead.map((r) => r.payload.event_id)).toEqual(['e617']);
    expect(dead[0]?.reason).toContain(metaMsg);
    expect(queue.byStatus('sent')).toHaveLength(999);
    // 1 full request + 2 per bisection level (log2 1000 ≈ 10 levels).
    expect(graph.calls.length).toBeLessThanOrEqual(21);
  });

  it('retries a 5xx with backoff on a stepped clock, then succeeds', async () => {
    const { queue, graph, clock, engine } = setup((c, n) => (n === 1 ? { status: 503, body: '' } : ok(c)));
    queue.addPixel('p1');
    queue.enqueue('p1', ev('e1'));
    expect(await engine.tick()).toBe(1);
    const [row] = queue.rows;
    expect(row).toMatchObject({ status: 'failed', attempts: 1, nextAttemptAt: T0 + 500 }); // random 0.5 × 1 s
    clock.t += 499;
    expect(await engine.tick()).toBe(0);
    clock.t += 1;
    expect(await engine.tick()).toBe(1);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(graph.calls).toHaveLength(2);
  });

  it('backs off longer on rate limits and marks dead after maxAttempts', async () => {
    const { queue, clock, engine } = setup(() => ({ status: 400, body: { error: { message: 'Application request limit reached', code: 4 } } }), { maxAttempts: 3 });
    queue.addPixel('p1');
    queue.enqueue('p1', ev('e1'));
    await engine.tick();
    expect(queue.rows[0]).toMatchObject({ status: 'failed', nextAttemptAt: T0 + 15_000 }); // 0.5 × 30 s
    clock.t += 15_000;
    await engine.tick();
    expect(queue.rows[0]).toMatchObject({ status: 'failed', nextAttemptAt: clock.t + 30_000 });
    clock.t += 30_000;
    await engine.tick();
    expect(queue.rows[0]?.status).toBe('dead');
    expect(queue.rows[0]?.reason).toMatch(/^max_attempts: /);
  });

  it('stops sending the rest of a claim once Meta rate-limits', async () => {
    const limited: GraphRawResponse = { status: 400, body: { error: { message: 'Application request limit reached', code: 4 } } };
    const invalid: GraphRawResponse = { status: 400, body: { error: { message: 'Invalid parameter', code: 100 } } };
    const { queue, graph, engine } = setup((_c, n) => (n === 1 ? invalid : limited));
    queue.addPixel('p1', 'TEST1');
    for (let i = 0; i < 4; i++) queue.enqueue('p1', ev(`e${i}`));
    queue.enqueue('p1', ev('sim'), true);
    await engine.tick();
    // whole live batch (invalid) → first half (limited); second half and the simulated group are not sent.
    expect(graph.calls.map((c) => c.events.length)).toEqual([4, 2]);
    expect(queue.rows.every((r) => r.status === 'failed' && r.nextAttemptAt === T0 + 15_000)).toBe(true);
  });

  it('pauses the pixel on 190 and keeps its events queued', async () => {
    const { queue, graph, engine } = setup(() => ({
      status: 401,
      body: { error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190, fbtrace_id: 'A' } },
    }));
    queue.addPixel('p1', 'TEST1');
    for (let i = 0; i < 5; i++) queue.enqueue('p1', ev(`e${i}`), i === 4);
    expect(await engine.tick()).toBe(5);
    expect(queue.pixels.get('p1')).toMatchObject({ paused: true, pauseReason: expect.stringContaining('190') as unknown });
    expect(queue.byStatus('queued')).toHaveLength(5);
    expect(queue.rows.every((r) => r.attempts === 0)).toBe(true);
    expect(graph.calls).toHaveLength(1); // the simulated group is released, not sent
    expect(await engine.tick()).toBe(0);
  });

  it("drops events older than Meta's window at send time", async () => {
    const day = 86_400_000;
    const { queue, graph, engine } = setup(ok);
    queue.addPixel('p1');
    queue.enqueue('p1', ev('old', 8 * day));
    queue.enqueue('p1', ev('fresh', day));
    queue.enqueue('p1', ev('store', 30 * day, 'physical_store'));
    queue.enqueue('p1', ev('old-store', 63 * day, 'physical_store'));
    await engine.tick();
    expect(queue.byStatus('dropped').map((r) => [r.payload.event_id, r.reason])).toEqual([
      ['old', 'event_too_old'],
      ['old-store', 'event_too_old'],
    ]);
    expect(graph.calls.flatMap((c) => c.events.map((e) => e.event_id))).toEqual(['fresh', 'store']);
  });

  it('sends test_event_code only with simulated events, in their own request', async () => {
    const { queue, graph, engine } = setup(ok);
    queue.addPixel('p1', 'TEST1');
    queue.addPixel('p2', null);
    queue.enqueue('p1', ev('live1'));
    queue.enqueue('p1', ev('sim1'), true);
    queue.enqueue('p1', ev('live2'));
    queue.enqueue('p2', ev('sim-no-code'), true);
    await engine.tick();
    const byCode = graph.calls.map((c) => [c.testEventCode, c.events.map((e) => e.event_id)]);
    expect(byCode).toEqual([
      [undefined, ['live1', 'live2']],
      ['TEST1', ['sim1']],
    ]);
    // Without a test code a simulated event would count as a real conversion, so it is never sent.
    expect(queue.rows.find((r) => r.payload.event_id === 'sim-no-code')).toMatchObject({ status: 'dropped', reason: 'no_test_event_code' });
  });

  it("sends a simulated event with its own Test Event Code (a Graph-compatible request's), one request per code", async () => {
    const { queue, graph, engine } = setup(ok);
    queue.addPixel('p1', 'PIXEL1');
    queue.addPixel('p2', null);
    queue.enqueue('p1', ev('own-a'), true, 0, 'REQ1');
    queue.enqueue('p1', ev('pixel-code'), true);
    queue.enqueue('p1', ev('own-b'), true, 0, 'REQ1');
    queue.enqueue('p2', ev('own-on-codeless-pixel'), true, 0, 'REQ2');
    await engine.tick();
    const byCode = graph.calls.map((c) => [c.testEventCode, c.events.map((e) => e.event_id)]).sort();
    expect(byCode).toEqual([['PIXEL1', ['pixel-code']], ['REQ1', ['own-a', 'own-b']], ['REQ2', ['own-on-codeless-pixel']]]);
  });

  it("sends with the pixel's own Graph API version, bisection included, and the default for the others", async () => {
    const { queue, graph, engine } = setup((c) =>
      c.events.some((e) => e.event_id === 'poison') ? { status: 400, body: { error: { message: 'Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: 'X' } } } : ok(c),
    );
    queue.addPixel('own', 'TEST1', 'v23.0');
    queue.addPixel('default');
    for (const id of ['a', 'poison', 'b', 'c']) queue.enqueue('own', ev(id));
    queue.enqueue('own', ev('sim'), true);
    queue.enqueue('default', ev('d'));
    await engine.tick();
    const own = graph.calls.filter((c) => c.pixelId === 'px-own');
    expect(own.length).toBeGreaterThan(2); // the batch, its halves, and the simulated request
    expect(own.every((c) => c.version === 'v23.0')).toBe(true);
    expect(graph.calls.filter((c) => c.pixelId === 'px-default').map((c) => c.version)).toEqual([undefined]);
    expect(queue.byStatus('dead').map((r) => r.payload.event_id)).toEqual(['poison']);
  });

  it('keeps delivering for one pixel while another fails', async () => {
    const { queue, engine } = setup((c) => (c.pixelId === 'px-bad' ? { status: 500, body: '' } : ok(c)));
    queue.addPixel('bad');
    queue.addPixel('good');
    queue.enqueue('bad', ev('b1'));
    queue.enqueue('good', ev('g1'));
    await engine.tick();
    expect(queue.rows.map((r) => [r.payload.event_id, r.status])).toEqual([
      ['b1', 'failed'],
      ['g1', 'sent'],
    ]);
  });

  it('does not let a hung pixel hold back another one in the running loop', async () => {
    let releaseHung: (r: GraphRawResponse) => void = () => {};
    const hung = new Promise<GraphRawResponse>((resolve) => (releaseHung = resolve));
    const { queue, engine } = setup((c) => (c.pixelId === 'px-slow' ? hung : ok(c)), { pollIntervalMs: 5, lingerMs: 0 });
    queue.addPixel('slow');
    queue.addPixel('fast');
    queue.enqueue('slow', ev('s1'));
    engine.start();
    await vi.waitFor(() => expect(queue.rows[0]?.status).toBe('sending'));
    queue.enqueue('fast', ev('f1'));
    await vi.waitFor(() => expect(queue.rows[1]?.status).toBe('sent'));
    expect(queue.rows[0]?.status).toBe('sending');
    releaseHung({ status: 200, body: { events_received: 1 } });
    await engine.stop();
    expect(queue.rows[0]?.status).toBe('sent');
  });

  it('a late ack (the lease lapsed, another worker took the rows) is counted and logged, and changes nothing', async () => {
    let answer: (r: GraphRawResponse) => void = () => {};
    const slowMeta = new Promise<GraphRawResponse>((resolve) => (answer = resolve));
    const warnings: object[] = [];
    const late: LateAck[] = [];
    const outcomes: DeliveryOutcomeEvent[] = [];
    const logger = { info() {}, error() {}, warn: (o: object) => warnings.push(o) };
    const { queue, clock, engine } = setup(() => slowMeta, { leaseMs: 1000, logger, onLateAck: (e) => late.push(e), onOutcome: (e) => outcomes.push(e) });
    queue.addPixel('p1');
    const [d1, d2] = [queue.enqueue('p1', ev('e1')), queue.enqueue('p1', ev('e2'))];
    const tick = engine.tick();
    await vi.waitFor(() => expect(queue.byStatus('sending')).toHaveLength(2));
    // Meta is slow, the lease lapses, and another worker takes one of the two rows over.
    clock.t += 1001;
    const taken = await queue.claim('p1', 1, clock.t, 60_000, 'w2');
    expect(taken.map((d) => d.deliveryId)).toEqual([d1]);
    answer({ status: 200, body: { events_received: 2, fbtrace_id: 'AT' } });
    expect(await tick).toBe(2);
    expect(late).toEqual([{ pixelRowId: 'p1', action: 'sent', count: 1 }]);
    expect(warnings).toEqual([expect.objectContaining({ pixelRowId: 'p1', action: 'sent', count: 1 })]);
    // Counts and ids only: nothing of the event (its id, its customer) goes into the log.
    expect(JSON.stringify(warnings)).not.toMatch(/e1|e2|a{64}/);
    expect(outcomes.map((o) => [o.outcome.kind, o.deliveryIds])).toEqual([['success', [d2]]]);
    expect(queue.rows.map((r) => [r.deliveryId, r.status, r.attempts])).toEqual([
      [d1, 'sending', 0],
      [d2, 'sent', 1],
    ]);
    expect(queue.rows[0]?.lease).toBe(taken[0]?.lease);
  });

  it('renews the lease of a batch in flight: a live worker keeps it past its first lease, and it is sent once', async () => {
    let answer: (r: GraphRawResponse) => void = () => {};
    const slowMeta = new Promise<GraphRawResponse>((resolve) => (answer = resolve));
    const { queue, clock, engine } = setup(() => slowMeta, { leaseMs: 1000, heartbeatMs: 5 });
    queue.addPixel('p1');
    queue.enqueue('p1', ev('e1'), false, T0);
    const tick = engine.tick();
    await vi.waitFor(() => expect(queue.byStatus('sending')).toHaveLength(1));
    clock.t += 900;
    await vi.waitFor(() => expect(queue.rows[0]?.leaseUntil).toBe(clock.t + 1000));
    // Past the lease the claim was made with, inside the renewed one: nobody else may take the row.
    clock.t += 200;
    expect(await queue.claim('p1', 10, clock.t, 60_000, 'w2')).toEqual([]);
    answer({ status: 200, body: { events_received: 1, fbtrace_id: 'AT' } });
    expect(await tick).toBe(1);
    expect(queue.rows.map((r) => [r.status, r.attempts])).toEqual([['sent', 1]]);
  });

  it('tries again to record a batch Meta accepted when the store fails (a database blink), instead of sending it twice', async () => {
    vi.useFakeTimers();
    try {
      const warnings: string[] = [];
      const { queue, graph, engine } = setup(ok, { logger: { info() {}, warn: (_o: unknown, msg: string) => void warnings.push(msg), error() {} } });
      queue.addPixel('p1');
      for (let i = 0; i < 3; i++) queue.enqueue('p1', ev(`blink${i}`));
      const markSent = queue.markSent.bind(queue);
      let failures = 2;
      queue.markSent = (held, info) => (failures-- > 0 ? Promise.reject(new Error('Connection terminated unexpectedly')) : markSent(held, info));
      const first = engine.tick();
      await vi.advanceTimersByTimeAsync(2_000);
      expect(await first).toBe(3);
      expect(graph.calls).toHaveLength(1);
      expect(queue.byStatus('sent')).toHaveLength(3);
      expect(warnings.filter((w) => w.startsWith('recording a sent batch failed'))).toHaveLength(2);
      // A store that stays down: after the last try the batch is left claimed (its lease lapses, then it goes again).
      queue.enqueue('p1', ev('down'));
      queue.markSent = () => Promise.reject(new Error('Connection terminated unexpectedly'));
      const second = engine.tick();
      await vi.advanceTimersByTimeAsync(6_000);
      expect(await second).toBe(0);
      expect(graph.calls).toHaveLength(2);
      expect(queue.byStatus('sent')).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('wake() sends new work without waiting for the poll interval', async () => {
    const { queue, engine } = setup(ok, { pollIntervalMs: 60_000, lingerMs: 1 });
    queue.addPixel('p1');
    engine.start();
    await new Promise((r) => setImmediate(r));
    queue.enqueue('p1', ev('e1'));
    engine.wake();
    await vi.waitFor(() => expect(queue.rows[0]?.status).toBe('sent'), { timeout: 2000 });
    await engine.stop();
  });

  it('keeps its loop alive while the store is down, backing off and logging once each way', async () => {
    const logs: string[] = [];
    const logger = { info: (_o: object, msg: string) => logs.push(`info ${msg}`), warn: () => {}, error: (_o: object, msg: string) => logs.push(`error ${msg}`) };
    const { queue, engine } = setup(ok, { pollIntervalMs: 5, lingerMs: 0, logger });
    queue.addPixel('p1');
    queue.enqueue('p1', ev('e1'));
    const scans: number[] = [];
    const real = queue.duePixels.bind(queue);
    // The database is unreachable for the first four scans.
    queue.duePixels = (now: number) => (scans.push(Date.now()), scans.length <= 4 ? Promise.reject(new Error('Connection terminated unexpectedly')) : real(now));
    engine.start();
    await vi.waitFor(() => expect(queue.rows[0]?.status).toBe('sent'), { timeout: 3000 });
    await engine.stop();
    expect(logs).toEqual(['error scanning due pixels failed; backing off until the store answers', 'info scanning due pixels works again']);
    // 10, 20, 40, 80 ms between failed scans: longer each time, not the 5 ms poll.
    const gaps = scans.slice(1, 5).map((t, i) => t - (scans[i] as number));
    expect(gaps[3]).toBeGreaterThanOrEqual(60);
  });
});
