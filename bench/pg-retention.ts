/**
 * Retention on PostgreSQL: deleting a day of old events from one table against dropping that day's partition of a
 * time-partitioned table. Measures the time, the WAL bytes each way writes and what is left for VACUUM, to put
 * numbers beside the plan in docs/scaling.md ("Past one PostgreSQL server").
 *
 *   CAPI_RELAY_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/pg-retention.ts [--days 10] [--per-day 100000]
 *
 * Works in a scratch schema it drops afterwards. Rows are shaped like the relay's events (tenant, seq, name, id,
 * received_at, a ~600-byte payload); the figures are ratios between the two ways measured in the same run.
 */
import pg from 'pg';

interface Measured {
  ms: number;
  walBytes: number;
  deadTuples: number;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DAYS = flag('days', 10);
const PER_DAY = flag('per-day', 100_000);
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const url = process.env.CAPI_RELAY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_retention_${process.pid}`;

async function walLsn(client: pg.PoolClient): Promise<string> {
  const { rows } = await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
  return rows[0]!.lsn;
}

async function walSince(client: pg.PoolClient, from: string): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint as bytes', [from]);
  return Number(rows[0]!.bytes);
}

/** Fills `table` with DAYS days of PER_DAY rows each, generated inside the server (no client round trips). */
async function fill(client: pg.PoolClient, table: string): Promise<void> {
  await client.query(
    `insert into ${table} (tenant_id, seq, event_name, event_id, received_at, payload)
     select 't' || (g % 8), g, 'Purchase', md5(g::text), $1::bigint + (g / $2::bigint) * $3::bigint + (g % $2::bigint),
            repeat(md5(g::text), 19)
     from generate_series(0, $4::bigint - 1) g`,
    [START, PER_DAY, DAY_MS, DAYS * PER_DAY],
  );
}

async function deadTuples(client: pg.PoolClient, table: string): Promise<number> {
  await client.query('select pg_stat_force_next_flush()');
  const { rows } = await client.query<{ n: string }>('select coalesce(sum(n_dead_tup), 0)::bigint as n from pg_stat_user_tables where schemaname = $1 and relname like $2', [schema, `${table}%`]);
  return Number(rows[0]!.n);
}

async function measure(client: pg.PoolClient, table: string, work: () => Promise<void>): Promise<Measured> {
  await client.query('checkpoint');
  const lsn = await walLsn(client);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  return { ms, walBytes: await walSince(client, lsn), deadTuples: await deadTuples(client, table) };
}

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const client = await pool.connect();
  try {
    await client.query(`create schema ${schema}`);
    await client.query(`set search_path = ${schema}`);
    const columns = `tenant_id text not null, seq bigint not null, event_name text not null, event_id text not null,
      received_at bigint not null, payload text not null`;

    await client.query(`create table events_plain (${columns}, primary key (tenant_id, seq))`);
    await client.query('create unique index events_plain_dedup on events_plain (tenant_id, event_name, event_id)');
    await client.query('create index events_plain_received on events_plain (received_at)');

    await client.query(`create table events_parted (${columns}, primary key (tenant_id, seq, received_at)) partition by range (received_at)`);
    for (let d = 0; d < DAYS; d++) {
      await client.query(`create table events_parted_d${d} partition of events_parted for values from (${START + d * DAY_MS}) to (${START + (d + 1) * DAY_MS})`);
    }
    // A partitioned table's unique index must include the partition key: the dedup key is unique per day, which is why
    // the plan keeps the dedup check on a small unpartitioned table of recent keys (docs/scaling.md).
    await client.query('create index events_parted_dedup on events_parted (tenant_id, event_name, event_id)');

    const t0 = performance.now();
    await fill(client, 'events_plain');
    await fill(client, 'events_parted');
    await client.query('vacuum analyze events_plain');
    await client.query('vacuum analyze events_parted');
    const fillS = (performance.now() - t0) / 1000;

    const cutoff = START + DAY_MS;
    const deleted = await measure(client, 'events_plain', async () => {
      await client.query('delete from events_plain where received_at < $1', [cutoff]);
    });
    const dropped = await measure(client, 'events_parted', async () => {
      await client.query('alter table events_parted detach partition events_parted_d0');
      await client.query('drop table events_parted_d0');
    });
    const vacuum = await measure(client, 'events_plain', async () => {
      await client.query('vacuum events_plain');
    });

    const rows = [
      ['rows per day (one day removed)', PER_DAY.toLocaleString('en-US'), '', ''],
      ['time (ms)', deleted.ms.toFixed(0), dropped.ms.toFixed(0), (deleted.ms / dropped.ms).toFixed(0) + '×'],
      ['WAL written (MB)', (deleted.walBytes / 1e6).toFixed(1), (dropped.walBytes / 1e6).toFixed(2), (deleted.walBytes / Math.max(dropped.walBytes, 1)).toFixed(0) + '×'],
      ['dead tuples left for VACUUM', deleted.deadTuples.toLocaleString('en-US'), dropped.deadTuples.toLocaleString('en-US'), ''],
      ['then VACUUM of the plain table (ms / WAL MB)', `${vacuum.ms.toFixed(0)} / ${(vacuum.walBytes / 1e6).toFixed(1)}`, '—', ''],
    ];
    console.log(`PostgreSQL ${(await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version}; ${DAYS} days × ${PER_DAY.toLocaleString('en-US')} rows per table (fill ${fillS.toFixed(0)} s)`);
    console.log('| | DELETE from one table | DROP a daily partition | ratio |');
    console.log('| --- | --- | --- | --- |');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    await client.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    client.release();
    await pool.end();
  }
}

await main();
