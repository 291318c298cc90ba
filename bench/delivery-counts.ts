/**
 * The overview's deliveries per pixel and status (countDeliveriesSince) counted per range of the log, against the
 * per-event derivation it replaced (test/helpers/delivery-counts-reference.ts), on the same rows.
 *
 *   npx tsx bench/delivery-counts.ts [--dialect sqlite|postgres] [--events 50000] [--explain]
 *
 * Builds one store through the real ingest (storeEvents, 50 events a write) and the real queue, round after round
 * over 8 days: pixel A claims up to 500 at a time and sends them (now and then one event dies, a few retry alone
 * and are sent later); pixel B claims 10 at a time (a quiet store's small batches); pixel C claims 2 at a time
 * for the first half, then stops (a paused pixel: the rest waits above its cursor). 2% of events are simulations
 * for A only, 2% skipped. Then times both functions for the last 7 days (median of 5 after one warm-up) and
 * checks they answer the same; `--explain` prints the plan of each statement (PostgreSQL: EXPLAIN ANALYZE). PostgreSQL is CAPI_RELAY_TEST_DATABASE_URL's, in a scratch schema dropped after.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, type LogEvent, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import type { ClaimedDelivery } from '../src/delivery/queue.js';
import { openRelayStore } from '../src/relay.js';
import { createDeliveryQueue } from '../src/store/delivery-queue.js';
import { countDeliveriesSince, type PixelStatusCount } from '../src/store/delivery-state.js';
import { type EventToStore, storeEvents } from '../src/store/events.js';
import type { Database as Schema } from '../src/store/schema.js';
import { dialects } from '../test/helpers/databases.js';
import { inFixedOrder, perEventReference } from '../test/helpers/delivery-counts-reference.js';
import { ENCRYPTION_KEY } from '../test/helpers/relay.js';
import { cliFlag as flag, medianMs } from './harness.js';

const args = process.argv.slice(2);
const DIALECT = flag('dialect', 'sqlite');
const EVENTS = Number(flag('events', '50000'));
const PER_WRITE = 50;
const RUNS = 5;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 10, 1);
const SPAN_MS = 8 * DAY_MS;
const LEASE = 60_000;

async function main(): Promise<void> {
  const dialect = dialects.find((d) => d.name === DIALECT);
  if (!dialect) throw new Error(`no ${DIALECT} database here`);
  const db = await dialect.create();
  const relay = await openRelayStore(loadConfig({ flags: { dataDir: db.dataDir, databaseUrl: db.databaseUrl, encryptionKey: ENCRYPTION_KEY } }));
  try {
    const { store } = relay;
    const tenant = await relay.tenants.createTenant('Bench');
    const addPixel = async (n: number) => (await relay.tenants.addPixel({ tenantId: tenant.id, pixelId: `9000${n}`, accessToken: 'tok' })).id;
    const [a, b, c] = [await addPixel(1), await addPixel(2), await addPixel(3)] as [string, string, string];
    const queue = createDeliveryQueue(store, relay.box);
    const rounds = Math.ceil(EVENTS / PER_WRITE);
    const step = Math.floor(SPAN_MS / rounds);
    const t0 = performance.now();
    let n = 0;
    for (let round = 0; round < rounds; round++) {
      const now = START + round * step;
      const items: EventToStore[] = Array.from({ length: PER_WRITE }, () => {
        const i = n++;
        const eventId = `b-${i}`;
        return {
          eventName: 'PageView', eventId, source: 'browser', decisions: [],
          event: { event_name: 'PageView', event_id: eventId, event_time: Math.floor(now / 1000), action_source: 'website', user_data: { em: ['a'.repeat(64)] } },
          ...(i % 50 === 7 ? { simulated: true, onlyPixelRowId: a } : {}),
          ...(i % 50 === 13 ? { skip: { code: 'switch_off', message: 'off' } } : {}),
        };
      });
      await storeEvents(store, { id: tenant.id, forwarding: true }, items, now);
      await drain(a, 500, now, round);
      await drain(b, 10, now, round);
      if (round < rounds / 2) await drain(c, 2, now, round);
    }
    console.log(`seeded ${n} events through ingest and the queue in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await sql`analyze`.execute(store.db);
    const rows = await store.db
      .selectFrom('delivery_batches')
      .select(['pixel_row_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('pixel_row_id')
      .execute();
    const exceptions = await store.db.selectFrom('delivery_exceptions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    console.log(`batches per pixel: ${rows.map((r) => `${r.pixel_row_id === a ? 'A' : r.pixel_row_id === b ? 'B' : 'C'} ${Number(r.n)}`).join(', ')}; exception rows ${Number(exceptions.n)}`);

    const since = START + SPAN_MS - 7 * DAY_MS;
    const inWindow = await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenant.id).where('received_at', '>=', since).executeTakeFirstOrThrow();
    const sorted = (counts: PixelStatusCount[]) => JSON.stringify(inFixedOrder(counts));
    const perRange = await countDeliveriesSince(store, tenant.id, since);
    const perEvent = await perEventReference(store, tenant.id, since);
    if (sorted(perRange) !== sorted(perEvent)) throw new Error(`the two answers differ:\n${sorted(perRange)}\n${sorted(perEvent)}`);
    console.log(`${Number(inWindow.n)} events in the 7 days; both answer ${perRange.length} rows, the same: ${sorted(perRange)}`);
    const oldMs = await medianMs(() => perEventReference(store, tenant.id, since), RUNS);
    const newMs = await medianMs(() => countDeliveriesSince(store, tenant.id, since), RUNS);
    if (args.includes('--explain')) {
      await explain(db.databaseUrl, db.dataDir, 'per event (old)', (logged) => perEventReference({ ...store, db: logged }, tenant.id, since));
      await explain(db.databaseUrl, db.dataDir, 'per range (new)', (logged) => countDeliveriesSince({ db: logged }, tenant.id, since));
    }
    console.log(`${DIALECT}: per event (old) ${oldMs.toFixed(1)} ms, per range (new) ${newMs.toFixed(1)} ms (median of ${RUNS})`);

    /** Claims everything due for the pixel, `limit` at a time, and acks it: mostly sent, now and then a death or a retry. */
    async function drain(pixel: string, limit: number, now: number, round: number): Promise<void> {
      for (;;) {
        const held: ClaimedDelivery[] = await queue.claim(pixel, limit, now, LEASE, 'bench');
        if (held.length === 0) return;
        if (pixel === a && round % 40 === 1 && held.length > 3) {
          await queue.markDead(held.slice(0, 1), { reason: 'rejected' }, now);
          await queue.markRetry(held.slice(1, 3), { reason: 'HTTP 503', nextAttemptAt: now + step }, now);
          await queue.markSent(held.slice(3), { fbtraceId: `f${round}`, eventsReceived: held.length - 3 }, now);
        } else await queue.markSent(held, { fbtraceId: `f${round}`, eventsReceived: held.length }, now);
      }
    }
  } finally {
    await relay.store.close();
    await db.cleanup();
  }
}

/** Runs `read` on a second connection that records its statements, then prints each one's plan. */
async function explain(databaseUrl: string | undefined, dataDir: string, label: string, read: (db: Kysely<Schema>) => Promise<unknown>): Promise<void> {
  const captured: { sql: string; parameters: readonly unknown[] }[] = [];
  const log = (e: LogEvent) => {
    if (e.level === 'query') captured.push({ sql: e.query.sql, parameters: e.query.parameters });
  };
  const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 1 }) : null;
  const raw = databaseUrl ? null : new Database(join(dataDir, 'capi-relay.sqlite'));
  const db = new Kysely<Schema>({ dialect: pool ? new PostgresDialect({ pool }) : new SqliteDialect({ database: raw as Database.Database }), log });
  try {
    await read(db);
    for (const q of captured) {
      // begin, set local, commit: run as they were (one connection), so each plan is made under the same settings.
      if (!/^\s*(select|with)\b/i.test(q.sql)) {
        if (pool) await pool.query(q.sql, q.parameters as unknown[]);
        continue;
      }
      console.log(`\n### ${label}\n${q.sql}`);
      if (pool) {
        const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, costs off) ${q.sql}`, q.parameters as unknown[]);
        console.log(rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n'));
      } else {
        const plan = (raw as Database.Database).prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[];
        console.log(plan.map((r) => `  ${r.detail}`).join('\n'));
      }
    }
  } finally {
    await db.destroy();
  }
}


await main();
