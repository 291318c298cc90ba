import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaServerEvent } from '../../src/core/meta-event.js';
import { writeGroup } from '../../src/ingest/group-writes.js';
import { storeEvents, type EventToStore } from '../../src/store/events.js';
import { dialects } from '../helpers/databases.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';

function purchase(eventId: string, source: string, value: number, fbp?: string): EventToStore {
  const event: MetaServerEvent = {
    event_name: 'Purchase',
    event_time: 1_700_000_000,
    event_id: eventId,
    action_source: 'website',
    event_source_url: 'https://shop.example.com/thanks',
    user_data: { em: ['a'.repeat(64)], ...(fbp ? { fbp } : {}), client_ip_address: '203.0.113.7' },
    custom_data: { value, currency: 'eur', order_id: eventId.replace('purchase:', '') },
  };
  return { eventName: 'Purchase', eventId, source, event, decisions: [] };
}

describe.each(dialects)('channels and orders on $name', (dialect) => {
  let t: TestRelay;
  let tenantId: string;
  const now = 1_700_000_100_000;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false });
    tenantId = (await t.relay.tenants.createTenant('Store')).id;
  });
  afterAll(async () => t?.close());

  async function row(eventId: string) {
    return t.relay.store.db.selectFrom('events').select(['channels', 'fbp', 'source', 'had_client_ip', 'had_user_agent']).where('tenant_id', '=', tenantId).where('event_id', '=', eventId).executeTakeFirstOrThrow();
  }

  it('records each channel that reported one event, once, in order of arrival', async () => {
    const tenant = { id: tenantId, forwarding: true };
    expect(await storeEvents(t.relay.store, tenant, [purchase('purchase:1001', 'browser', 99, 'fb.1.1596403881668.1116446470')], now)).toMatchObject([{ status: 'accepted' }]);
    expect(await storeEvents(t.relay.store, tenant, [purchase('purchase:1001', 'webhook:shopify', 100)], now)).toEqual([{ status: 'duplicate' }]);
    expect(await storeEvents(t.relay.store, tenant, [purchase('purchase:1001', 'webhook:shopify', 100)], now)).toEqual([{ status: 'duplicate' }]);
    const stored = await row('purchase:1001');
    expect(JSON.parse(stored.channels)).toEqual(['browser', 'webhook:shopify']);
    expect(stored.source).toBe('browser');
    expect(stored.fbp).toBe('fb.1.1596403881668.1116446470');
    // Whether IP and user agent were sent outlives their erasure (match quality counts them).
    expect([stored.had_client_ip, stored.had_user_agent]).toEqual([1, 0]);
  });

  it('keeps the order as the first server-side Purchase reported it, not the browser copy', async () => {
    const orders = await t.relay.store.db.selectFrom('orders').selectAll().where('tenant_id', '=', tenantId).execute();
    expect(orders).toEqual([{ tenant_id: tenantId, order_id: '1001', total: 100, currency: 'EUR', source: 'webhook:shopify', created_at: now }]);
  });

  it('records no order for a browser-only or simulated Purchase', async () => {
    const tenant = { id: tenantId, forwarding: true };
    await storeEvents(t.relay.store, tenant, [purchase('purchase:2002', 'browser', 10), { ...purchase('purchase:3003', 'api', 10), simulated: true }], now);
    const ids = (await t.relay.store.db.selectFrom('orders').select('order_id').where('tenant_id', '=', tenantId).execute()).map((o) => o.order_id);
    expect(ids).toEqual(['1001']);
  });

  it('stores a group of several stores\' calls in one transaction, tenants in id order, answering each call in its own order', async () => {
    const other = (await t.relay.tenants.createTenant('Other store')).id;
    const [low, high] = [tenantId, other].sort();
    const call = (id: string, eventId: string) => ({ tenant: { id: id!, forwarding: true }, items: [purchase(eventId, 'api', 5)], now });
    // high, low, high: the group locks low's sequence row before high's, whatever order the calls came in.
    const outcomes = await writeGroup(t.relay.store, [call(high!, 'purchase:4001'), call(low!, 'purchase:4002'), call(high!, 'purchase:4001')]);
    expect(outcomes.map((o) => o.map((x) => x.status))).toEqual([['accepted'], ['accepted'], ['duplicate']]);
    const seqs = await t.relay.store.db.selectFrom('events').select(['tenant_id', 'event_id']).where('event_id', 'in', ['purchase:4001', 'purchase:4002']).execute();
    expect(seqs.map((r) => [r.tenant_id, r.event_id]).sort()).toEqual([[high, 'purchase:4001'], [low, 'purchase:4002']].sort());
  });
});
