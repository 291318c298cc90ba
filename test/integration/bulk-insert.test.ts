import { afterEach, describe, expect, it } from 'vitest';
import { bulkInsert } from '../../src/store/bulk-insert.js';
import { openStore, type Store } from '../../src/store/database.js';
import type { OrdersTable } from '../../src/store/schema.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import { createTenantRepository } from '../../src/store/tenants.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

/** The ingest path's written-once INSERTs (src/store/bulk-insert.ts) on both databases. */
describe.each(dialects)('bulkInsert on $name', (dialect) => {
  let store: Store | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await store?.close();
    await database?.cleanup();
  });

  const orders = bulkInsert<OrdersTable>(
    'orders',
    [['tenant_id', 'text'], ['order_id', 'text'], ['total', 'double precision'], ['currency', 'text'], ['source', 'text'], ['created_at', 'bigint']],
    'on conflict (tenant_id, order_id) do nothing returning order_id',
  );

  it('inserts every row with its values, skips conflicts, and answers what RETURNING gave, at any row count', async () => {
    database = await dialect.create();
    store = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    const { id: tenantId } = await createTenantRepository(store, createSecretBox(Buffer.alloc(32, 3))).createTenant('Shop');
    const row = (n: number): OrdersTable => ({ tenant_id: tenantId, order_id: `o-${n}`, total: n + 0.5, currency: 'EUR', source: 'api', created_at: 1_700_000_000_000 + n });
    const db = store.db;
    const first = await db.transaction().execute((trx) => orders.run<{ order_id: string }>(trx, [row(1), row(2), row(3)]));
    expect(first.map((r) => r.order_id).sort()).toEqual(['o-1', 'o-2', 'o-3']);
    // Two texts of different row counts, then the first count again (its text kept), with a conflict.
    const second = await db.transaction().execute((trx) => orders.run<{ order_id: string }>(trx, [row(3), row(4)]));
    expect(second.map((r) => r.order_id)).toEqual(['o-4']);
    const many = Array.from({ length: 130 }, (_, i) => row(100 + i));
    expect(await db.transaction().execute((trx) => orders.run(trx, many))).toHaveLength(130);
    expect(await db.transaction().execute((trx) => orders.run(trx, []))).toEqual([]);
    const stored = await db.selectFrom('orders').selectAll().where('order_id', 'in', ['o-1', 'o-4', 'o-229']).orderBy('order_id').execute();
    expect(stored.map((o) => ({ ...o, created_at: Number(o.created_at) }))).toEqual([row(1), row(229), row(4)].sort((a, b) => (a.order_id < b.order_id ? -1 : 1)));
  });
});
