import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Config } from '../config/config.js';
import { jsonSyntaxMessage } from '../core/input-messages.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { GraphClient } from '../delivery/graph-client.js';
import { ConflictError, NotFoundError } from '../services/configuration.js';
import type { Services } from '../services/index.js';
import { createAuthThrottle, DEFAULT_AUTH_THROTTLE } from './auth-throttle.js';
import { registerCloseOnShutdown } from './close-on-shutdown.js';
import { errorBody, HttpError, STORAGE_RETRY_AFTER_S } from './errors.js';
import { registerEarlyClose, requestTimeouts } from './slow-clients.js';
import type { Metrics } from './metrics.js';
import { checkRequestParameters, MAX_PARAMETER_LENGTH } from './validate.js';
import { useBodyDecoding } from './request-encoding.js';
import { useJsonBodyParser } from './json-body.js';
import { collectRoutes } from './route-contract.js';
import { registerOpenApiRoute } from './routes/openapi.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerCollectRoutes, registerOriginAdminRoutes } from './routes/collect.js';
import { registerShopifyPixelRoute } from './routes/admin-shopify-pixel.js';
import { registerIngestRoutes } from './routes/ingest.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerAdminSourceRoutes } from './routes/admin-sources.js';
import { registerAdminGuard } from './routes/admin-guard.js';
import { registerAdminSimulateRoutes } from './routes/admin-simulate.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { registerAdminReportRoutes } from './routes/admin-reports.js';
import { registerGraphCompatRoutes } from './routes/graph-compat.js';
import { registerSegmentRoutes } from './routes/segment.js';
import { registerGa4Routes } from './routes/ga4-mp.js';
import { registerAdminOverviewRoutes } from './routes/admin-overview.js';
import type { AlertsService } from '../services/alerts.js';
import type { OverviewService } from '../services/overview.js';
import type { RefusedTraffic } from '../services/overview-refused.js';
import type { SettledSignal } from './settled-signal.js';

/** The services (src/services/) and what else the routes use; never the store itself. */
export interface AppDeps extends Services {
  config: Config;
  graph: GraphClient;
  ingest: IngestService;
  /** Wakes requests waiting for Meta's answer (Simulate) when this process's engine records one; unset: they poll. */
  deliverySettled?: SettledSignal;
  metrics: Metrics;
  logger: FastifyBaseLogger;
  /** Counts requests refused before anything was stored (Origin, webhook signature, rate limit) per store and hour. */
  refused: RefusedTraffic;
  /** The store owner's overview, setup checklist, publishable key and event details; and the alerts. */
  overview: OverviewService;
  alerts: AlertsService;
}

/** Builds the HTTP app from its dependencies; it never reads the environment and never listens. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.config.bodyLimitBytes,
    ...requestTimeouts(deps.config.requestTimeoutMs),
    // Bodies and headers may carry PII and keys: log only method, route and status.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    // The router's own limit (default 100) answered a longer path parameter with its own 414 before
    // checkRequestParameters could apply the relay's one rule for path and query parameters.
    routerOptions: { maxParamLength: MAX_PARAMETER_LENGTH },
    // The router refuses a path it cannot percent-decode, or a parameter past maxParamLength, before any hook or
    // error handler runs; by default in Fastify's envelope, quoting the path. The relay's envelope, without the path.
    frameworkErrors: (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      if (err.code === 'FST_ERR_BAD_URL') void reply.status(400).send(errorBody('invalid_parameter', 'the path is not valid percent-encoding'));
      else if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') void reply.status(400).send(errorBody('invalid_parameter', `a path parameter is longer than ${MAX_PARAMETER_LENGTH} characters`));
      else void reply.status(500).send(errorBody('internal_error'));
    },
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HttpError) return reply.status(err.status).send(errorBody(err.code, err.message));
    // Repositories throw NotFoundError for an unknown tenant, pixel or source id: one mapping for every route.
    if (err instanceof NotFoundError) return reply.status(404).send(errorBody('not_found', err.message));
    if (err instanceof ConflictError) return reply.status(409).send(errorBody('already_exists', err.message));
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send(errorBody('body_too_large'));
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send(errorBody('unsupported_media_type'));
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
      // The parser's message quotes the input around the error: only where it went wrong is repeated.
      return reply.status(400).send(errorBody('invalid_json', jsonSyntaxMessage(err)));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(errorBody('invalid_body', err.message));
    }
    // Database unreachable or disk full: the store logs the cause once per outage; the caller retries.
    if (deps.storage.reportFault(err)) {
      return reply.status(503).header('retry-after', String(STORAGE_RETRY_AFTER_S)).send(errorBody('storage_unavailable'));
    }
    req.log.error({ err: { message: err.message, stack: err.stack } }, 'unhandled error');
    return reply.status(500).send(errorBody('internal_error'));
  });
  // Fastify's own JSON parser answers every refusal "invalid"; this one says where, or which key it refused.
  app.removeContentTypeParser('application/json');
  useJsonBodyParser(app, 'application/json');
  registerEarlyClose(app);
  registerCloseOnShutdown(app);
  app.setNotFoundHandler((_req, reply) => reply.status(404).send(errorBody('not_found')));
  // Before any route reads them: no parameter with text a database refuses (one rule for both databases).
  app.addHook('onRequest', async (req) => checkRequestParameters(req.params, req.query));
  useBodyDecoding(app);
  // The request line holds only the method, route pattern, status and time: nothing the logger's redaction paths
  // could match. It is written by a child without the redaction pass, which cost more than the rest of the line
  // (about 20 µs of a one-event request's ~160); the request id is its own field, as req.log's binding wrote it.
  const requestLine = deps.logger.child({}, { redact: { paths: [] } });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requestLine.info({ reqId: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    // By matched route and status class: a label per raw URL or exact status would grow without bound.
    deps.metrics.requestDuration.observe({ method: req.method, route, status: `${Math.floor(reply.statusCode / 100)}xx` }, reply.elapsedTime / 1000);
    done();
  });

  // Every route from here on is recorded with its contract: /openapi.json is built from them.
  const routes = collectRoutes(app);
  // One per-client throttle for wrong admin tokens and wrong sign-ins alike (the admin token also signs in).
  const authThrottle = createAuthThrottle(DEFAULT_AUTH_THROTTLE, deps.ingest.now);
  // Admin token or dashboard session, tenant scope and the audit log for every /api/v1 route (root hooks, so every route file gets them).
  registerAdminGuard(app, deps, authThrottle);
  await app.register(async (scope) => registerOpsRoutes(scope, deps));
  await app.register(async (scope) => registerDashboardRoutes(scope, deps, authThrottle));
  await app.register(async (scope) => registerIngestRoutes(scope, deps));
  await app.register(async (scope) => registerAdminRoutes(scope, deps), { prefix: '/api/v1' });
  await app.register(async (scope) => registerWebhookRoutes(scope, deps));
  await app.register(async (scope) => registerAdminSourceRoutes(scope, deps), { prefix: '/api/v1' });
  await app.register(async (scope) => registerAdminSimulateRoutes(scope, deps), { prefix: '/api/v1' });
  await app.register(async (scope) => registerCollectRoutes(scope, deps));
  await app.register(async (scope) => registerOriginAdminRoutes(scope, deps), { prefix: '/api/v1' });
  await app.register(async (scope) => registerShopifyPixelRoute(scope, deps), { prefix: '/api/v1' });
  await app.register(async (scope) => registerAdminReportRoutes(scope, deps), { prefix: '/api/v1' });
  await app.register(async (scope) => registerGraphCompatRoutes(scope, deps));
  await app.register(async (scope) => registerSegmentRoutes(scope, deps));
  await app.register(async (scope) => registerGa4Routes(scope, deps));
  await app.register(async (scope) => registerAdminOverviewRoutes(scope, deps), { prefix: '/api/v1' });
  await app.register(async (scope) => registerOpenApiRoute(scope, deps, routes));
  return app;
}
