import { mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, sql, type SqliteDatabase, type SqliteStatement, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type DialectAdapter, postgresAdapter, sqliteAdapter } from './dialect-adapter.js';
import { migrateToLatest } from './migrations.js';
import { CurrentSchemaPostgresDialect } from './postgres-dialect.js';
import { openPrivateSqlite } from './sqlite-file.js';
import { cachingStatements } from './statement-cache.js';
import type { Database } from './schema.js';
import { createStorageHealth, type StorageHealth } from './storage-health.js';

export interface Store {
  db: Kysely<Database>;
  adapter: DialectAdapter;
  /** Storage faults (database unreachable, disk full): logged once per outage, probed until they pass. */
  health: StorageHealth;
  /**
   * SQLite's `pragma data_version`: a number that changes whenever another connection (a CLI command, another
   * process) has committed to the file since the last read; this connection's own commits leave it. Lets an
   * in-memory cache of rarely changing rows (API keys) notice writes made elsewhere at the cost of one tiny read.
   * Unset on PostgreSQL, which has no such signal across nodes.
   */
  dataVersion?: () => number;
  /**
   * SQLite: empties the write-ahead log into the database file and truncates it to zero bytes, so rows deleted
   * since (IPs and user agents once sent, erased customers) leave no old copy in the `-wal` file; the database
   * file itself overwrites deleted content (`secure_delete`, set on open). Never waits: with
   * a transaction open here or a reader elsewhere (a CLI command) it does nothing and answers false, to be tried
   * again later. Unset on PostgreSQL.
   */
  truncateWal?: () => boolean;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… for PostgreSQL; unset for embedded SQLite under dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Apply pending migrations on open (serve does; `migrate` does it explicitly). */
  migrate?: boolean;
  /** How often storage is probed during an outage (default 1 s). */
  healthProbeIntervalMs?: number;
}

/** Free space the SQLite data volume needs before the store counts as recovered from a full disk (a 1000-event batch takes a few MiB). */
export const SQLITE_MIN_FREE_BYTES = 16 * 1024 * 1024;

/** How long a SQLite statement waits for another connection's lock (a CLI command) before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** What the relay's PostgreSQL sessions are called in pg_stat_activity (a URL's `application_name` wins). */
export const PG_APPLICATION_NAME = 'capi-relay';

/**
 * How long PostgreSQL keeps a relay session that is inside a transaction but sends nothing. The relay's
 * transactions never wait on anything but the database (milliseconds between statements), so such a session
 * belongs to a node that died or lost its network mid-transaction without closing its connection (a power loss,
 * a partition). Its locks (the tenant's seq row every ingest writer takes, a pixel's cursor every delivery claim
 * takes) would otherwise stop ingest and delivery on every other node until the server's TCP keepalive notices,
 * hours by default. A URL's `idle_in_transaction_session_timeout` wins.
 */
export const PG_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * After SQLITE_FULL or an I/O error SQLite may already have rolled the transaction back itself; Kysely's
 * ROLLBACK then fails with "cannot rollback - no transaction is active" and that error replaces the real
 * cause. A ROLLBACK with no transaction open is made a no-op, so the original error reaches the caller.
 */
function rollbackAfterAutoRollback(db: SqliteDatabase, inTransaction: () => boolean): SqliteDatabase {
  const noop: SqliteStatement = {
    reader: false,
    all: () => [],
    run: () => ({ changes: 0, lastInsertRowid: 0 }),
    iterate: () => [][Symbol.iterator](),
  };
  return {
    close: () => db.close(),
    prepare: (text: string) => (text === 'rollback' && !inTransaction() ? noop : db.prepare(text)),
  };
}

// int8 (bigint) columns hold millisecond times, well inside 2^53: read them as numbers.
const pgTypes = {
  getTypeParser: (oid: number, format?: unknown) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

/** Opens the store: embedded SQLite (WAL) by default, PostgreSQL with a URL. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  let db: Kysely<Database>;
  let adapter: DialectAdapter;
  let dataVersion: (() => number) | undefined;
  let truncateWal: (() => boolean) | undefined;
  let probe: () => Promise<void>;
  // The probe reads the store lazily: it only runs after a fault, long after db is assigned.
  const health = createStorageHealth({ probe: () => probe(), probeIntervalMs: opts.healthProbeIntervalMs });
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      application_name: PG_APPLICATION_NAME,
      max: 10,
      types: pgTypes,
      // An unreachable server (a blackholed failover address) must fail a request, not hang it.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      idle_in_transaction_session_timeout: PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    });
    // A server restart, failover or pg_terminate_backend makes a connection emit 'error'. Without a
    // listener Node throws it and the process dies, idle in the pool (the pool re-emits it) or checked out
    // by a query (the client emits it; the query itself rejects as well). The pool drops the broken client.
    pool.on('error', (err) => health.report(err));
    pool.on('connect', (client) => client.on('error', (err) => health.report(err)));
    db = new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
    adapter = postgresAdapter;
    probe = async () => {
      await sql`select 1`.execute(db);
    };
  } else {
    mkdirSync(opts.dataDir, { recursive: true });
    const sqlite = openPrivateSqlite(join(opts.dataDir, 'capi-relay.sqlite'));
    sqlite.pragma('synchronous = NORMAL');
    // A deleted row (an IP and user agent once sent, an erased customer, a purged event) is overwritten with zeros,
    // on its page and on pages freed whole, instead of staying readable in the file's free space.
    sqlite.pragma('secure_delete = ON');
    // CLI commands and the server may touch the file at once: wait instead of failing.
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    sqlite.pragma('foreign_keys = ON');
    const readDataVersion = sqlite.prepare('pragma data_version').pluck();
    dataVersion = () => Number(readDataVersion.get());
    truncateWal = () => {
      // Synchronous from here to the end, so no query of this connection runs in between with busy_timeout 0.
      if (sqlite.inTransaction) return false;
      sqlite.pragma('busy_timeout = 0');
      try {
        const [result] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number }[];
        return result?.busy === 0 && result.log === 0;
      } catch {
        return false;
      } finally {
        sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      }
    };
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: rollbackAfterAutoRollback(cachingStatements(sqlite), () => sqlite.inTransaction) }) });
    adapter = sqliteAdapter;
    // A full disk still reads, and even takes a small write into WAL space it already holds, while a batch
    // fails. So after a fault the store is ready again only with SQLITE_MIN_FREE_BYTES free on the volume
    // and a committed write: rewriting user_version (unused by the relay) with its own value.
    probe = async () => {
      const { bavail, bsize } = statfsSync(opts.dataDir);
      if (bavail * bsize < SQLITE_MIN_FREE_BYTES) {
        throw Object.assign(new Error(`less than ${SQLITE_MIN_FREE_BYTES / 1024 / 1024} MiB free on the data volume`), { code: 'SQLITE_FULL' });
      }
      const { rows } = await sql<{ user_version: number }>`pragma user_version`.execute(db);
      await sql.raw(`pragma user_version = ${Number(rows[0]?.user_version ?? 0)}`).execute(db);
    };
  }
  const store: Store = {
    db,
    adapter,
    health,
    ...(dataVersion ? { dataVersion } : {}),
    ...(truncateWal ? { truncateWal } : {}),
    close: async () => {
      health.close();
      await db.destroy();
    },
  };
  if (opts.migrate !== false) {
    try {
      await migrateToLatest(db as Kysely<unknown>, adapter);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}
