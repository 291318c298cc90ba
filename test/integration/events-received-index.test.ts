/**
 * Migration 0022 gives back the index on events (tenant_id, received_at) that 0021 dropped: the event log, the
 * overview, reports and the retention purge read a store's events by arrival time (bench/event-readers.ts measures
 * what it saves and costs).
 */
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrations.js';
import { dialects } from '../helpers/databases.js';
import { withStoreMigratedTo } from '../helpers/old-store.js';

async function indexColumns(db: Kysely<unknown>, postgres: boolean): Promise<string[]> {
  if (postgres) {
    const { rows } = await sql<{ column: string }>`select a.attname as column
      from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
      join lateral unnest(i.indkey) with ordinality as k(attnum, pos) on true
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
      where c.relname = 'events_tenant_received' and n.nspname = current_schema()
      order by k.pos`.execute(db);
    return rows.map((r) => r.column);
  }
  const { rows } = await sql<{ name: string }>`select name from pragma_index_info('events_tenant_received') order by seqno`.execute(db);
  return rows.map((r) => r.name);
}

describe.each(dialects)('migration 0022_events_received_index on $name', (dialect) => {
  it('indexes a store log of migration 0021 by (tenant_id, received_at) again', async () => {
    await withStoreMigratedTo(dialect, '0021_store_log', async (store) => {
      const db = store.db as unknown as Kysely<unknown>;
      const postgres = store.adapter.name === 'postgres';
      expect(await indexColumns(db, postgres)).toEqual([]);
      await migrateToLatest(db, store.adapter);
      expect(await indexColumns(db, postgres)).toEqual(['tenant_id', 'received_at']);
    });
  });
});
