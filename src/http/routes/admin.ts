import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { testConnection } from '../../delivery/test-connection.js';
import { replayDead } from '../../store/replay.js';
import { NotFoundError } from '../../store/tenants.js';
import { policySchema } from '../../transform/policy.js';
import type { AppDeps } from '../app.js';
import { requireAdmin } from '../auth.js';
import { HttpError } from '../errors.js';
import { parseBody } from '../validate.js';
import { sessionAuth } from './dashboard.js';
import { eventHistory, listQuery } from './ingest.js';

const createTenantBody = z.object({ name: z.string().min(1).max(200), policy: z.record(z.string(), z.unknown()).optional() }).strict();
const addPixelBody = z
  .object({ pixelId: z.string().regex(/^\d{5,20}$/, 'a Meta pixel id is 5–20 digits'), accessToken: z.string().min(10), testEventCode: z.string().min(1).max(64).optional() })
  .strict();
const rotatePixelBody = z.object({ accessToken: z.string().min(10), testEventCode: z.string().min(1).max(64).nullable().optional() }).strict();
const statusBody = z.object({ status: z.enum(['active', 'disabled']) }).strict();
const replayBody = z.object({ eventId: z.string().min(1).optional() }).strict();
const forwardingBody = z.object({ forwarding: z.boolean() }).strict();

/** Checks a tenant policy with the transform's own schema, so ingest never meets an invalid one. */
function validPolicy(raw: unknown): Record<string, unknown> {
  parseBody(policySchema, raw, 'policy');
  return (raw ?? {}) as Record<string, unknown>;
}


/** The admin JSON API under /api/v1, authenticated with the admin token. */
export async function registerAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { tenants } = deps;
  // A dashboard session (cookie + CSRF token) stands in for the bearer token.
  app.addHook('onRequest', async (req) => {
    if (!sessionAuth(req, deps)) requireAdmin(req, deps.config.adminToken);
  });
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof NotFoundError) return reply.status(404).send({ error: { code: 'not_found', message: err.message } });
    throw err;
  });

  app.get('/tenants', async () => ({ tenants: await tenants.listTenants() }));
  app.post('/tenants', async (req, reply) => {
    const body = parseBody(createTenantBody, req.body);
    return reply.status(201).send(await tenants.createTenant(body.name, validPolicy(body.policy ?? {})));
  });
  app.put('/tenants/:id/policy', async (req) => {
    const { id } = req.params as { id: string };
    await tenants.setPolicy(id, validPolicy(req.body));
    return tenants.getTenant(id);
  });
  app.get('/tenants/:id', async (req) => tenants.getTenant((req.params as { id: string }).id));
  app.post('/tenants/:id/status', async (req) => {
    const { id } = req.params as { id: string };
    await tenants.setTenantStatus(id, parseBody(statusBody, req.body).status);
    return tenants.getTenant(id);
  });
  app.post('/tenants/:id/forwarding', async (req) => {
    const { id } = req.params as { id: string };
    await tenants.setForwarding(id, parseBody(forwardingBody, req.body).forwarding);
    return tenants.getTenant(id);
  });
  app.post('/tenants/:id/keys/:kind/rotate', async (req) => {
    const { id, kind } = req.params as { id: string; kind: string };
    if (kind !== 'ingest' && kind !== 'publishable') throw new HttpError('invalid_parameter', 'kind must be ingest or publishable');
    return { key: await tenants.rotateKey(id, kind) };
  });

  app.get('/tenants/:id/pixels', async (req) => ({ pixels: await tenants.listPixels((req.params as { id: string }).id) }));
  app.post('/tenants/:id/pixels', async (req, reply) => {
    const body = parseBody(addPixelBody, req.body);
    const { id } = req.params as { id: string };
    return reply.status(201).send(await tenants.addPixel({ tenantId: id, pixelId: body.pixelId, accessToken: body.accessToken, testEventCode: body.testEventCode }));
  });
  app.post('/pixels/:id/status', async (req) => {
    const { id } = req.params as { id: string };
    await tenants.setPixelStatus(id, parseBody(statusBody, req.body).status);
    return { id };
  });
  app.post('/pixels/:id/rotate', async (req) => {
    const { id } = req.params as { id: string };
    const body = parseBody(rotatePixelBody, req.body);
    await tenants.rotatePixelToken(id, body.accessToken, body.testEventCode);
    return { id };
  });

  app.post('/pixels/:id/test-connection', async (req) => {
    const pixel = await tenants.getPixel((req.params as { id: string }).id);
    return testConnection(deps.graph, pixel.pixelId, pixel.accessToken);
  });
  app.post('/tenants/:id/replay', async (req) => {
    const { id } = req.params as { id: string };
    await tenants.getTenant(id);
    const body = parseBody(replayBody, req.body);
    const requeued = await replayDead(deps.store, id, { eventRowId: body.eventId }, Date.now());
    if (requeued > 0) deps.onQueued?.();
    return { requeued };
  });

  app.get('/tenants/:id/events', async (req) => {
    const { id } = req.params as { id: string };
    await tenants.getTenant(id);
    return listQuery(deps, id, req.query);
  });
  app.get('/tenants/:id/events/:eventId', async (req) => {
    const { id, eventId } = req.params as { id: string; eventId: string };
    return eventHistory(deps, id, eventId);
  });
}
