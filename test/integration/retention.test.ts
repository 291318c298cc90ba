import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaServerEvent } from '../../src/core/meta-event.js';
import { createDeliveryQueue } from '../../src/store/delivery-queue.js';
import { readDeliveryStates } from '../../src/store/delivery-state.js';
import { storeEvents, type EventToStore } from '../../src/store/events.js';
import { forgetCustomer, purgeBefore } from '../../src/store/retention.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import { customerKeys } from '../../src/transform/customer-keys.js';
import { sha256Hex } from '../../src/transform/hash.js';
import { dialects } from '../helpers/databases.js';
import { cli, runCli } from '../helpers/processes.js';
import { ADMIN_HEADERS as auth, cliEnv, ENCRYPTION_KEY, startTestRelay, type TestRelay } from '../helpers/relay.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 24);

function purchase(orderId: string, receivedAt: number, user: Record<string, string | string[]>): EventToStore {
  const event: MetaServerEvent = {
    event_name: 'Purchase',
    event_time: Math.floor(receivedAt / 1000),
    event_id: `purchase:${orderId}`,
    action_source: 'website',
    user_data: user,
    custom_data: { value: 10, currency: 'EUR', order_id: orderId },
  };
  return { eventName: 'Purchase', eventId: event.event_id, source: 'api', event, decisions: [] };
}

describe.each(dialects)('retention and erasure on $name', (dialect) => {
  let t: TestRelay;
  let tenantId: string;
  let otherTenantId: string;
  let pixelRowId: string;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false });
    tenantId = (await t.relay.tenants.createTenant('Store')).id;
    otherTenantId = (await t.relay.tenants.createTenant('Other store')).id;
    pixelRowId = (await t.relay.tenants.addPixel({ tenantId, pixelId: '111', accessToken: 'tok-111' })).id;
  });
  afterAll(async () => t?.close());

  const db = () => t.relay.store.db;
  const eventIds = async (tenant: string) =>
    (await db().selectFrom('events').select('event_id').where('tenant_id', '=', tenant).orderBy('event_id').execute()).map((r) => r.event_id);

  async function store(tenant: string, items: EventToStore[], at: number) {
    return storeEvents(t.relay.store, { id: tenant, forwarding: true }, items, at);
  }

  it('purges what was received before the cutoff, with its deliveries, history, clicks and orders, and keeps the rest', async () => {
    const em = [sha256Hex('old@example.com')];
    // Settle one old event as the engine would (a failure, then the send), and leave the others queued (paused pixel).
    await store(tenantId, [purchase('old-sent', NOW - 100 * DAY, { em })], NOW - 100 * DAY);
    const queue = createDeliveryQueue(t.relay.store, createSecretBox(Buffer.from(ENCRYPTION_KEY, 'base64')));
    const failed = await queue.claim(pixelRowId, 10, NOW - 100 * DAY, 60_000, 'test');
    expect(failed).toHaveLength(1);
    await queue.markRetry(failed, { reason: 'HTTP 503', nextAttemptAt: NOW - 100 * DAY + 1 }, NOW - 100 * DAY);
    await queue.markSent(await queue.claim(pixelRowId, 10, NOW - 100 * DAY + 1, 60_000, 'test'), { fbtraceId: 'AbC', eventsReceived: 1 }, NOW - 100 * DAY + 1);
    const oldSent = await db().selectFrom('events').select('id').where('event_id', '=', 'purchase:old-sent').executeTakeFirstOrThrow();
    expect((await readDeliveryStates(t.relay.store, tenantId, [oldSent.id])).get(oldSent.id)?.map((d) => d.status)).toEqual(['sent']);
    // old-queued failed once and waits for a retry that can no longer succeed (too old for Meta).
    await store(tenantId, [purchase('old-queued', NOW - 100 * DAY, { em })], NOW - 100 * DAY);
    const retrying = await queue.claim(pixelRowId, 10, NOW - 100 * DAY + 2, 60_000, 'test');
    expect(retrying).toHaveLength(1);
    await queue.markRetry(retrying, { reason: 'HTTP 503', nextAttemptAt: NOW + DAY }, NOW - 100 * DAY + 2);
    await store(tenantId, [purchase('recent-queued-40d', NOW - 40 * DAY, { em })], NOW - 40 * DAY);
    await store(tenantId, [purchase('new', NOW - DAY, { em })], NOW - DAY);
    await store(otherTenantId, [purchase('other-old', NOW - 100 * DAY, { em })], NOW - 100 * DAY);
    await db().insertInto('click_ids').values([
      { tenant_id: tenantId, fbp: 'fb.1.1.old', kind: 'fbclid', click_id: 'old', first_seen_at: NOW - 95 * DAY },
      { tenant_id: tenantId, fbp: 'fb.1.1.new', kind: 'fbclid', click_id: 'new', first_seen_at: NOW - 2 * DAY },
    ]).execute();
    await db().insertInto('order_browsers').values({ tenant_id: tenantId, order_id: 'old-sent', fbp: 'fb.1.1.old', created_at: NOW - 95 * DAY }).execute();

    const removed = await purgeBefore(t.relay.store, NOW - 30 * DAY, NOW);

    // old-queued is past Meta's 62-day window, so it can never be sent and goes too; the 40-day-old queued
    // event is older than the cutoff but still sendable (physical_store allows 62 days): kept.
    expect(await eventIds(tenantId)).toEqual(['purchase:new', 'purchase:recent-queued-40d']);
    expect(await eventIds(otherTenantId)).toEqual([]);
    // Orders go by their own age: the kept 40-day-old event's order is older than the cutoff too.
    expect(removed).toEqual({ events: 3, clickIds: 1, orderBrowsers: 1, orders: 4 });
    // The batches that carried old-sent (sent) and old-queued (waiting to retry) went with them; nothing of the
    // purged events is left in the log's tables.
    expect(await db().selectFrom('delivery_batches').select('status').where('tenant_id', '=', tenantId).execute()).toEqual([]);
    const kept = await db().selectFrom('events').select('seq').where('tenant_id', '=', tenantId).execute();
    const keptSeqs = new Set(kept.map((r) => Number(r.seq)));
    for (const table of ['delivery_exceptions', 'event_clear_fields'] as const) {
      const seqs = (await db().selectFrom(table).select('seq').where('tenant_id', '=', tenantId).execute()).map((r) => Number(r.seq));
      expect(seqs.filter((s) => !keptSeqs.has(s)), table).toEqual([]);
    }
    expect((await db().selectFrom('click_ids').select('click_id').where('tenant_id', '=', tenantId).execute()).map((r) => r.click_id)).toEqual(['new']);
    const orders = await db().selectFrom('orders').select('order_id').where('tenant_id', '=', tenantId).orderBy('order_id').execute();
    expect(orders.map((o) => o.order_id)).toEqual(['new']);
    // A second run finds nothing more.
    expect(await purgeBefore(t.relay.store, NOW - 30 * DAY, NOW)).toEqual({ events: 0, clickIds: 0, orderBrowsers: 0, orders: 0 });
  });

  it('purges more events than one page, paging on past the ones it keeps', async () => {
    const at = NOW - 45 * DAY;
    for (let b = 0; b < 3; b++) {
      const items = Array.from({ length: 700 }, (_, i) => purchase(`bulk-${b}-${i}`, at, { em: [sha256Hex(`b${b}-${i}@example.com`)] }));
      await store(otherTenantId, items, at + b);
    }
    const removed = await purgeBefore(t.relay.store, NOW - 30 * DAY, NOW);
    expect(removed.events).toBe(2100);
    expect(await eventIds(otherTenantId)).toEqual([]);
    // The shop's 40-day-old queued event (a pixel is still to send it) sits among them in time and stays.
    expect(await eventIds(tenantId)).toContain('purchase:recent-queued-40d');
  });

  it('deletes more rows than one chunk in several rounds', async () => {
    const clicks = Array.from({ length: 2500 }, (_, i) => ({ tenant_id: otherTenantId, fbp: `fb.1.1.${i}`, kind: 'gclid' as const, click_id: `g${i}`, first_seen_at: NOW - 50 * DAY + i }));
    for (let i = 0; i < clicks.length; i += 500) await db().insertInto('click_ids').values(clicks.slice(i, i + 500)).execute();
    const removed = await purgeBefore(t.relay.store, NOW - 50 * DAY + 2000, NOW);
    expect(removed.clickIds).toBe(2000);
    expect(await db().selectFrom('click_ids').select('click_id').where('tenant_id', '=', otherTenantId).execute()).toHaveLength(500);
  });

  it('forgets one customer by e-mail, phone or browser id, queued or sent, and no one else', async () => {
    const ana = { em: [sha256Hex('ana@example.com')], fbp: 'fb.1.1596403881668.1111', client_ip_address: '198.51.100.23' };
    const anaByPhone = { ph: [sha256Hex('33612345678')] };
    const bob = { em: [sha256Hex('bob@example.com')], fbp: 'fb.1.1596403881668.2222', client_ip_address: '198.51.100.42' };
    await store(tenantId, [purchase('ana-1', NOW, ana), purchase('ana-2', NOW, anaByPhone), purchase('ana-browser', NOW, { fbp: ana.fbp }), purchase('bob-1', NOW, bob)], NOW);
    await db().insertInto('click_ids').values({ tenant_id: tenantId, fbp: ana.fbp, kind: 'fbclid', click_id: 'ana-click', first_seen_at: NOW }).execute();

    const keys = customerKeys({ email: '  Ana@Example.com ', phone: '06 12 34 56 78' }, 'fr');
    if ('error' in keys) throw new Error(keys.error.message);
    const removed = await forgetCustomer(t.relay.store, tenantId, keys);

    // The e-mail matched ana-1, whose fbp then matched ana-browser; the phone (French national form) matched ana-2.
    expect(removed.events).toBe(3);
    expect(removed.clickIds).toBe(1);
    const left = await eventIds(tenantId);
    expect(left).toContain('purchase:bob-1');
    expect(left.filter((id) => id.startsWith('purchase:ana'))).toEqual([]);
    // Her IP address, kept to be sent, went with her events; Bob's is still there.
    const ips = await db().selectFrom('event_clear_fields').select('client_ip_address').where('tenant_id', '=', tenantId).execute();
    expect(ips.map((r) => r.client_ip_address)).not.toContain('198.51.100.23');
    expect(ips.map((r) => r.client_ip_address)).toContain('198.51.100.42');
  });
});

describe.each(dialects)('erasure and purge through the API, the server and the CLI on $name', (dialect) => {
  let t: TestRelay;
  let tenantId: string;
  let clock = NOW;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false, retentionDays: 30 }, () => clock);
    tenantId = (await t.relay.tenants.createTenant('Store')).id;
  });
  afterAll(async () => t?.close());

  const count = async () => (await t.relay.store.db.selectFrom('events').select('event_id').where('tenant_id', '=', tenantId).execute()).length;
  const env = () => cliEnv(t.db);

  it('POST /api/v1/tenants/{id}/forget erases the customer and audits it without their e-mail', async () => {
    await storeEvents(t.relay.store, { id: tenantId, forwarding: true }, [purchase('c-1', NOW, { em: [sha256Hex('cara@example.com')] }), purchase('d-1', NOW, { em: [sha256Hex('dan@example.com')] })], NOW);
    const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/forget`, headers: auth, payload: { email: 'Cara@Example.com' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ removed: { events: 1, clickIds: 0, orderBrowsers: 0, orders: 0 } });
    expect(await count()).toBe(1);
    const audit = await t.relay.app.inject({ url: `/api/v1/tenants/${tenantId}/audit`, headers: auth });
    expect(audit.body.toLowerCase()).not.toContain('cara@example.com');
    expect(audit.json().items[0]).toMatchObject({ action: 'POST /api/v1/tenants/:id/forget', summary: { body: { email: '(given)' } } });
  });

  it('answers 400 with a code for a request that names no one, or a value that is no e-mail', async () => {
    for (const payload of [{}, { email: 'not-an-email' }, { name: 'x' }]) {
      const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/forget`, headers: auth, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'invalid_body' } });
    }
    expect(await count()).toBe(1);
  });

  it('the server purges on schedule what is older than retentionDays', async () => {
    clock = NOW + 31 * DAY;
    await t.relay.retention.runOnce();
    expect(await count()).toBe(0);
    const metrics = (await t.relay.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/capi_relay_purged_total\{kind="events"\} 1\b/);
    clock = NOW;
  });

  it('capi-relay forget and purge do the same from the command line, and refuse bad input', async () => {
    await storeEvents(t.relay.store, { id: tenantId, forwarding: true }, [purchase('e-1', NOW, { em: [sha256Hex('eve@example.com')], fbp: 'fb.1.1.9' }), purchase('e-2', Date.now() - 60 * DAY, { fbp: 'fb.1.1.8' })], Date.now() - 60 * DAY);
    expect(JSON.parse(await cli(env(), 'forget', '--tenant', tenantId, '--fbp', 'fb.1.1.9', '--json'))).toEqual({ removed: { events: 1, clickIds: 0, orderBrowsers: 0, orders: 0 } });
    const bad = await runCli(env(), ['forget', '--tenant', tenantId, '--email', 'nope', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { field: 'email' } });
    const purged = JSON.parse(await cli(env(), 'purge', '--older-than-days', '30', '--json'));
    expect(purged).toMatchObject({ retentionDays: 30, removed: { events: 1 } });
    expect(await count()).toBe(0);
    expect((await runCli(env(), ['purge', '--older-than-days', '0'])).code).not.toBe(0);
    const tooShort = await runCli(env(), ['purge', '--older-than-days', '3']);
    expect(tooShort.code).not.toBe(0);
    expect(tooShort.stderr).toContain('at least 7');
  });
});
