import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type DialectAdapter, postgresAdapter, sqliteAdapter } from './dialect-adapter.js';
import { migrateToLatest } from './migrations.js';
import { cachingStatements } from './statement-cache.js';
import type { Database } from './schema.js';

export interface Store {
  db: Kysely<Database>;
  adapter: DialectAdapter;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… for PostgreSQL; unset for embedded SQLite under dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Apply pending migrations on open (serve does; `migrate` does it explicitly). */
  migrate?: boolean;
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
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10, types: pgTypes });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    adapter = postgresAdapter;
  } else {
    mkdirSync(opts.dataDir, { recursive: true });
    const sqlite = new SQLite(join(opts.dataDir, 'capi-relay.sqlite'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    // CLI commands and the server may touch the file at once: wait instead of failing.
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
    adapter = sqliteAdapter;
  }
  const store: Store = { db, adapter, close: () => db.destroy() };
  if (opts.migrate !== false) {
    try {
      await migrateToLatest(db as Kysely<unknown>, adapter);
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  return store;
}
