import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { migrationsCurrent, ping } from '../../store/migrations.js';
import { readBacklog } from '../../store/delivery-state.js';
import type { AppDeps } from '../app.js';
import { errorBody, STORAGE_RETRY_AFTER_S } from '../errors.js';

export async function registerOpsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const db = deps.store.db as unknown as Kysely<unknown>;
    const { health } = deps.store;
    // After a storage fault (a full disk still answers select 1) ready only once the store's probe passes.
    if (health.fault() && !(await health.check())) {
      const fault = health.fault();
      reply.header('retry-after', String(STORAGE_RETRY_AFTER_S));
      return reply.status(503).send(errorBody('not_ready', `storage unavailable${fault ? ` since ${new Date(fault.since).toISOString()}: ${fault.message}` : ''}`));
    }
    try {
      await ping(db);
      if (!(await migrationsCurrent(db, deps.store.adapter))) {
        return reply.status(503).send(errorBody('not_ready', 'database migrations are pending: run capi-relay migrate'));
      }
    } catch (err) {
      health.report(err);
      return reply.status(503).send(errorBody('not_ready', `database unreachable: ${(err as Error).message}`));
    }
    return { status: 'ready', database: deps.store.adapter.name };
  });

  app.get('/metrics', async (_req, reply) => {
    const backlog = await readBacklog(deps.store, deps.ingest.now());
    deps.metrics.queued.set(backlog.unsettled);
    deps.metrics.deadDeliveries.set(backlog.dead);
    deps.metrics.oldestQueuedAge.set(backlog.oldestQueuedAgeMs / 1000);
    await deps.alerts.refreshGauges(deps.metrics);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
