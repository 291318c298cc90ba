/**
 * The sweeper of held events (issue 18) on several nodes: two relay nodes on one store release the same due events
 * at the same moment, and each event gets exactly one place in the log (one seq, no gaps filled twice, none left
 * held): the conditional update (`where seq is null`) decides. PostgreSQL only: several nodes need it (SQLite has
 * one writer process; its single sweeper is covered by channel-merge.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from '../../src/relay.js';
import { releaseDueHolds } from '../../src/store/channel-hold.js';
import { dialects } from '../helpers/databases.js';
import { startRelayNode, startTestRelay, type TestRelay } from '../helpers/relay.js';

const HELD = 60;

describe.each(dialects.filter((d) => d.name === 'postgres'))('releasing held events from two nodes on $name', (dialect) => {
  let t: TestRelay;
  let second: Relay;
  let now = Date.now();
  const clock = () => now;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false }, clock);
    second = await startRelayNode(t.db, { deliveryEnabled: false }, clock);
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  it('gives each due event one seq, whichever node releases it', async () => {
    const tenant = await t.relay.tenants.createTenant('Store', { channelMerge: { windowSeconds: 10 } });
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '616161616161', accessToken: 'tok-sweep-0123456789' });
    const ingest = (eventId: string) =>
      t.relay.app.inject({
        method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` },
        payload: { event: 'purchase', event_id: eventId, order_id: eventId, value: 5, currency: 'EUR', url: 'https://shop.example/thanks', user: { email: `${eventId}@example.com` } },
      });
    // The store known to report Purchases from both sides (as channel_presence records it), then HELD server copies.
    await t.relay.store.db.insertInto('channel_presence').values([
      { tenant_id: tenant.id, event_name: 'Purchase', channel_kind: 'browser', last_seen_at: now },
      { tenant_id: tenant.id, event_name: 'Purchase', channel_kind: 'server', last_seen_at: now },
    ]).execute();
    for (let i = 0; i < HELD; i++) expect((await ingest(`held-${i}`)).json().results[0].status).toBe('accepted');
    const rows = () => t.relay.store.db.selectFrom('events').select(['seq', 'merge_outcome']).where('tenant_id', '=', tenant.id).execute();
    expect((await rows()).every((r) => r.seq === null)).toBe(true);

    // Not due yet: nothing released.
    expect(await releaseDueHolds(t.relay.store, now)).toBe(0);
    now += 11_000;
    const [a, b] = await Promise.all([releaseDueHolds(t.relay.store, now, 25), releaseDueHolds(second.store, now, 25)]);
    const [c, d] = await Promise.all([releaseDueHolds(t.relay.store, now), releaseDueHolds(second.store, now)]);
    expect(a + b + c + d).toBe(HELD);
    const released = await rows();
    expect(released.every((r) => r.seq !== null && r.merge_outcome === 'sent_alone')).toBe(true);
    expect(new Set(released.map((r) => Number(r.seq))).size).toBe(HELD);
    expect(await releaseDueHolds(second.store, now)).toBe(0);
  });
});
