import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { migrationsCurrent, ping } from '../../store/migrations.js';
import { UNSETTLED_DELIVERY_STATUSES } from '../../store/schema.js';
import type { AppDeps } from '../app.js';
import { errorBody } from '../errors.js';

export async function registerOpsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const db = deps.store.db as unknown as Kysely<unknown>;
    try {
      await ping(db);
      if (!(await migrationsCurrent(db, deps.store.adapter))) {
        return reply.status(503).send(errorBody('not_ready', 'database migrations are pending: run capi-relay migrate'));
      }
    } catch (err) {
      return reply.status(503).send(errorBody('not_ready', `database unreachable: ${(err as Error).message}`));
    }
    return { status: 'ready', database: deps.store.adapter.name };
  });

  app.get('/metrics', async (_req, reply) => {
    const queued = await deps.store.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', UNSETTLED_DELIVERY_STATUSES)
      .executeTakeFirstOrThrow();
    deps.metrics.queued.set(Number(queued.n));
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
