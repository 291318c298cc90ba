/**
 * A relay whose lease lapsed while Meta held its request: another worker has the rows by the time the answer
 * comes, so the relay's ack is late. It changes nothing, and it is counted and logged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeliveryQueue } from '../../src/store/delivery-queue.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { ENCRYPTION_KEY, startTestRelay, type TestRelay } from '../helpers/relay.js';

const PIXEL = '444444444444';
// Long in real time: the engine's heartbeat (every third of it) must not renew the lease while the test,
// which moves the clock past it, lets another worker take the row over.
const LEASE_MS = 600_000;

describe.each(dialects)('late acks on $name', (dialect) => {
  let t: TestRelay | undefined;
  let closeEmulator: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await t?.close();
    await closeEmulator?.();
  });

  it('an answer that comes after another worker took the rows over changes nothing, and is counted and logged', async () => {
    const clock = steppedClock();
    // Meta holds the request (a timeout fault) until the emulator closes, then answers 503.
    const { emulator, graphUrl } = await startEmulator({ now: clock.now, timeoutHoldMs: 60_000, pixels: { [PIXEL]: { name: 'Shop', tokens: ['tok'] } } });
    let open = true;
    closeEmulator = async () => {
      if (open) await emulator.close();
      open = false;
    };
    t = await startTestRelay(dialect, { graphUrl, deliveryLeaseMs: LEASE_MS }, clock.now);
    const relay = t.relay;
    const tenant = await relay.tenants.createTenant('Store');
    const pixel = (await relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'tok' })).id;
    const res = await relay.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${tenant.ingestKey}` },
      payload: { event: 'generate_lead', event_id: 'l-1', timestamp: Math.floor(clock.now() / 1000), url: 'https://shop.example/', user: { email: 'a@example.com' } },
    });
    expect(res.statusCode).toBe(202);

    emulator.state.setFaults({ timeout: 1 });
    const tick = relay.engine!.tick();
    await vi.waitFor(() => expect(emulator.state.faults().timeout).toBe(0), { timeout: 10_000 });
    // The lease lapses while Meta holds the request; another worker (another node) takes the row over.
    clock.advance(LEASE_MS + 1);
    const other = createDeliveryQueue(relay.store, createSecretBox(Buffer.from(ENCRYPTION_KEY, 'base64')));
    const taken = await other.claim(pixel, 10, clock.now(), 60_000, 'other-node');
    expect(taken).toHaveLength(1);
    await closeEmulator(); // releases the held request: 503, a retry the relay may no longer record
    expect(await tick).toBe(1);

    const row = await relay.store.db.selectFrom('delivery_batches').select(['status', 'attempts', 'lease_owner']).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'sending', attempts: 0, lease_owner: taken[0]?.lease });
    expect(await relay.store.db.selectFrom('delivery_exceptions').select('seq').execute()).toEqual([]);
    const metrics = await relay.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/capi_relay_late_acks_total\{action="retry"\} 1\b/);
    const warnings = t.logs.filter((l) => l.includes('late ack'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, pixelRowId: pixel, action: 'retry', count: 1 });
    expect(warnings[0]).not.toMatch(/a@example\.com|l-1/);
    // The holder settles it.
    expect(await other.markSent(taken, { fbtraceId: 'AbC', eventsReceived: 1 }, clock.now())).toEqual({ settled: 1, late: [] });
  });
});
