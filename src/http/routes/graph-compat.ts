/**
 * POST /{version}/{pixel_id}/events — Meta's Conversions API endpoint, at the relay's root, so a client built
 * for Meta (its SDKs, plugins that post Graph requests) switches by changing the host. The token is the store's
 * ingest key; the pixel must be one of the store's, and the events go to that pixel only. Events take the one
 * ingest path (transform, dedup, policy, gates, store + queue); the answer is Meta's envelope, sent once they are
 * durably stored, and errors are Meta's error envelope with Meta's codes, so clients' error handling keeps working.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { registerFormParsers } from '../../emulator/body-parsers.js';
import { fbtraceId, type GraphError, graphError, invalidParameter, invalidToken, serverError, unknownObject } from '../../emulator/errors.js';
import { eventsReceived, GRAPH_VERSION_RE, graphMessages, readGraphRequest } from '../../protocols/graph-api.js';
import type { TenantView } from '../../services/configuration.js';
import type { AppDeps } from '../app.js';
import { bearerToken } from '../auth.js';
import { HttpError, STORAGE_RETRY_AFTER_S } from '../errors.js';
import { z } from 'zod';
import { graphErrorEnvelope, ingestEvent } from '../api-schemas.js';
import { describeRoute } from '../route-contract.js';

const graphBody = z.looseObject({
  data: z.array(ingestEvent).min(1).meta({ description: "Meta's server events" }),
  test_event_code: z.string().optional().meta({ description: 'sent to Meta as Test Events with this code, never live' }),
  access_token: z.string().optional().meta({ description: 'the store ingest key (or ?access_token= or Bearer)' }),
});
const graphForm = z.object({
  data: z.string().meta({ description: 'the events as a JSON array' }),
  access_token: z.string().optional(),
  test_event_code: z.string().optional(),
});
const graphErrorAnswer = (description: string) => ({ description, schema: graphErrorEnvelope });
const graphRoute = describeRoute({
  summary: "Meta's Conversions API endpoint, at the relay",
  description: "Change the host from graph.facebook.com to the relay; the token is the store ingest key, the pixel one of the store's, and the events go to that pixel only. Answers and errors are Meta's (docs/switch-from.md).",
  tags: ['Drop-in: Graph API'],
  auth: 'graph',
  params: z.object({ version: z.string().meta({ description: 'any Graph API version, e.g. v24.0' }), pixelId: z.string().meta({ description: "one of the store's pixel ids" }) }),
  documentedBody: { description: "Meta's request: JSON, or the form data=[…]&access_token=… of Meta's curl examples", content: { 'application/json': graphBody, 'application/x-www-form-urlencoded': graphForm, 'multipart/form-data': graphForm } },
  responses: {
    200: {
      description: "Meta's answer, once the events are durably stored",
      schema: z.object({ events_received: z.number().int(), messages: z.array(z.string()), fbtrace_id: z.string() }),
    },
    400: graphErrorAnswer('code 100 invalid parameter (or every event refused), 104 no access token'),
    401: graphErrorAnswer('code 190: a wrong or revoked ingest key'),
    404: graphErrorAnswer("code 100 subcode 33: not one of the store's pixels; code 2500: not a Graph API version"),
    413: graphErrorAnswer('code 100: the body is larger than bodyLimitBytes'),
    503: graphErrorAnswer('code 2, transient: the database is unavailable (Retry-After)'),
  },
  errorEnvelope: 'graph',
});

/** Thrown inside the route to answer a Graph error envelope. */
class GraphAnswer extends Error {
  constructor(readonly answer: GraphError) {
    super(answer.body.error.message);
  }
}

function send(reply: FastifyReply, e: GraphError): FastifyReply {
  return reply.status(e.status).header('www-authenticate', e.status === 401 ? 'OAuth "Facebook Platform" "invalid_token"' : undefined).send(e.body);
}

const tenantOfRequest = new WeakMap<FastifyRequest, TenantView>();

export async function registerGraphCompatRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // Form bodies (`data=[…]&access_token=…`) as Meta's curl examples post them; this scope only.
  registerFormParsers(app);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof GraphAnswer) return send(reply, err.answer);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, graphError(413, { message: 'Request body too large', type: 'OAuthException', code: 100, error_user_msg: `the body is larger than ${deps.config.bodyLimitBytes} bytes` }));
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, invalidParameter('send application/json, application/x-www-form-urlencoded or multipart/form-data'));
    // The relay's own refusals before the handler (an empty JSON body, a query parameter with U+0000 or too long)
    // say what is wrong without quoting the input: Meta's code 100 with that message.
    if (err instanceof HttpError) return send(reply, invalidParameter(err.message));
    // The parser's message quotes the input: it is not repeated (no values in messages).
    if (err instanceof SyntaxError || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)) {
      return send(reply, invalidParameter('the body is not valid JSON or form data'));
    }
    // Database unreachable or disk full: Meta's transient service error, so the client retries.
    if (deps.storage.reportFault(err)) return send(reply.header('retry-after', String(STORAGE_RETRY_AFTER_S)), serverError(503));
    req.log.error({ err: { message: err.message, stack: err.stack } }, 'unhandled error on the Graph-compatible endpoint');
    return send(reply, graphError(500, { message: 'An unknown error occurred', type: 'OAuthException', code: 1, is_transient: true }));
  });

  async function authenticate(token: string): Promise<TenantView> {
    const tenant = await deps.tenants.authenticate(token, 'ingest');
    if (!tenant) throw new GraphAnswer(invalidToken());
    return tenant;
  }

  const path = '/:version/:pixelId/events';
  app.post(path, {
    ...graphRoute.options,
    // A token in the header or query is checked before the body is read: a stranger's body is never parsed.
    onRequest: async (req) => {
      const { version } = req.params as { version: string };
      if (!GRAPH_VERSION_RE.test(version)) throw new GraphAnswer(graphError(404, { message: `Unknown path components: /${version}`, type: 'OAuthException', code: 2500 }));
      const q = (req.query ?? {}) as Record<string, unknown>;
      const early = bearerToken(req) ?? (typeof q.access_token === 'string' ? q.access_token : null);
      if (early) tenantOfRequest.set(req, await authenticate(early));
    },
  }, async (req, reply) => {
    const { pixelId } = req.params as { pixelId: string };
    const read = readGraphRequest(req.body, (req.query ?? {}) as Record<string, unknown>, bearerToken(req), deps.config.maxEventsPerRequest);
    if ('detail' in read) throw new GraphAnswer(invalidParameter(read.detail, read.blame, read.subcode));
    if (!read.token) throw new GraphAnswer(graphError(400, { message: 'An access token is required to request this resource.', type: 'OAuthException', code: 104 }));
    const tenant = tenantOfRequest.get(req) ?? (await authenticate(read.token));
    const pixel = (await deps.tenants.listPixels(tenant.id)).find((p) => p.pixelId === pixelId && p.status !== 'disabled');
    if (!pixel) throw new GraphAnswer(unknownObject(pixelId, 'post'));
    const outcomes = await deps.ingest.ingest(tenant, read.events, {
      source: 'api:graph',
      onlyPixelRowId: pixel.id,
      ...(read.testEventCode ? { simulated: true, testEventCode: read.testEventCode } : {}),
    });
    const received = eventsReceived(outcomes);
    const messages = graphMessages(read.events, outcomes);
    // Meta refuses a request whose events are all invalid; the first one's reason, as Meta's code 100.
    if (received === 0) {
      const first = outcomes.findIndex((o) => o.status === 'rejected');
      const o = outcomes[first];
      throw new GraphAnswer(invalidParameter(`${o?.code ?? 'invalid'}: ${o?.message ?? 'no event was accepted'}`, `$['data'][${first}]`));
    }
    return reply.status(200).send({ events_received: received, messages, fbtrace_id: fbtraceId() });
  });
}
