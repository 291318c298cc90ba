import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import { createDeliveryEngine, type DeliveryEngine } from './delivery/engine.js';
import { createGraphClient, type GraphClient } from './delivery/graph-client.js';
import { createIngestService, DEFAULT_GROUP_COMMIT } from './ingest/ingest-service.js';
import { createRetentionJob, type RetentionJob } from './privacy/retention-job.js';
import { createServices } from './services/index.js';
import { createDeliveryQueue } from './store/delivery-queue.js';
import { createSourceRepository, type SourceRepository } from './store/sources.js';
import { createSwitchRepository } from './store/switches.js';
import { openStore, type Store } from './store/database.js';
import { createSecretBox, resolveEncryptionKey } from './store/secret-box.js';
import { createTenantRepository, type TenantRepository } from './store/tenants.js';
import { createRefusedRequestRepository } from './store/refused-requests.js';
import { createRefusedTraffic } from './services/overview-refused.js';
import { createOverviewService } from './services/overview.js';
import { createAlertsService } from './services/alerts.js';
import { createSettledSignal } from './http/settled-signal.js';
import { createChannelPresence } from './store/channel-presence.js';
import { createHoldSweeper, type HoldSweeper } from './ingest/hold-sweeper.js';

export interface Relay {
  app: FastifyInstance;
  store: Store;
  tenants: TenantRepository;
  sources: SourceRepository;
  engine: DeliveryEngine | null;
  /** The hourly purge of what is older than retentionDays. */
  retention: RetentionJob;
  /** The sweeper sending alone the held copies whose merge window ended (runs every second once listening). */
  holds: HoldSweeper;
  graph: GraphClient;
  /** Base URL once listening. */
  url: string | null;
  listen(): Promise<string>;
  /** Stops intake, lets in-flight work finish, then closes the store. */
  close(): Promise<void>;
}

/**
 * Opens the store and the tenant repository with the configured encryption key. The key comes first: a missing
 * or unreadable key stops the boot before the database is opened or migrated.
 */
export async function openRelayStore(config: Config, opts: { migrate?: boolean } = {}) {
  const box = createSecretBox(resolveEncryptionKey({ configured: config.encryptionKey, dataDir: config.dataDir, embedded: !config.databaseUrl }));
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: opts.migrate ?? true });
  return { store, box, tenants: createTenantRepository(store, box), sources: createSourceRepository(store, box) };
}

/** The composition root: config → store → services → HTTP and delivery workers; shuts down in order. */
export async function createRelay(config: Config, logger: Logger, clock: () => number = Date.now): Promise<Relay> {
  const { store, box, tenants, sources } = await openRelayStore(config);
  store.health.setLogger(logger.child({ component: 'store' }));
  const metrics = createMetrics();
  const graph = createGraphClient({ baseUrl: config.graphUrl, version: config.graphVersion });
  const deliverySettled = createSettledSignal();
  const engine = config.deliveryEnabled
    ? createDeliveryEngine({
        queue: createDeliveryQueue(store, box),
        graph,
        clock: { now: clock },
        workerId: `${process.pid}-${randomUUID().slice(0, 8)}`,
        leaseMs: config.deliveryLeaseMs,
        concurrencyPerPixel: config.deliveryConcurrency,
        maxAttempts: config.deliveryMaxAttempts,
        logger: logger.child({ component: 'delivery' }),
        onOutcome: (e) => {
          deliverySettled.notify(e.pixelRowId);
          if (e.outcome.kind === 'success') metrics.sent.inc(e.deliveryIds.length);
          else metrics.failed.inc({ reason: e.outcome.kind }, e.deliveryIds.length);
        },
        onLateAck: (e) => metrics.lateAcks.inc({ action: e.action }, e.count),
      })
    : null;
  const ingest = createIngestService({
    store,
    metrics,
    clock,
    onQueued: () => engine?.wake(),
    switches: createSwitchRepository(store, clock),
    groupCommit: { ...DEFAULT_GROUP_COMMIT, maxWaitMs: config.ingestCommitWaitMs },
    presence: createChannelPresence(store, clock),
  });
  // Channel merge: held copies whose window ended are sent alone.
  const holds = createHoldSweeper({
    store,
    clock,
    logger: logger.child({ component: 'channel-merge' }),
    onReleased: (n) => {
      metrics.mergeSentAlone.inc(n);
      engine?.wake();
    },
  });
  const refused = createRefusedTraffic({
    repository: createRefusedRequestRepository(store),
    counter: metrics.refused,
    clock,
    // A storage fault is logged once by the store's health; the counts stay in memory for the next flush.
    onFlushError: (err) => {
      if (!store.health.report(err)) logger.warn({ err: { message: (err as Error).message } }, 'refused-request counts not written');
    },
  });
  const overview = createOverviewService({ store, tenants, refused, clock });
  const alerts = createAlertsService({ store, tenants, refused, clock });
  const services = createServices({ store, tenants, sources, config, clock, onQueued: () => engine?.wake() });
  const app = await buildApp({ ...services, config, ingest, deliverySettled, metrics, logger, graph, refused, overview, alerts });
  const retention = createRetentionJob({
    store,
    days: config.retentionDays,
    clock,
    logger: logger.child({ component: 'retention' }),
    onPurged: (removed) => {
      for (const [kind, n] of Object.entries(removed)) metrics.purged.inc({ kind }, n);
    },
  });
  const relay: Relay = {
    app,
    store,
    tenants,
    sources,
    engine,
    retention,
    holds,
    graph,
    url: null,
    async listen() {
      relay.url = await app.listen({ port: config.port, host: config.host });
      engine?.start();
      retention.start();
      holds.start();
      return relay.url;
    },
    async close() {
      // Stop intake first, then let in-flight batches record their outcome, then close the store.
      await app.close();
      // Every answered request's commit is done by now; this also waits for a CSV import or other caller in flight.
      await ingest.drain();
      // With the store down at shutdown, the last few seconds of refusal counts are lost (the metric kept them).
      await refused.close().catch(() => undefined);
      await retention.stop();
      await holds.stop();
      await engine?.stop();
      await graph.close();
      await store.close();
    },
  };
  return relay;
}
