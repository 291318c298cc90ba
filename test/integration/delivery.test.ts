import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';
import { deliveryStates } from '../../src/store/delivery-state.js';

const PIXEL_A = '111111111111';
const PIXEL_B = '222222222222';

function event(i: number, overrides: Record<string, unknown> = {}) {
  return {
    event: 'purchase',
    event_id: `e-${i}`,
    timestamp: Math.floor(Date.now() / 1000) - 30,
    url: 'https://shop.example.com/thanks',
    value: 10 + i,
    currency: 'USD',
    order_id: `o-${i}`,
    user: { email: `buyer${i}@example.com`, ip: '203.0.113.9', user_agent: 'Mozilla/5.0', fbp: 'fb.1.1596403881668.1116446470' },
    ...overrides,
  };
}

describe.each(dialects)('delivery to the emulator on $name', (dialect) => {
  const clock = steppedClock();
  let emulator: Emulator;
  let graphUrl: string;
  let t: TestRelay;
  let tenant: { id: string; ingestKey: string };
  let pixelA: string;

  beforeAll(async () => {
    ({ emulator, graphUrl } = await startEmulator({ now: clock.now, pixels: { [PIXEL_A]: { name: 'Primary', tokens: ['tok-A'] }, [PIXEL_B]: { name: 'Secondary', tokens: ['tok-B'] } } }));
  });
  afterAll(async () => emulator?.close());

  beforeEach(async () => {
    clock.set(Date.now());
    emulator.state.resetEvents();
    emulator.state.clearFaults();
    t = await startTestRelay(dialect, { graphUrl, graphVersion: 'v24.0' }, clock.now);
    tenant = await t.relay.tenants.createTenant('Store');
    pixelA = (await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL_A, accessToken: 'tok-A' })).id;
  });
  afterEach(async () => t?.close());

  async function ingest(events: unknown[]) {
    for (let i = 0; i < events.length; i += 1000) {
      const res = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` }, payload: { events: events.slice(i, i + 1000) } });
      expect(res.statusCode).toBe(202);
      expect(res.json().results.every((r: { status: string }) => r.status === 'accepted')).toBe(true);
    }
  }

  /** Unsettled deliveries of pixels that are not paused (a paused pixel's events wait on purpose). */
  async function pending(): Promise<number> {
    const active = new Set((await t.relay.store.db.selectFrom('pixels').select('id').where('status', '=', 'active').execute()).map((p) => p.id));
    return (await deliveries()).filter((d) => active.has(d.pixelRowId) && ['queued', 'failed', 'sending'].includes(d.status)).length;
  }

  const deliveries = () => deliveryStates(t.relay.store.db, tenant.id);

  /** Runs delivery passes, stepping the clock past backoff delays, until nothing is due or only paused work is left. */
  async function drain(maxRounds = 200) {
    const engine = t.relay.engine;
    if (!engine) throw new Error('delivery is off');
    for (let round = 0; round < maxRounds; round++) {
      const n = await engine.tick();
      if (n === 0) {
        if ((await pending()) === 0) return;
        clock.advance(16 * 60 * 1000);
      }
    }
    throw new Error('delivery did not settle');
  }

  async function statuses() {
    const rows = await deliveries();
    const count: Record<string, number> = {};
    for (const r of rows) count[r.status] = (count[r.status] ?? 0) + 1;
    return count;
  }

  it('delivers 10,000 events in batches of at most 1000, each once', async () => {
    await ingest(Array.from({ length: 10_000 }, (_, i) => event(i)));
    await drain();
    const received = emulator.state.events({ pixelId: PIXEL_A });
    expect(received).toHaveLength(10_000);
    expect(new Set(received.map((r) => r.event.event_id)).size).toBe(10_000);
    const perRequest = new Map<string, number>();
    for (const r of received) perRequest.set(r.fbtraceId, (perRequest.get(r.fbtraceId) ?? 0) + 1);
    expect(Math.max(...perRequest.values())).toBeLessThanOrEqual(1000);
    expect(perRequest.size).toBeGreaterThanOrEqual(10);
    expect(await statuses()).toEqual({ sent: 10_000 });
    // Each delivery keeps Meta's answer to its request: the fbtrace_id and that request's events_received.
    const sent = await deliveries();
    for (const d of sent) expect(d.eventsReceived).toBe(perRequest.get(d.fbtraceId ?? ''));
    // One batch record per Graph request, not a row per event.
    expect(await t.relay.store.db.selectFrom('delivery_batches').select('fbtrace_id').where('status', '=', 'sent').execute()).toHaveLength(perRequest.size);
    // IP and user agent are erased once delivered.
    expect(await t.relay.store.db.selectFrom('event_clear_fields').select('seq').execute()).toHaveLength(0);
  });

  it('isolates one poison event in a batch of 1000: it ends dead with Meta’s message, 999 are sent', async () => {
    await ingest(Array.from({ length: 1000 }, (_, i) => event(i)));
    const victim = await t.relay.store.db.selectFrom('events').select(['id', 'payload']).where('event_id', '=', 'e-500').executeTakeFirstOrThrow();
    const poisoned = { ...JSON.parse(victim.payload), advertiser_tracking_enabled: true };
    await t.relay.store.db.updateTable('events').set({ payload: JSON.stringify(poisoned) }).where('id', '=', victim.id).execute();
    await drain();
    expect(await statuses()).toEqual({ sent: 999, dead: 1 });
    const dead = (await deliveries()).find((d) => d.status === 'dead');
    expect(dead?.eventRowId).toBe(victim.id);
    expect(dead?.lastError).toContain('Unexpected key "advertiser_tracking_enabled"');
    expect(emulator.state.events({ pixelId: PIXEL_A })).toHaveLength(999);
  });

  it('rides out a 5xx and rate-limit storm with backoff; every event is sent once', async () => {
    emulator.state.setFaults({ status5xx: 4, rateLimit: { code: 17, count: 3 } });
    await ingest(Array.from({ length: 2500 }, (_, i) => event(i)));
    await drain();
    const received = emulator.state.events({ pixelId: PIXEL_A });
    expect(new Set(received.map((r) => r.event.event_id)).size).toBe(2500);
    expect(received.filter((r) => !r.deduplicated)).toHaveLength(2500);
    expect(await statuses()).toEqual({ sent: 2500 });
    // Failed requests were retried as whole batches: a batch claimed more than once, its attempts counted.
    const retried = await t.relay.store.db.selectFrom('delivery_batches').select(['attempts', 'claims']).where('claims', '>', 1).execute();
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((b) => b.attempts > 1)).toBe(true);
  });

  it('pauses the pixel on 190 without losing events, and resumes after pixels rotate', async () => {
    emulator.state.setFaults({ expireToken: 'tok-A' });
    await ingest(Array.from({ length: 300 }, (_, i) => event(i)));
    await drain();
    const paused = await t.relay.tenants.getPixel(pixelA);
    expect(paused.status).toBe('paused');
    expect(paused.pauseReason).toMatch(/190|expired/i);
    expect(await statuses()).toEqual({ queued: 300 });
    emulator.state.addPixel({ id: PIXEL_A, name: 'Primary', tokens: ['tok-A', 'tok-A2'] });
    await t.relay.tenants.rotatePixelToken(pixelA, 'tok-A2');
    await drain();
    expect(await statuses()).toEqual({ sent: 300 });
    expect(emulator.state.events({ pixelId: PIXEL_A })).toHaveLength(300);
  });

  it('delivers to two pixels independently: one failing does not hold back the other', async () => {
    const pixelB = (await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL_B, accessToken: 'tok-B' })).id;
    emulator.state.setFaults({ expireToken: 'tok-B' });
    await ingest(Array.from({ length: 1200 }, (_, i) => event(i)));
    await drain();
    expect(emulator.state.events({ pixelId: PIXEL_A })).toHaveLength(1200);
    expect(emulator.state.events({ pixelId: PIXEL_B })).toHaveLength(0);
    expect((await t.relay.tenants.getPixel(pixelB)).status).toBe('paused');
    const byPixel = await deliveries();
    expect(byPixel.filter((d) => d.pixelRowId === pixelA).map((d) => d.status)).toEqual(Array(1200).fill('sent'));
    expect(byPixel.filter((d) => d.pixelRowId === pixelB).map((d) => d.status)).toEqual(Array(1200).fill('queued'));
  });

  it('drops an event that aged past Meta’s window before it could be sent', async () => {
    await t.relay.tenants.setPixelStatus(pixelA, 'disabled');
    await t.relay.tenants.setPixelStatus(pixelA, 'active');
    emulator.state.setFaults({ expireToken: 'tok-A' });
    await ingest([event(1)]);
    await drain();
    clock.advance(8 * 24 * 60 * 60 * 1000);
    emulator.state.addPixel({ id: PIXEL_A, name: 'Primary', tokens: ['tok-A3'] });
    await t.relay.tenants.rotatePixelToken(pixelA, 'tok-A3');
    await drain();
    expect(await statuses()).toEqual({ dropped: 1 });
    expect(emulator.state.events({ pixelId: PIXEL_A })).toHaveLength(0);
    const [d] = await deliveries();
    expect(d?.lastError).toMatch(/event_too_old/);
  });
});
