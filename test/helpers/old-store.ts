import type { Kysely } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateUpTo } from '../../src/store/migrations.js';
import type { Dialect } from './databases.js';

/**
 * A store on a fresh database of `dialect` migrated up to and including `migration` only, so a test can write
 * rows as an older release stored them and then migrate the rest (migrateToLatest); closed and its database
 * removed once `use` settles.
 */
export async function withStoreMigratedTo(dialect: Dialect, migration: string, use: (store: Store) => Promise<void>): Promise<void> {
  const tdb = await dialect.create();
  const store = await openStore({ databaseUrl: tdb.databaseUrl, dataDir: tdb.dataDir, migrate: false });
  try {
    await migrateUpTo(store.db as unknown as Kysely<unknown>, store.adapter, migration);
    await use(store);
  } finally {
    await store.close();
    await tdb.cleanup();
  }
}
