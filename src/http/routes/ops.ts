import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import { errorBody, STORAGE_RETRY_AFTER_S } from '../errors.js';
import { describeRoute } from '../route-contract.js';

const routes = {
  health: describeRoute({ summary: 'The process is up', tags: ['Operations'], auth: 'public', responses: { 200: { description: 'up', schema: z.object({ status: z.literal('ok') }) } } }),
  ready: describeRoute({
    summary: 'Ready to take traffic',
    description: 'The database is reachable, writable again after a storage fault, and its migrations are current.',
    tags: ['Operations'],
    auth: 'public',
    responses: { 200: { description: 'ready', schema: z.object({ status: z.literal('ready'), database: z.enum(['sqlite', 'postgres']) }) } },
    errors: ['not_ready'],
  }),
  metrics: describeRoute({ summary: 'Prometheus metrics', tags: ['Operations'], auth: 'public', responses: { 200: { description: 'the Prometheus text format', contentType: 'text/plain', schema: z.string() } } }),
};

export async function registerOpsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/healthz', routes.health.options, async () => ({ status: 'ok' }));

  app.get('/readyz', routes.ready.options, async (_req, reply) => {
    const r = await deps.storage.readiness();
    if (r.ready) return { status: 'ready', database: r.database };
    if (r.reason === 'storage_fault') {
      reply.header('retry-after', String(STORAGE_RETRY_AFTER_S));
      return reply.status(503).send(errorBody('not_ready', `storage unavailable${r.fault ? ` since ${new Date(r.fault.since).toISOString()}: ${r.fault.message}` : ''}`));
    }
    if (r.reason === 'migrations_pending') return reply.status(503).send(errorBody('not_ready', 'database migrations are pending: run capi-relay migrate'));
    return reply.status(503).send(errorBody('not_ready', `database unreachable: ${r.message}`));
  });

  app.get('/metrics', routes.metrics.options, async (_req, reply) => {
    const backlog = await deps.deliveryStatus.backlog();
    deps.metrics.queued.set(backlog.unsettled);
    deps.metrics.deadDeliveries.set(backlog.dead);
    deps.metrics.oldestQueuedAge.set(backlog.oldestQueuedAgeMs / 1000);
    deps.metrics.mergeHeldNow.set(backlog.held);
    await deps.alerts.refreshGauges(deps.metrics);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
