import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/database.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import { createTenantRepository } from '../../src/store/tenants.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

/**
 * authenticate keeps the owners of keys it found in memory (src/store/key-cache.ts): a change made through the
 * repository, or by another connection to the same database (a CLI command, another node), is seen by the very
 * next lookup, as with a query per lookup.
 */
describe.each(dialects)('key owners cache on $name', (dialect) => {
  const open: Store[] = [];
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await database?.cleanup();
  });
  const box = createSecretBox(Buffer.alloc(32, 7));
  async function twoConnections() {
    database = await dialect.create();
    const a = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    const b = await openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, migrate: false });
    open.push(a, b);
    return { here: createTenantRepository(a, box), elsewhere: createTenantRepository(b, box) };
  }

  it('sees a rotation, a disabled tenant and a new policy made by this repository at once', async () => {
    const { here } = await twoConnections();
    const t = await here.createTenant('Shop');
    expect((await here.authenticate(t.ingestKey, 'ingest'))?.id).toBe(t.id);
    expect((await here.authenticate(t.ingestKey, 'ingest'))?.id).toBe(t.id);
    await here.setPolicy(t.id, { consent: 'require' });
    expect((await here.authenticate(t.ingestKey, 'ingest'))?.policy).toEqual({ consent: 'require' });
    await here.setForwarding(t.id, false);
    expect((await here.authenticate(t.ingestKey, 'ingest'))?.forwarding).toBe(false);
    const next = await here.rotateKey(t.id, 'ingest');
    expect(await here.authenticate(t.ingestKey, 'ingest')).toBeNull();
    expect((await here.authenticate(next, 'ingest'))?.id).toBe(t.id);
    await here.setTenantStatus(t.id, 'disabled');
    expect(await here.authenticate(next, 'ingest')).toBeNull();
  });

  it('sees a rotation and a disabled tenant committed by another connection on the next lookup', async () => {
    const { here, elsewhere } = await twoConnections();
    const t = await here.createTenant('Shop');
    expect((await here.authenticate(t.ingestKey, 'ingest'))?.id).toBe(t.id);
    const next = await elsewhere.rotateKey(t.id, 'ingest');
    expect(await here.authenticate(t.ingestKey, 'ingest')).toBeNull();
    expect((await here.authenticate(next, 'ingest'))?.id).toBe(t.id);
    await elsewhere.setTenantStatus(t.id, 'disabled');
    expect(await here.authenticate(next, 'ingest')).toBeNull();
  });

  it('answers a key of the other kind, or an unknown one, null', async () => {
    const { here } = await twoConnections();
    const t = await here.createTenant('Shop');
    expect((await here.authenticate(t.ingestKey, 'ingest'))?.id).toBe(t.id);
    expect(await here.authenticate(t.ingestKey, 'publishable')).toBeNull();
    expect((await here.authenticate(t.publishableKey, 'publishable'))?.id).toBe(t.id);
    expect(await here.authenticate('cr_ingest_unknown', 'ingest')).toBeNull();
  });
});
