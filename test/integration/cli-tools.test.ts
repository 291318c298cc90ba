import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { openRelayStore } from '../../src/relay.js';
import { loadConfig } from '../../src/config/config.js';
import { createDeliveryQueue } from '../../src/store/delivery-queue.js';
import { storeEvents } from '../../src/store/events.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { cli, runCli } from '../helpers/processes.js';
import { cliEnv, ENCRYPTION_KEY } from '../helpers/relay.js';

describe('capi-relay preview', () => {
  it('prints the exact Meta event, or why it would be skipped or rejected, per line', async () => {
    const lines = [
      JSON.stringify({ event: 'purchase', event_id: 'p1', value: 42.5, currency: 'EUR', url: 'https://shop.example/t', user: { email: ' Jane@Example.com', user_agent: 'UA', ip: '203.0.113.7' } }),
      JSON.stringify({ event_name: 'Purchase', event_time: 1, action_source: 'website', user_data: {} }),
      'not json',
    ];
    const preview = await runCli(process.env, ['preview'], { input: `${lines.join('\n')}\n` });
    expect(preview.code, preview.stderr).toBe(0);
    const out = preview.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(3);
    expect(out[0].status).toBe('accepted');
    expect(out[0].event.event_name).toBe('Purchase');
    expect(out[0].event.user_data.em).toEqual(['8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d']);
    expect(out[0].event.user_data.client_ip_address).toBe('203.0.113.7');
    expect(out[1]).toMatchObject({ status: 'rejected', code: 'event_time_too_old', field: 'event_time' });
    expect(out[2]).toMatchObject({ status: 'rejected', code: 'invalid_json' });
  });
});

describe.each(dialects)('test-connection and replay on $name', (dialect) => {
  let db: TestDatabase;
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let good: string;
  let bad: string;
  let tenantId: string;

  beforeAll(async () => {
    const graph = await startEmulator({ pixels: { '5550001': { name: 'Shop pixel', tokens: ['tok-good'] }, '5550002': { name: 'Second pixel', tokens: ['tok-second'] } } });
    emulator = graph.emulator;
    db = await dialect.create();
    env = cliEnv(db, { graphUrl: graph.graphUrl });
    const ctx = await openRelayStore(loadConfig({ flags: { dataDir: db.dataDir, databaseUrl: db.databaseUrl, encryptionKey: ENCRYPTION_KEY } }));
    const tenant = await ctx.tenants.createTenant('T');
    tenantId = tenant.id;
    good = (await ctx.tenants.addPixel({ tenantId, pixelId: '5550001', accessToken: 'tok-good' })).id;
    // A second pixel of the store whose token Meta refuses (one Meta pixel may be added to a store once).
    bad = (await ctx.tenants.addPixel({ tenantId, pixelId: '5550002', accessToken: 'tok-bad' })).id;
    const now = Date.now();
    const event = { event_name: 'Lead', event_time: Math.floor(now / 1000), event_id: 'l1', action_source: 'website' as const, user_data: { em: ['a'.repeat(64)] } };
    await storeEvents(ctx.store, { id: tenantId, forwarding: true }, [{ eventName: 'Lead', eventId: 'l1', source: 'api', event, decisions: [] }], now);
    // Dead the way the engine makes them: claimed, then settled under that claim's lease.
    const queue = createDeliveryQueue(ctx.store, ctx.box);
    for (const pixel of [good, bad]) await queue.markDead(await queue.claim(pixel, 10, now, 60_000, 'test'), { reason: 'Meta said no' }, now);
    await ctx.store.close();
  });
  afterAll(async () => {
    await emulator?.close();
    await db?.cleanup();
  });

  it('reports "verified: <pixel name>" for a good token and exactly what is wrong for a bad one', async () => {
    const ok = JSON.parse(await cli(env, 'test-connection', '--pixel', good, '--json'));
    expect(ok).toMatchObject({ ok: true, message: 'verified: Shop pixel' });
    const res = await runCli(env, ['test-connection', '--pixel', bad, '--json']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: false, problem: 'token' });
    // Kept for the overview (Meta's name) and the setup checklist (the problem).
    const ctx = await openRelayStore(loadConfig({ flags: { dataDir: db.dataDir, databaseUrl: db.databaseUrl, encryptionKey: ENCRYPTION_KEY } }), { migrate: false });
    try {
      const rows = await ctx.store.db.selectFrom('pixels').select(['id', 'meta_name', 'connection_problem']).execute();
      expect(rows.find((r) => r.id === good)).toMatchObject({ meta_name: 'Shop pixel', connection_problem: null });
      expect(rows.find((r) => r.id === bad)?.connection_problem).toMatch(/^token: /);
    } finally {
      await ctx.store.close();
    }
  });

  it('re-queues dead deliveries once', async () => {
    const first = JSON.parse(await cli(env, 'replay', '--tenant', tenantId, '--json'));
    expect(first).toEqual({ requeued: 2 });
    const again = JSON.parse(await cli(env, 'replay', '--tenant', tenantId, '--json'));
    expect(again).toEqual({ requeued: 0 });
  });
});
