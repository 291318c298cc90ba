import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryQueue } from '../../src/store/delivery-queue.js';
import { storeEvents, type EventToStore } from '../../src/store/events.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, ENCRYPTION_KEY, startTestRelay, type TestRelay } from '../helpers/relay.js';

describe.each(dialects)('operations endpoints on $name', (dialect) => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay(dialect);
  });
  afterAll(async () => t?.close());

  it('answers health, readiness and metrics', async () => {
    expect((await t.relay.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.relay.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().database).toBe(dialect.name);
    const metrics = await t.relay.app.inject('/metrics');
    expect(metrics.body).toContain('capi_relay_events_ingested_total');
    expect(metrics.body).toContain('capi_relay_deliveries_queued');
  });

  it('reports the backlog: deliveries waiting, dead ones, and how long the oldest has waited', async () => {
    const tenantId = (await t.relay.tenants.createTenant('Backlog')).id;
    const pixel = (await t.relay.tenants.addPixel({ tenantId, pixelId: '4440001', accessToken: 'tok-backlog' })).id;
    const lead = (id: string, at: number): EventToStore => {
      const event = { event_name: 'Lead', event_time: Math.floor(at / 1000), event_id: id, action_source: 'website' as const, user_data: { em: ['a'.repeat(64)] } };
      return { eventName: 'Lead', eventId: id, source: 'api', event, decisions: [] };
    };
    const now = Date.now();
    await storeEvents(t.relay.store, { id: tenantId, forwarding: true }, [lead('b-1', now - 3_600_000)], now - 3_600_000);
    const queue = createDeliveryQueue(t.relay.store, createSecretBox(Buffer.from(ENCRYPTION_KEY, 'base64')));
    await queue.markDead(await queue.claim(pixel, 10, now - 3_600_000, 60_000, 'test'), { reason: 'Meta said no' }, now - 3_600_000);
    await storeEvents(t.relay.store, { id: tenantId, forwarding: true }, [lead('b-2', now - 90_000)], now - 90_000);
    const body = (await t.relay.app.inject('/metrics')).body;
    expect(body).toMatch(/^capi_relay_deliveries_queued 1$/m);
    expect(body).toMatch(/^capi_relay_deliveries_dead 1$/m);
    const age = Number(/^capi_relay_oldest_queued_age_seconds (\S+)$/m.exec(body)?.[1]);
    // The dead delivery waits for a replay, not for the queue: the oldest queued one is b-2, 90 s old.
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(3600);
  });

  it('guards the admin API with the admin token', async () => {
    expect((await t.relay.app.inject('/api/v1/tenants')).statusCode).toBe(401);
    expect((await t.relay.app.inject({ url: '/api/v1/tenants', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).statusCode).toBe(401);
    const ok = await t.relay.app.inject({ url: '/api/v1/tenants', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.statusCode).toBe(200);
  });

  it('validates admin input and answers unknown ids with 404', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const bad = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload: { name: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_body');
    const missing = await t.relay.app.inject({ url: '/api/v1/tenants/nope', headers: admin });
    expect(missing.statusCode).toBe(404);
    const tenant = (await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload: { name: 'S' } })).json();
    const badPixel = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/pixels`, headers: admin, payload: { pixelId: 'abc', accessToken: 'x'.repeat(20) } });
    expect(badPixel.json().error.code).toBe('invalid_body');
  });

  it('rotates keys: the old ingest key stops working', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const tenant = (await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload: { name: 'Rotating' } })).json();
    const rotated = (await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/keys/ingest/rotate`, headers: admin })).json();
    const old = await t.relay.app.inject({ url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` } });
    expect(old.statusCode).toBe(401);
    const fresh = await t.relay.app.inject({ url: '/v1/events', headers: { authorization: `Bearer ${rotated.key}` } });
    expect(fresh.statusCode).toBe(200);
  });
});
