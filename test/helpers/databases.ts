import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The databases every store test runs on. SQLite always; PostgreSQL when reachable at
 * CAPI_RELAY_TEST_DATABASE_URL (default the local test database). Under CI it must be
 * reachable: a missing PostgreSQL fails the run instead of skipping.
 */
export const PG_BASE_URL = process.env.CAPI_RELAY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** What the relay is given: a database URL (PostgreSQL) or nothing (SQLite). */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Drops the schema / removes the directory. */
  cleanup(): Promise<void>;
}

export interface Dialect {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_BASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const sqlite: Dialect = {
  name: 'sqlite',
  async create() {
    const dataDir = mkdtempSync(join(tmpdir(), 'capi-relay-test-'));
    return { databaseUrl: undefined, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
};

/** One schema per test database, so test files run in parallel without seeing each other. */
const postgres: Dialect = {
  name: 'postgres',
  async create() {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_BASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const url = new URL(PG_BASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const dataDir = mkdtempSync(join(tmpdir(), 'capi-relay-test-'));
    return {
      databaseUrl: url.toString(),
      dataDir,
      async cleanup() {
        const c = new pg.Client({ connectionString: PG_BASE_URL });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const pgAvailable = await postgresReachable();
if (!pgAvailable) {
  if (process.env.CI) throw new Error(`PostgreSQL is required under CI but unreachable at ${PG_BASE_URL}`);
  process.stderr.write(`\n[capi-relay tests] PostgreSQL unreachable at ${PG_BASE_URL}: PostgreSQL tests are SKIPPED on this machine\n\n`);
}

/** The dialects to run a contract suite on. */
export const dialects: Dialect[] = pgAvailable ? [sqlite, postgres] : [sqlite];
