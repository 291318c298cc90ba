/**
 * Runs the DeliveryQueue contract on every implementation: the SQL store on each test database (SQLite, and
 * PostgreSQL with a second node on its own connection pool) and the in-memory queue of the engine tests.
 */
import type { MetaServerEvent } from '../../src/core/meta-event.js';
import { loadConfig } from '../../src/config/config.js';
import { openRelayStore } from '../../src/relay.js';
import { createDeliveryQueue } from '../../src/store/delivery-queue.js';
import { storeEvents, writeEvents } from '../../src/store/events.js';
import { dialects } from '../helpers/databases.js';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { ENCRYPTION_KEY } from '../helpers/relay.js';
import { deliveryQueueContract } from './delivery-queue.contract.js';

const lead = (eventId: string, now: number): MetaServerEvent => ({
  event_name: 'Lead',
  event_id: eventId,
  event_time: Math.floor(now / 1000),
  action_source: 'website',
  user_data: { em: ['a'.repeat(64)] },
});

const toStore = (pixelRowId: string, eventIds: readonly string[], now: number) =>
  eventIds.map((eventId) => ({ eventName: 'Lead', eventId, source: 'api', onlyPixelRowId: pixelRowId, event: lead(eventId, now), decisions: [] }));

for (const dialect of dialects) {
  deliveryQueueContract(`the SQL store on ${dialect.name}`, async () => {
    const db = await dialect.create();
    const config = loadConfig({ flags: { dataDir: db.dataDir, databaseUrl: db.databaseUrl, encryptionKey: ENCRYPTION_KEY } });
    const node = await openRelayStore(config);
    // SQLite: one writer, and one process runs the workers, so the "other node" is another queue on the same store.
    const other = dialect.name === 'postgres' ? await openRelayStore(config, { migrate: false }) : node;
    const tenant = await node.tenants.createTenant('Contract');
    let pixels = 0;
    return {
      queue: createDeliveryQueue(node.store, node.box),
      otherNode: createDeliveryQueue(other.store, other.box),
      async addPixel() {
        return (await node.tenants.addPixel({ tenantId: tenant.id, pixelId: `55500${++pixels}`, accessToken: 'tok' })).id;
      },
      async enqueue(pixelRowId, eventIds, now) {
        await storeEvents(node.store, { id: tenant.id, forwarding: true }, toStore(pixelRowId, eventIds, now), now);
      },
      ...(dialect.name === 'postgres'
        ? {
            async beginEnqueue(pixelRowId: string, eventIds: readonly string[], now: number) {
              let commit!: () => void;
              const committed = new Promise<void>((resolve) => (commit = resolve));
              let wrote!: () => void;
              const written = new Promise<void>((resolve) => (wrote = resolve));
              const done = other.store.db.transaction().execute(async (trx) => {
                await writeEvents(trx, { id: tenant.id, forwarding: true }, toStore(pixelRowId, eventIds, now), now);
                wrote();
                await committed;
              });
              await Promise.race([written, done]);
              return {
                async commit() {
                  commit();
                  await done;
                },
              };
            },
          }
        : {}),
      async close() {
        if (other !== node) await other.store.close();
        await node.store.close();
        await db.cleanup();
      },
    };
  }, { concurrentWriters: dialect.name === 'postgres' });
}

deliveryQueueContract('the in-memory queue of the engine tests', () => {
  const queue = new MemoryQueue();
  let pixels = 0;
  return Promise.resolve({
    queue,
    otherNode: queue,
    addPixel() {
      const id = `p${++pixels}`;
      queue.addPixel(id);
      return Promise.resolve(id);
    },
    enqueue(pixelRowId, eventIds, now) {
      for (const id of eventIds) queue.enqueue(pixelRowId, lead(id, now), false, now);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  });
});
