import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { unknownKeyMessage } from '../../core/input-messages.js';
import type { TenantView } from '../../services/configuration.js';
import type { AppDeps } from '../app.js';
import { bearerToken } from '../auth.js';
import { eventLogQuery, parseEventLogQuery } from '../event-log-query.js';
import { HttpError } from '../errors.js';
import { eventHistory as eventHistorySchema, eventLogPage, eventResults, ingestEvent } from '../api-schemas.js';
import { describeRoute } from '../route-contract.js';

const routes = {
  ingest: describeRoute({
    summary: 'Send events',
    description: "One event, {\"events\": [...]} or Meta's {\"data\": [...]} with 1 to maxEventsPerRequest events. Answered 202 whenever the body could be read: look at each event's result.",
    tags: ['Ingest'],
    auth: 'ingest',
    documentedBody: {
      description: 'the events (each Meta-native or commerce-shaped, detected per event)',
      content: { 'application/json': z.union([ingestEvent, z.object({ events: z.array(ingestEvent).min(1) }), z.object({ data: z.array(ingestEvent).min(1) })]) },
    },
    responses: { 202: { description: 'one result per event, in input order', schema: eventResults } },
    errors: ['invalid_json', 'invalid_body', 'too_many_events', 'body_too_large', 'unsupported_media_type'],
  }),
  list: describeRoute({ summary: "The store's event log", description: 'Newest first, each event with its delivery status per pixel.', tags: ['Event log'], auth: 'ingest', query: eventLogQuery, responses: { 200: { description: 'one page', schema: eventLogPage } } }),
  detail: describeRoute({ summary: 'One event with its decisions, payload (hashed) and history', tags: ['Event log'], auth: 'ingest', responses: { 200: { description: 'the event', schema: eventHistorySchema } }, errors: ['not_found'] }),
};

/** Splits a body into events: one event object, `{ "events": [...] }`, or Meta's `{ "data": [...] }`. */
export function eventsOfBody(body: unknown, max: number): unknown[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError('invalid_body', 'the body must be one event object or {"events": [...]}');
  }
  const record = body as Record<string, unknown>;
  // `{"data": [...]}` is Meta's Graph request body: taken as a batch of Meta-native events, as `events` is.
  const key = 'events' in record ? 'events' : 'data' in record && !('event_name' in record) && !('event' in record) ? 'data' : null;
  if (key === null) return [body];
  const extra = Object.keys(record).filter((k) => k !== key);
  if (extra.length > 0) {
    const graph = key === 'data' && extra.some((k) => k === 'test_event_code' || k === 'access_token');
    throw new HttpError('invalid_body', graph
      ? "test_event_code and access_token belong to Meta's Graph request: post it to /{version}/{pixel_id}/events (e.g. /v24.0/<pixel id>/events), which takes them"
      : unknownKeyMessage(`beside "${key}"`, extra[0] as string));
  }
  const list = record[key];
  if (!Array.isArray(list)) throw new HttpError('invalid_body', `"${key}" must be an array`);
  if (list.length === 0) throw new HttpError('invalid_body', `"${key}" must hold at least one event`);
  if (list.length > max) throw new HttpError('too_many_events', `at most ${max} events per request; got ${list.length}`);
  return list;
}

export async function registerIngestRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  async function tenantOf(req: FastifyRequest): Promise<TenantView> {
    const key = bearerToken(req);
    if (!key) throw new HttpError('unauthorized', 'send the tenant ingest key as Authorization: Bearer <key>');
    const tenant = await deps.tenants.authenticate(key, 'ingest');
    if (!tenant) throw new HttpError('unauthorized', 'invalid or revoked ingest key');
    return tenant;
  }

  // The key is checked on the headers, before the body is read: an unauthenticated client never gets up to
  // bodyLimitBytes buffered (the error handler answers 401 and closes the connection).
  const authenticated = new WeakMap<FastifyRequest, TenantView>();
  app.addHook('onRequest', async (req) => {
    authenticated.set(req, await tenantOf(req));
  });
  const tenantOfRequest = (req: FastifyRequest): Promise<TenantView> => {
    const tenant = authenticated.get(req);
    return tenant ? Promise.resolve(tenant) : tenantOf(req);
  };

  app.post('/v1/events', routes.ingest.options, async (req, reply) => {
    const tenant = await tenantOfRequest(req);
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError('unsupported_media_type');
    const events = eventsOfBody(req.body, deps.config.maxEventsPerRequest);
    const results = await deps.ingest.ingest(tenant, events, { source: 'api' });
    return reply.status(202).send({ results });
  });

  app.get('/v1/events', routes.list.options, async (req) => {
    const tenant = await tenantOfRequest(req);
    return deps.deliveryStatus.listEvents(tenant.id, parseEventLogQuery(req.query));
  });

  app.get('/v1/events/:id', routes.detail.options, async (req) => {
    const tenant = await tenantOfRequest(req);
    const { id } = req.params as { id: string };
    return eventHistory(deps, tenant.id, id);
  });
}

export async function eventHistory(deps: AppDeps, tenantId: string, id: string) {
  const event = await deps.deliveryStatus.eventHistory(tenantId, id);
  if (!event) throw new HttpError('not_found', `no event ${id} for this tenant`);
  return event;
}
