import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditPage, EventDetails, EventLogPage, PixelList, RelayInfo, TenantList } from '../../core/admin-api.js';
import { graphVersionSchema } from '../../core/graph-version.js';
import { testConnection } from '../../delivery/test-connection.js';
import { policyProblem, policySchema } from '../../transform/policy.js';
import type { AppDeps } from '../app.js';
import { sessionOfRequest } from '../auth.js';
import { parseEventLogQuery } from '../event-log-query.js';
import { HttpError } from '../errors.js';
import { parseBody, parseQuery } from '../validate.js';
import { eventHistory } from './ingest.js';

const createTenantBody = z.object({ name: z.string().min(1).max(200), policy: z.record(z.string(), z.unknown()).optional() }).strict();
const roleSchema = z.enum(['primary', 'secondary']);
const testEventCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a Test Event Code is 1–64 letters, digits, _ or -');
const addPixelBody = z
  .object({
    pixelId: z.string().regex(/^\d{5,20}$/, 'a Meta pixel id is 5–20 digits'),
    accessToken: z.string().min(10),
    testEventCode: testEventCodeSchema.optional(),
    role: roleSchema.optional(),
    // Omitted or null: the relay's configured default (graphVersion).
    graphVersion: graphVersionSchema.nullable().optional(),
  })
  .strict();
const pixelSettingsBody = z
  .object({ role: roleSchema.optional(), testEventCode: testEventCodeSchema.nullable().optional(), graphVersion: graphVersionSchema.nullable().optional() })
  .strict();
const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().max(100).optional() }).strict();

const rotatePixelBody = z.object({ accessToken: z.string().min(10), testEventCode: z.string().min(1).max(64).nullable().optional() }).strict();
const statusBody = z.object({ status: z.enum(['active', 'disabled']) }).strict();
const replayBody = z.object({ eventId: z.string().min(1).optional() }).strict();
const forwardingBody = z.object({ forwarding: z.boolean() }).strict();
const identifier = z.string().min(1).max(320);
const forgetBody = z.object({ email: identifier.optional(), phone: identifier.optional(), externalId: identifier.optional(), fbp: identifier.optional() }).strict();

/** Checks a tenant policy with the transform's own schema and rules, so ingest never meets an invalid one. */
function validPolicy(raw: unknown): Record<string, unknown> {
  const problem = policyProblem(parseBody(policySchema, raw, 'policy'));
  if (problem) throw new HttpError('invalid_body', `policy ${problem}`);
  return (raw ?? {}) as Record<string, unknown>;
}


/** The admin JSON API under /api/v1 (the admin guard, routes/admin-guard.ts, admits the admin token or a dashboard session). */
export async function registerAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { tenants, audit } = deps;

  app.get('/tenants', async (req): Promise<TenantList> => {
    // A tenant-scoped session sees only its own store.
    const scope = sessionOfRequest(req)?.tenantId ?? null;
    const list = await tenants.listTenants();
    return { tenants: scope === null ? list : list.filter((t) => t.id === scope), scoped: scope !== null };
  });
  // What the configuration page shows beside the pixels and in its privacy part: the relay's public URL, default Graph API
  // version and retention in days (0: kept until deleted), all configuration.
  app.get('/relay-info', async (): Promise<RelayInfo> => ({ publicUrl: deps.config.publicUrl ?? null, graphVersion: deps.config.graphVersion, retentionDays: deps.config.retentionDays }));
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

  app.get('/tenants/:id/pixels', async (req): Promise<PixelList> => {
    const { id } = req.params as { id: string };
    return { pixels: await tenants.listPixels(id), graphVersion: deps.config.graphVersion };
  });
  app.post('/tenants/:id/pixels', async (req, reply) => {
    const body = parseBody(addPixelBody, req.body);
    const { id } = req.params as { id: string };
    const hasPrimary = (await tenants.listPixels(id)).some((p) => p.role === 'primary');
    const created = await tenants.addPixel({ tenantId: id, pixelId: body.pixelId, accessToken: body.accessToken, testEventCode: body.testEventCode, graphVersion: body.graphVersion });
    // The tenant's first pixel is its primary unless told otherwise.
    const role = body.role ?? (hasPrimary ? 'secondary' : 'primary');
    if (role === 'primary') await tenants.setPixelRole(created.id, 'primary');
    return reply.status(201).send({ ...created, role });
  });
  app.put('/pixels/:id/settings', async (req) => {
    const { id } = req.params as { id: string };
    const body = parseBody(pixelSettingsBody, req.body);
    await tenants.getPixel(id);
    if (body.role !== undefined) await tenants.setPixelRole(id, body.role);
    if (body.testEventCode !== undefined) await tenants.setPixelTestEventCode(id, body.testEventCode);
    if (body.graphVersion !== undefined) await tenants.setPixelGraphVersion(id, body.graphVersion);
    return { id };
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
    const report = await testConnection(deps.graph, pixel.pixelId, pixel.accessToken, pixel.graphVersion);
    // The overview names pixels as Meta does, and the setup checklist shows this step's outcome.
    await deps.overview.recordConnectionCheck(pixel.id, report);
    return report;
  });
  app.post('/tenants/:id/replay', async (req) => {
    const { id } = req.params as { id: string };
    await tenants.getTenant(id);
    const body = parseBody(replayBody, req.body);
    return { requeued: await deps.deliveryStatus.replayDead(id, { eventRowId: body.eventId }) };
  });

  // An erasure request (GDPR art. 17): the relay's copy only; what Meta received stays with Meta. The admin guard
  // audits it with the identifiers shown as "(given)".
  app.post('/tenants/:id/forget', async (req) => {
    const { id } = req.params as { id: string };
    const r = await deps.erasure.eraseCustomer(id, parseBody(forgetBody, req.body));
    if ('error' in r) throw new HttpError('invalid_body', r.error.message);
    return r;
  });

  app.get('/tenants/:id/events', async (req): Promise<EventLogPage> => {
    const { id } = req.params as { id: string };
    const filter = parseEventLogQuery(req.query);
    const hiddenUpTo = await tenants.eventLogClearedAt(id);
    const page = await deps.deliveryStatus.listEvents(id, { ...filter, hiddenUpTo });
    return { ...page, clearedAt: hiddenUpTo };
  });
  // "Clear the log": hides what is there now; nothing is deleted, resent or withdrawn from Meta.
  app.post('/tenants/:id/events/clear', async (req) => {
    const { id } = req.params as { id: string };
    const at = Date.now();
    await tenants.clearEventLog(id, at);
    return { clearedAt: at };
  });
  app.get('/tenants/:id/audit', async (req): Promise<AuditPage> => {
    const { id } = req.params as { id: string };
    await tenants.getTenant(id);
    const q = parseQuery(auditQuery, req.query);
    return audit.list({ tenantId: id, limit: q.limit, cursor: q.cursor });
  });
  // Every tenant's changes and sign-ins (operators only: the admin guard refuses tenant-scoped sessions).
  app.get('/audit', async (req): Promise<AuditPage> => {
    const q = parseQuery(auditQuery, req.query);
    return audit.list({ tenantId: null, limit: q.limit, cursor: q.cursor });
  });
  app.get('/tenants/:id/events/:eventId', async (req): Promise<EventDetails> => {
    const { id, eventId } = req.params as { id: string; eventId: string };
    return eventHistory(deps, id, eventId);
  });
}
