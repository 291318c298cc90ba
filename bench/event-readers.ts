/**
 * The readers of events by arrival time (event log pages, the overview's week, reports' periods, the retention
 * purge) with and without an index on events (tenant_id, received_at), and what that index costs each insert.
 * Puts numbers beside migration 0022 in docs/architecture.md ("Data at rest") and docs/benchmarks.md.
 *
 *   npx tsx bench/event-readers.ts [--dialect sqlite|postgres] [--events 200000] [--inserts 2000]
 *
 * Seeds one store of `--events` events over 30 days (and a second store of half as many, interleaved, as another
 * tenant's traffic is) straight in SQL, then times the real store functions with the index dropped and created
 * again on the same rows, and prints the plan of each read. The insert part writes one-event transactions through
 * the real writeEvents (as a one-event request does) and reads the WAL each writes: SQLite's -wal file growth with
 * checkpoints off; on PostgreSQL the LSN distance (which counts every session of the server) and, exactly, the WAL
 * of the events INSERT alone by EXPLAIN (ANALYZE, WAL). PostgreSQL is the one of CAPI_RELAY_TEST_DATABASE_URL (the
 * local test database by default), in a scratch schema dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, type LogEvent, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { PG_BASE_URL } from '../test/helpers/databases.js';
import type { Store } from '../src/store/database.js';
import { postgresAdapter, sqliteAdapter } from '../src/store/dialect-adapter.js';
import { listEvents } from '../src/store/event-log.js';
import { createDashboardSignalsRepository } from '../src/store/dashboard-signals.js';
import { countDeliveriesSince, countStatusesPerHour } from '../src/store/delivery-state.js';
import { writeEvents } from '../src/store/events.js';
import { migrateToLatest } from '../src/store/migrations.js';
import { readMatchQualityEvents, readOrdersAndPurchases } from '../src/store/report-queries.js';
import { purgeBefore } from '../src/store/retention.js';
import type { Database as Schema } from '../src/store/schema.js';
import { cliFlag as flag, medianMs } from './harness.js';

const DIALECT = flag('dialect', 'sqlite') as 'sqlite' | 'postgres';
const EVENTS = Number(flag('events', '200000'));
const INSERTS = Number(flag('inserts', '2000'));
const RUNS = 5;
const DAY_MS = 86_400_000;
const SPAN_MS = 30 * DAY_MS;
const START = Date.UTC(2026, 10, 1);
const NOW = START + SPAN_MS;
const MAIN = 'tenant-main';
const OTHER = 'tenant-other';
const PIXEL = 'pixel-main';
/** Every third row of the interleaved stream is the other store's. */
const TOTAL = Math.ceil((EVENTS * 3) / 2);

let captured: { sql: string; parameters: readonly unknown[] }[] | null = null;
const log = (e: LogEvent) => {
  if (e.level === 'query' && captured) captured.push({ sql: e.query.sql, parameters: e.query.parameters });
};

interface Bench {
  store: Store;
  explain(query: { sql: string; parameters: readonly unknown[] }): Promise<string>;
  /** WAL written so far: SQLite's -wal file size (checkpoints off), PostgreSQL's current LSN in bytes. */
  walBytes(): Promise<number>;
  /** Called before a measured stretch: SQLite empties its -wal file. */
  walStart(): void;
  /**
   * PostgreSQL: the WAL one statement writes, by EXPLAIN (ANALYZE, WAL) in a transaction rolled back. The LSN
   * distance counts every session of the server (other work on a shared server too); this counts the statement's.
   */
  statementWal?: (text: string) => Promise<number>;
  close(): Promise<void>;
}

/*
 * Each store is opened here rather than by openStore: the bench needs Kysely's query log (for the plans) and the
 * raw connection (for the WAL). The functions measured never report a storage fault, so `health` is not given;
 * SQLite statements are prepared afresh each time (the relay caches them), alike with and without the index.
 */
async function openSqlite(): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'capi-relay-bench-readers-'));
  const file = join(dir, 'capi-relay.sqlite');
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  // The -wal file only grows while measuring: its growth is what one insert writes.
  raw.pragma('wal_autocheckpoint = 0');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }), log });
  return {
    store: { db, adapter: sqliteAdapter, health: undefined as never, close: () => db.destroy() },
    explain: (q) => Promise.resolve((raw.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map((r) => `  ${r.detail}`).join('\n')),
    walBytes: () => Promise.resolve(statSync(`${file}-wal`).size),
    walStart: () => raw.pragma('wal_checkpoint(TRUNCATE)'),
    close: async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<Bench> {
  const schema = `bench_readers_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(PG_BASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4, types: { getTypeParser: (oid: number, format?: unknown) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) } });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), log });
  return {
    store: { db, adapter: postgresAdapter, health: undefined as never, close: () => db.destroy() },
    explain: async (q) => {
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, costs off, summary on) ${q.sql}`, q.parameters as unknown[]);
      return rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n');
    },
    walBytes: async () => {
      const { rows } = await pool.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const [high, low] = rows[0]!.lsn.split('/');
      return Number.parseInt(high!, 16) * 2 ** 32 + Number.parseInt(low!, 16);
    },
    walStart: () => undefined,
    statementWal: async (text) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: { 'WAL Bytes': number } }] }>(`explain (analyze, wal, format json) ${text}`);
        await client.query('rollback');
        return rows[0]!['QUERY PLAN'][0].Plan['WAL Bytes'];
      } finally {
        client.release();
      }
    },
    close: async () => {
      await db.destroy();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

/** The interleaved stream of both stores' events, generated inside the database (no client round trips). */
async function seed(store: Store): Promise<void> {
  const pg = store.adapter.name === 'postgres';
  const n = 'g.n';
  const pad = pg ? `lpad(${n}::text, 9, '0')` : `printf('%09d', ${n})`;
  const series = pg ? `generate_series(1::bigint, ${TOTAL}) as g(n)` : `g`;
  const prefix = pg ? '' : `with recursive g(n) as (select 1 union all select n + 1 from g where n < ${TOTAL}) `;
  const payload = `'${'{"event_name":"PageView","user_data":{"em":["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]}}'.repeat(4)}'`;
  await store.db.insertInto('tenants').values([MAIN, OTHER].map((id) => ({ id, name: id, status: 'active' as const, forwarding: 1, policy: '{}', created_at: START }))).execute();
  await sql.raw(`${prefix}insert into events (id, tenant_id, seq, event_name, event_id, source, order_id, event_time, received_at, status, payload,
      had_client_ip, had_user_agent, decisions, drop_code, drop_message, simulated, test_event_code, only_pixel_row_id, fbp)
    select 'r' || ${pad},
      case when ${n} % 3 = 0 then '${OTHER}' else '${MAIN}' end,
      case when ${n} % 3 = 0 then ${n} / 3 else ${n} - ${n} / 3 end,
      case when ${n} % 20 = 0 then 'Purchase' when ${n} % 20 < 4 then 'AddToCart' else 'PageView' end,
      'ev' || ${pad},
      case when ${n} % 4 = 0 then 'webhook:shopify' else 'browser' end,
      case when ${n} % 20 = 0 then 'o' || ${pad} end,
      ${START} + ${n} * ${Math.floor(SPAN_MS / TOTAL)} - 5000,
      ${START} + ${n} * ${Math.floor(SPAN_MS / TOTAL)},
      case when ${n} % 50 = 7 then 'skipped' when ${n} % 100 = 13 then 'dropped' else 'queued' end,
      ${payload}, 1, 1, '[]', null, null,
      case when ${n} % 1000 = 999 then 1 else 0 end, null, null, 'fb.1.' || ${pad}
    from ${series}`).execute(store.db);
  const mainLast = TOTAL - Math.floor(TOTAL / 3);
  const otherLast = Math.floor(TOTAL / 3);
  await store.db.insertInto('tenant_sequences').values([{ tenant_id: MAIN, next_seq: mainLast + 1 }, { tenant_id: OTHER, next_seq: otherLast + 1 }]).execute();
  await store.db.insertInto('pixels').values({ id: PIXEL, tenant_id: MAIN, pixel_id: '1234567890', token_sealed: 'sealed', test_event_code: null, status: 'active', pause_reason: null, created_at: START, updated_at: START }).execute();
  // Sent in batches of 200 up to the last 100 events, which wait above the cursor.
  const sentThrough = mainLast - 100;
  await store.db.insertInto('pixel_cursors').values({ pixel_row_id: PIXEL, tenant_id: MAIN, start_seq: 0, sent_through: sentThrough, claimed_through: sentThrough, updated_at: NOW }).execute();
  const batches = pg ? `generate_series(0::bigint, ${Math.floor(sentThrough / 200) - 1}) as b(k)` : `b`;
  const bprefix = pg ? '' : `with recursive b(k) as (select 0 union all select k + 1 from b where k < ${Math.floor(sentThrough / 200) - 1}) `;
  await sql.raw(`${bprefix}insert into delivery_batches (tenant_id, pixel_row_id, from_seq, to_seq, status, attempts, next_attempt_at, fbtrace_id,
      events_received, event_count, claims, claimed_at, created_at, updated_at)
    select '${MAIN}', '${PIXEL}', b.k * 200 + 1, b.k * 200 + 200, 'sent', 1, 0, 'trace', 200, 200, 1, ${START} + b.k * 60000, ${START} + b.k * 60000, ${START} + b.k * 60000
    from ${batches}`).execute(store.db);
  await sql`analyze`.execute(store.db);
}

/** The reads measured: each the real store function with the arguments its view passes. */
function reads(store: Store): { name: string; run: () => Promise<unknown> }[] {
  const signals = createDashboardSignalsRepository(store);
  const week = { from: NOW - 7 * DAY_MS, to: NOW };
  const deepCursor = Buffer.from(`${START + Math.floor(SPAN_MS / 2)}:r999999999`).toString('base64url');
  return [
    { name: 'event log, first page (50)', run: () => listEvents(store, MAIN, { limit: 50 }) },
    { name: 'event log, page in the middle (50)', run: () => listEvents(store, MAIN, { limit: 50, cursor: deepCursor }) },
    { name: 'event log, Purchase only (50)', run: () => listEvents(store, MAIN, { limit: 50, eventName: 'purchase' }) },
    { name: 'event log, one day (since/until, 50)', run: () => listEvents(store, MAIN, { limit: 50, since: NOW - 10 * DAY_MS, until: NOW - 9 * DAY_MS }) },
    { name: 'overview: channel rows of 7 days', run: () => signals.channelRows(MAIN, NOW - 7 * DAY_MS, NOW - DAY_MS) },
    { name: 'overview: event count of 7 days', run: () => signals.eventCountBetween(MAIN, NOW - 7 * DAY_MS, NOW) },
    { name: 'overview: last event', run: () => signals.lastEventAt(MAIN) },
    { name: 'overview: deliveries of 7 days', run: () => countDeliveriesSince(store, MAIN, NOW - 7 * DAY_MS) },
    { name: 'report: events per hour, 7 days', run: () => countStatusesPerHour(store, MAIN, week, 3_600_000) },
    { name: 'report: match quality sample (1000), 7 days', run: () => readMatchQualityEvents(store, MAIN, week, 1000) },
    { name: 'report: orders and purchases, 7 days', run: () => readOrdersAndPurchases(store, MAIN, week, 5000) },
    // Cutoff at the first event: an hourly run after the first finds little to delete, but has to look.
    { name: 'retention: purge run finding nothing', run: () => purgeBefore(store, START, NOW) },
  ];
}


async function measureReads(bench: Bench, label: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  console.log(`\n## ${DIALECT}, ${label}`);
  for (const r of reads(bench.store)) {
    const ms = await medianMs(r.run, RUNS);
    out.set(r.name, ms);
    captured = [];
    await r.run();
    const queries = captured.filter((q) => /received_at/.test(q.sql));
    captured = null;
    console.log(`\n### ${r.name}: ${ms.toFixed(2)} ms (median of ${RUNS})`);
    for (const q of queries.slice(0, 1)) console.log(await bench.explain(q));
  }
  return out;
}

/** One-event transactions through the real writeEvents, as a one-event request writes: ms and WAL bytes per insert. */
const COPIED = 'id, tenant_id, seq, event_name, event_id, source, order_id, event_time, received_at, status, payload, had_client_ip, had_user_agent, decisions, drop_code, drop_message, simulated, test_event_code, only_pixel_row_id, fbp';

async function measureInserts(bench: Bench, label: string): Promise<{ ms: number; wal: number; insertWal?: number }> {
  const tenant = { id: MAIN, forwarding: true };
  const event = (i: number) => ({
    eventName: 'PageView',
    eventId: `ins-${label}-${i}`,
    source: 'browser',
    event: { event_name: 'PageView', event_time: Math.floor(NOW / 1000), event_id: `ins-${label}-${i}`, action_source: 'website', user_data: { client_ip_address: '203.0.113.9', client_user_agent: 'Mozilla/5.0' } },
    decisions: [],
  });
  bench.walStart();
  const walBefore = await bench.walBytes();
  const t0 = performance.now();
  for (let i = 0; i < INSERTS; i++) {
    await bench.store.db.transaction().execute((trx) => writeEvents(trx, tenant, [event(i) as never], NOW + i));
  }
  const ms = (performance.now() - t0) / INSERTS;
  const wal = ((await bench.walBytes()) - walBefore) / INSERTS;
  if (!bench.statementWal) return { ms, wal };
  // The events INSERT alone (table and every index), one row copied from an event already stored.
  let bytes = 0;
  for (let i = 0; i < 200; i++) {
    bytes += await bench.statementWal(`insert into events (${COPIED})
      select ${COPIED.replace('id, ', `'copy-${label}-${i}', `).replace('event_id, ', `'copy-${label}-${i}', `).replace('seq, ', `${10_000_000 + i}, `)}
      from events where tenant_id = '${MAIN}' and seq = ${i + 1}`);
  }
  return { ms, wal, insertWal: bytes / 200 };
}

async function main(): Promise<void> {
  const bench = DIALECT === 'postgres' ? await openPostgres() : await openSqlite();
  try {
    await migrateToLatest(bench.store.db as Kysely<unknown>, bench.store.adapter);
    const t0 = performance.now();
    await seed(bench.store);
    console.log(`seeded ${TOTAL} events (${EVENTS} of one store) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const drop = () => sql`drop index if exists events_tenant_received`.execute(bench.store.db);
    const create = async () => {
      await sql`create index if not exists events_tenant_received on events (tenant_id, received_at)`.execute(bench.store.db);
      await sql`analyze`.execute(bench.store.db);
    };
    await drop();
    const without = await measureReads(bench, 'without (tenant_id, received_at)');
    const insWithout = await measureInserts(bench, 'without');
    await create();
    const withIndex = await measureReads(bench, 'with (tenant_id, received_at)');
    const insWith = await measureInserts(bench, 'with');
    await drop();
    const insWithout2 = await measureInserts(bench, 'without-again');
    await create();
    const insWith2 = await measureInserts(bench, 'with-again');

    console.log(`\n## ${DIALECT}: ${EVENTS} events of one store (${TOTAL} in all), ms per read, median of ${RUNS}\n`);
    console.log('| read | without index | with index |\n| --- | --- | --- |');
    for (const [name, ms] of without) console.log(`| ${name} | ${ms.toFixed(2)} | ${(withIndex.get(name) ?? NaN).toFixed(2)} |`);
    console.log(`\n## ${DIALECT}: one-event writeEvents transactions (${INSERTS} each, two rounds)\n`);
    console.log('| | without index | with index |\n| --- | --- | --- |');
    console.log(`| ms per insert | ${insWithout.ms.toFixed(3)} / ${insWithout2.ms.toFixed(3)} | ${insWith.ms.toFixed(3)} / ${insWith2.ms.toFixed(3)} |`);
    console.log(`| WAL bytes per insert | ${insWithout.wal.toFixed(0)} / ${insWithout2.wal.toFixed(0)} | ${insWith.wal.toFixed(0)} / ${insWith2.wal.toFixed(0)} |`);
    if (insWith.insertWal !== undefined) {
      const f = (r: { insertWal?: number }) => (r.insertWal ?? NaN).toFixed(0);
      console.log(`| WAL bytes of the events INSERT alone (EXPLAIN (ANALYZE, WAL), 200 rows) | ${f(insWithout)} / ${f(insWithout2)} | ${f(insWith)} / ${f(insWith2)} |`);
    }
  } finally {
    await bench.close();
  }
}

await main();
