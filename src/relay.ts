import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import { createIngestService } from './ingest/ingest-service.js';
import { openStore, type Store } from './store/database.js';
import { createSecretBox, resolveEncryptionKey } from './store/secret-box.js';
import { createTenantRepository, type TenantRepository } from './store/tenants.js';

export interface Relay {
  app: FastifyInstance;
  store: Store;
  tenants: TenantRepository;
  /** Base URL once listening. */
  url: string | null;
  listen(): Promise<string>;
  /** Stops intake, lets in-flight work finish, then closes the store. */
  close(): Promise<void>;
}

/** Opens the store and the tenant repository with the configured encryption key. */
export async function openRelayStore(config: Config, opts: { migrate?: boolean } = {}) {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: opts.migrate ?? true });
  try {
    const key = resolveEncryptionKey({ configured: config.encryptionKey, dataDir: config.dataDir, embedded: !config.databaseUrl });
    const tenants = createTenantRepository(store, createSecretBox(key));
    return { store, tenants };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The composition root: config → store → services → HTTP (and, later, delivery workers). */
export async function createRelay(config: Config, logger: Logger, clock: () => number = Date.now): Promise<Relay> {
  const { store, tenants } = await openRelayStore(config);
  const metrics = createMetrics();
  const ingest = createIngestService({ store, metrics, clock });
  const app = await buildApp({ config, store, tenants, ingest, metrics, logger });
  const relay: Relay = {
    app,
    store,
    tenants,
    url: null,
    async listen() {
      relay.url = await app.listen({ port: config.port, host: config.host });
      return relay.url;
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
  return relay;
}
