/**
 * GA4 Measurement Protocol: POST /mp/collect?measurement_id=…&api_secret=… and its /debug/mp/collect twin.
 * The api_secret is the store's ingest key (Google's api_secret is a server-side secret too, so one key kind
 * serves both; never put it in a page). measurement_id is required as Google requires it, and not used.
 * /mp/collect answers 204 once the events are stored and queued, through the one ingest path; the debug twin
 * stores nothing and answers Google's `{"validationMessages": [...]}`, including what the relay's transform
 * would refuse or not send.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GA4_MAX_EVENTS, mapMpRequest, validateMpRequest, type ValidationMessage } from '../../protocols/ga4-mp.js';
import type { TenantView } from '../../services/configuration.js';
import { parsePolicy, transformEvent } from '../../transform/transform.js';
import { checkUntrusted } from '../../transform/untrusted.js';
import type { AppDeps } from '../app.js';
import { HttpError } from '../errors.js';
import { parseTextPlainAsJson } from '../validate.js';
import { z } from 'zod';
import { describeRoute } from '../route-contract.js';

const mpQuery = z.looseObject({
  measurement_id: z.string().meta({ description: 'required as Google requires it; not used' }),
  api_secret: z.string().meta({ description: 'the store ingest key' }),
});
const mpBody = z.looseObject({
  client_id: z.string().optional(),
  user_id: z.string().optional(),
  timestamp_micros: z.union([z.number(), z.string()]).optional(),
  user_data: z.record(z.string(), z.unknown()).optional(),
  consent: z.record(z.string(), z.unknown()).optional(),
  events: z.array(z.looseObject({ name: z.string(), params: z.record(z.string(), z.unknown()).optional() })).min(1).max(GA4_MAX_EVENTS),
});
const body = { description: 'a Measurement Protocol request, as JSON (or text/plain holding JSON)', content: { 'application/json': mpBody, 'text/plain': z.string() } };
const routes = {
  collect: describeRoute({
    summary: 'GA4 Measurement Protocol: send events',
    description: 'Answers 204 once the events are stored and queued (docs/switch-from.md).',
    tags: ['Drop-in: GA4'],
    auth: 'ga4',
    query: mpQuery,
    documentedBody: body,
    responses: { 204: { description: 'stored and queued' } },
    errors: ['invalid_json', 'invalid_body', 'too_many_events', 'body_too_large', 'unsupported_media_type'],
  }),
  debug: describeRoute({
    summary: 'GA4 Measurement Protocol: validate only',
    description: "Stores nothing; lists every problem, including what the relay's transform would refuse or not send.",
    tags: ['Drop-in: GA4'],
    auth: 'ga4',
    query: mpQuery,
    documentedBody: body,
    responses: {
      200: {
        description: "Google's validation answer (empty when valid)",
        schema: z.object({ validationMessages: z.array(z.object({ fieldPath: z.string(), description: z.string(), validationCode: z.string() })) }),
      },
    },
    errors: ['invalid_json', 'body_too_large', 'unsupported_media_type'],
  }),
};

const tenantOfRequest = new WeakMap<FastifyRequest, TenantView>();

export async function registerGa4Routes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // gtag and server-side GTM may post JSON as text/plain.
  parseTextPlainAsJson(app);
  // The api_secret is checked before the body is read.
  app.addHook('onRequest', async (req) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    if (typeof q.measurement_id !== 'string' || q.measurement_id === '') throw new HttpError('invalid_parameter', 'measurement_id: required (any value; the relay does not use it)');
    const secret = typeof q.api_secret === 'string' ? q.api_secret : '';
    if (!secret) throw new HttpError('unauthorized', 'send the store ingest key as api_secret');
    const tenant = await deps.tenants.authenticate(secret, 'ingest');
    if (!tenant) throw new HttpError('unauthorized', 'invalid or revoked api_secret (the store ingest key)');
    tenantOfRequest.set(req, tenant);
  });

  app.post('/mp/collect', routes.collect.options, async (req, reply) => {
    const tenant = tenantOfRequest.get(req) as TenantView;
    const unsafe = checkUntrusted(req.body, 'body');
    if (unsafe) throw new HttpError('invalid_body', unsafe.message);
    const problems = validateMpRequest(req.body);
    const firstProblem = problems[0];
    if (firstProblem) throw new HttpError(firstProblem.validationCode === 'EXCEEDED_MAX_ENTITIES' ? 'too_many_events' : 'invalid_body', `${firstProblem.fieldPath}: ${firstProblem.description} (POST /debug/mp/collect lists every problem)`);
    await deps.ingest.ingest(tenant, mapMpRequest(req.body as Record<string, unknown>), { source: 'api:ga4' });
    return reply.status(204).send();
  });

  app.post('/debug/mp/collect', routes.debug.options, async (req) => {
    const tenant = tenantOfRequest.get(req) as TenantView;
    const unsafe = checkUntrusted(req.body, 'body');
    if (unsafe) return { validationMessages: [{ fieldPath: unsafe.path.join('.'), description: unsafe.message, validationCode: 'VALUE_INVALID' }] };
    const validationMessages: ValidationMessage[] = validateMpRequest(req.body);
    if (validationMessages.length > 0) return { validationMessages };
    let policy;
    try {
      policy = parsePolicy(tenant.policy);
    } catch {
      return { validationMessages: [{ fieldPath: '', description: "the store's policy is invalid: fix it in the dashboard", validationCode: 'VALUE_INVALID' }] };
    }
    const now = deps.ingest.now();
    mapMpRequest(req.body as Record<string, unknown>).forEach((input, i) => {
      const r = transformEvent(input, policy, { now });
      if (r.kind === 'rejected') validationMessages.push({ fieldPath: `events[${i}]`, description: `${r.code}: ${r.message}`, validationCode: 'VALUE_INVALID' });
      else if (r.kind === 'dropped') validationMessages.push({ fieldPath: `events[${i}]`, description: `would be stored, not sent to Meta: ${r.code}: ${r.message}`, validationCode: 'VALUE_INVALID' });
    });
    return { validationMessages };
  });
}
