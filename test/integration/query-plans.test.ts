/**
 * The delivery path's statements seek by an index shaped for them, whatever else is indexed: a backlog of a
 * million events must not make each poll read all of them. SQLite picks an index by its own heuristics (no
 * ANALYZE here), so a new index on events can quietly win over the one a statement was written for; this
 * asks SQLite's planner, for every statement on events that ingest and delivery prepared, which index it uses.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';

const PIXEL = '271828182845904';
const TOKEN = 'EAAB-query-plans-token';
const sqlite = dialects.find((d) => d.name === 'sqlite');
/** A NULL for each placeholder: the plan depends on the statement, not on the values. */
const nulls = (sql: string): null[] => Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null);

describe('query plans on SQLite', () => {
  let t: TestRelay | undefined;
  let closeEmulator: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await t?.close();
    await closeEmulator?.();
  });

  it('ingest and delivery read events by (tenant, seq) or by their dedup key, never by arrival time or a scan', async () => {
    if (!sqlite) throw new Error('no SQLite dialect');
    const prepared = new Set<string>();
    const prepare = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      prepared.add(source);
      return prepare.call(this, source);
    } as typeof prepare;
    try {
      const emulator = await startEmulator({ pixels: { [PIXEL]: { name: 'Plans', tokens: [TOKEN] } } });
      closeEmulator = () => emulator.emulator.close();
      t = await startTestRelay(sqlite, { graphUrl: emulator.graphUrl });
      const tenant = await t.relay.tenants.createTenant('Store', { channelMerge: { windowSeconds: 0 } });
      await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: TOKEN });
      const now = Math.floor(Date.now() / 1000);
      const events = Array.from({ length: 5 }, (_, i) => ({ event: 'purchase', event_id: `plan-${i}`, timestamp: now, value: 10, currency: 'EUR', order_id: `o-${i}`, user: { email: 'jane@example.com' } }));
      const res = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` }, payload: { events } });
      expect(res.statusCode).toBe(202);
      const engine = t.relay.engine;
      if (!engine) throw new Error('delivery is off');
      while ((await engine.tick()) > 0);
      expect(emulator.emulator.state.events({ pixelId: PIXEL })).toHaveLength(events.length);
    } finally {
      Database.prototype.prepare = prepare;
    }

    const reader = new Database(join(t.db.dataDir, 'capi-relay.sqlite'), { readonly: true });
    try {
      const onEvents = [...prepared].filter((s) => /^\s*(select|update|delete)\b/i.test(s) && /\bfrom "events"|update "events"|join "events"/i.test(s));
      expect(onEvents.length).toBeGreaterThanOrEqual(3);
      const plans = onEvents.map((s) => ({ sql: s, plan: (reader.prepare(`explain query plan ${s}`).all(...nulls(s)) as { detail: string }[]).map((r) => r.detail) }));
      const bad = plans.filter((p) => p.plan.some((d) => /events_tenant_received/.test(d) || /^SCAN (e|events)\b/.test(d)));
      expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
    } finally {
      reader.close();
    }
  });
});
