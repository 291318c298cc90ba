import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../../test/helpers/databases.js';
import { CurrentSchemaPostgresDialect } from './postgres-dialect.js';

const postgres = dialects.find((d) => d.name === 'postgres');

describe.runIf(postgres)('CurrentSchemaPostgresDialect', () => {
  let mine: TestDatabase;
  let other: TestDatabase;
  let db: Kysely<unknown>;

  beforeAll(async () => {
    mine = await postgres!.create();
    other = await postgres!.create();
    db = new Kysely<unknown>({ dialect: new CurrentSchemaPostgresDialect({ pool: new pg.Pool({ connectionString: mine.databaseUrl, max: 2 }) }) });
    const otherDb = new Kysely<unknown>({ dialect: new CurrentSchemaPostgresDialect({ pool: new pg.Pool({ connectionString: other.databaseUrl, max: 1 }) }) });
    await sql`create table theirs (id int)`.execute(otherDb);
    await otherDb.destroy();
    await sql`create table ours (id int)`.execute(db);
    await sql`create view ours_view as select id from ours`.execute(db);
    await sql`create table kysely_migration (name text)`.execute(db);
  });

  afterAll(async () => {
    await db.destroy();
    await mine.cleanup();
    await other.cleanup();
  });

  it('lists only the current schema, so a schema dropped meanwhile elsewhere cannot fail a migration', async () => {
    const tables = await db.introspection.getTables();
    expect(tables.map((t) => [t.name, t.isView])).toEqual([['ours', false], ['ours_view', true]]);
    const withInternal = await db.introspection.getTables({ withInternalKyselyTables: true });
    expect(withInternal.map((t) => t.name)).toEqual(['kysely_migration', 'ours', 'ours_view']);
  });

  it('still migrates while other schemas come and go', async () => {
    const churn = (async () => {
      for (let i = 0; i < 20; i++) {
        const t = await postgres!.create();
        await t.cleanup();
      }
    })();
    for (let i = 0; i < 20; i++) await db.introspection.getTables({ withInternalKyselyTables: true });
    await churn;
  });
});
