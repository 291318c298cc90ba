import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditPage, EventDetails, EventLogPage, PixelList, RelayInfo, TenantList } from '../../core/admin-api.js';
import { CURSOR_MESSAGE, decodeAuditCursor } from '../../core/cursors.js';
import { graphVersionSchema } from '../../core/graph-version.js';
import { testConnection } from '../../delivery/test-connection.js';
import { policyProblem, policySchema } from '../../transform/policy.js';
import type { AppDeps } from '../app.js';
import { sessionOfRequest } from '../auth.js';
import { parseEventLogQuery } from '../event-log-query.js';
import { HttpError } from '../errors.js';
import { eventHistory as eventHistorySchema, eventLogPage, pixelView, tenantView } from '../api-schemas.js';
import { eventLogQuery } from '../event-log-query.js';
import { describeRoute } from '../route-contract.js';
import { parseBody } from '../validate.js';
import { eventHistory } from './ingest.js';

const createTenantBody = z.object({ name: z.string().trim().min(1, 'must not be blank').max(200), policy: z.record(z.string(), z.unknown()).optional() }).strict();
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
const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().max(100).refine((c) => c === '' || decodeAuditCursor(c) !== null, CURSOR_MESSAGE).optional() }).strict();

const rotatePixelBody = z.object({ accessToken: z.string().min(10), testEventCode: z.string().min(1).max(64).nullable().optional() }).strict();
const statusBody = z.object({ status: z.enum(['active', 'disabled']) }).strict();
const replayBody = z.object({ eventId: z.string().min(1).optional() }).strict();
const forwardingBody = z.object({ forwarding: z.boolean() }).strict();
const identifier = z.string().min(1).max(320);
const forgetBody = z.object({ email: identifier.optional(), phone: identifier.optional(), externalId: identifier.optional(), fbp: identifier.optional() }).strict();

const idOnly = z.object({ id: z.string() });
const createdTenant = z.object({ id: z.string(), ingestKey: z.string(), publishableKey: z.string() }).meta({ description: 'the keys are shown once' });
const auditPage = z.object({
  items: z.array(z.object({ id: z.number().int(), tenantId: z.string().nullable(), actor: z.string(), action: z.string(), target: z.string().nullable(), summary: z.record(z.string(), z.unknown()), at: z.number().int() })),
  nextCursor: z.string().nullable(),
});
const connectionReport = z.union([
  z.object({ ok: z.literal(true), pixelId: z.string(), name: z.string(), message: z.string() }),
  z.object({ ok: z.literal(false), problem: z.enum(['token', 'pixel', 'permission', 'network', 'unknown']), message: z.string() }),
]);
const tenantAnswer = { 200: { description: 'the tenant', schema: tenantView } };
const pixelIdAnswer = { 200: { description: 'done', schema: idOnly } };

const routes = {
  listTenants: describeRoute({ summary: 'List tenants (stores)', description: 'A tenant-scoped dashboard session sees only its own.', tags: ['Admin: tenants'], auth: 'admin', responses: { 200: { description: 'the tenants', schema: z.object({ tenants: z.array(tenantView), scoped: z.boolean() }) } } }),
  relayInfo: describeRoute({ summary: "The relay's public URL, default Graph API version and retention", tags: ['Admin: tenants'], auth: 'admin', responses: { 200: { description: 'configuration shown by the dashboard', schema: z.object({ publicUrl: z.string().nullable(), graphVersion: z.string(), retentionDays: z.number().int() }) } } }),
  createTenant: describeRoute({ summary: 'Create a tenant', tags: ['Admin: tenants'], auth: 'admin', body: createTenantBody, responses: { 201: { description: 'created; its ingest and publishable keys are shown once', schema: createdTenant } } }),
  setPolicy: describeRoute({ summary: "Replace a tenant's policy", description: 'The body is the whole policy (consent, gates, event_id templates …), checked by the transform\'s own rules.', tags: ['Admin: tenants'], auth: 'admin', body: policySchema, responses: tenantAnswer, errors: ['not_found'] }),
  getTenant: describeRoute({ summary: 'One tenant', tags: ['Admin: tenants'], auth: 'admin', responses: tenantAnswer, errors: ['not_found'] }),
  setTenantStatus: describeRoute({ summary: 'Enable or disable a tenant', tags: ['Admin: tenants'], auth: 'admin', body: statusBody, responses: tenantAnswer, errors: ['not_found'] }),
  setForwarding: describeRoute({ summary: "Turn a tenant's forwarding to Meta on or off (master switch)", tags: ['Admin: tenants'], auth: 'admin', body: forwardingBody, responses: tenantAnswer, errors: ['not_found'] }),
  rotateKey: describeRoute({ summary: 'Replace the ingest or publishable key', description: 'The old key stops working at once; the new one is shown once.', tags: ['Admin: tenants'], auth: 'admin', params: z.object({ id: z.string(), kind: z.enum(['ingest', 'publishable'], { message: 'kind must be ingest or publishable' }) }), responses: { 200: { description: 'the new key', schema: z.object({ key: z.string() }) } }, errors: ['not_found'] }),
  listPixels: describeRoute({ summary: "A tenant's pixels", tags: ['Admin: pixels'], auth: 'admin', responses: { 200: { description: "the pixels and the relay's default Graph API version", schema: z.object({ pixels: z.array(pixelView), graphVersion: z.string() }) } }, errors: ['not_found'] }),
  addPixel: describeRoute({ summary: 'Add a destination pixel', description: "The tenant's first pixel is its primary unless role says otherwise; the access token is sealed at rest and never returned.", tags: ['Admin: pixels'], auth: 'admin', body: addPixelBody, responses: { 201: { description: 'the pixel', schema: z.looseObject({ id: z.string(), role: z.enum(['primary', 'secondary']) }) } }, errors: ['not_found', 'already_exists'] }),
  pixelSettings: describeRoute({ summary: "Change a pixel's role, Test Event Code or Graph API version", description: 'null clears a setting.', tags: ['Admin: pixels'], auth: 'admin', body: pixelSettingsBody, responses: pixelIdAnswer, errors: ['not_found'] }),
  pixelStatus: describeRoute({ summary: 'Enable or disable a pixel', tags: ['Admin: pixels'], auth: 'admin', body: statusBody, responses: pixelIdAnswer, errors: ['not_found', 'already_exists'] }),
  rotatePixel: describeRoute({ summary: "Replace a pixel's Meta access token", tags: ['Admin: pixels'], auth: 'admin', body: rotatePixelBody, responses: pixelIdAnswer, errors: ['not_found'] }),
  testConnection: describeRoute({ summary: "Check the pixel's token with Meta", tags: ['Admin: pixels'], auth: 'admin', responses: { 200: { description: 'what Meta said', schema: connectionReport } }, errors: ['not_found'] }),
  replay: describeRoute({ summary: 'Queue dead deliveries again', description: 'Every dead delivery of the tenant, or those of one event row.', tags: ['Admin: events'], auth: 'admin', body: replayBody, responses: { 200: { description: 'how many deliveries were queued again', schema: z.object({ requeued: z.number().int() }) } }, errors: ['not_found'] }),
  forget: describeRoute({ summary: "Erase a customer from the relay's copy (GDPR art. 17)", description: 'Identifiers are hashed by the transform\'s rules, then matching rows are deleted; what Meta received stays with Meta.', tags: ['Admin: events'], auth: 'admin', body: forgetBody, responses: { 200: { description: 'rows removed', schema: z.object({ removed: z.object({ events: z.number().int(), clickIds: z.number().int(), orderBrowsers: z.number().int(), orders: z.number().int() }) }) } }, errors: ['not_found'] }),
  listEvents: describeRoute({ summary: "A tenant's event log", tags: ['Admin: events'], auth: 'admin', query: eventLogQuery, responses: { 200: { description: 'one page, newest first, after the last clear', schema: eventLogPage.extend({ clearedAt: z.number().int().nullable() }) } }, errors: ['not_found'] }),
  clearEvents: describeRoute({ summary: 'Clear the event log view', description: 'Hides what is there now; nothing is deleted, resent or withdrawn from Meta.', tags: ['Admin: events'], auth: 'admin', responses: { 200: { description: 'the time up to which the log is hidden', schema: z.object({ clearedAt: z.number().int() }) } }, errors: ['not_found'] }),
  tenantAudit: describeRoute({ summary: "A tenant's audit log", tags: ['Admin: audit'], auth: 'admin', query: auditQuery, responses: { 200: { description: 'one page, newest first', schema: auditPage } }, errors: ['not_found'] }),
  audit: describeRoute({ summary: "Every tenant's changes and sign-ins", description: 'Operators only: a tenant-scoped session is refused.', tags: ['Admin: audit'], auth: 'admin', query: auditQuery, responses: { 200: { description: 'one page, newest first', schema: auditPage } } }),
  eventDetail: describeRoute({ summary: 'One event with its decisions, payload (hashed) and history', tags: ['Admin: events'], auth: 'admin', responses: { 200: { description: 'the event', schema: eventHistorySchema } }, errors: ['not_found'] }),
};

/** Checks a tenant policy with the transform's own schema and rules, so ingest never meets an invalid one. */
function validPolicy(raw: unknown): Record<string, unknown> {
  const problem = policyProblem(parseBody(policySchema, raw, 'policy'));
  if (problem) throw new HttpError('invalid_body', `policy ${problem}`);
  return (raw ?? {}) as Record<string, unknown>;
}


/** The admin JSON API under /api/v1 (the admin guard, routes/admin-guard.ts, admits the admin token or a dashboard session). */
export async function registerAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { tenants, audit } = deps;

  app.get('/tenants', routes.listTenants.options, async (req): Promise<TenantList> => {
    // A tenant-scoped session sees only its own store.
    const scope = sessionOfRequest(req)?.tenantId ?? null;
    const list = await tenants.listTenants();
    return { tenants: scope === null ? list : list.filter((t) => t.id === scope), scoped: scope !== null };
  });
  // What the configuration page shows beside the pixels and in its privacy part: the relay's public URL, default Graph API
  // version and retention in days (0: kept until deleted), all configuration.
  app.get('/relay-info', routes.relayInfo.options, async (): Promise<RelayInfo> => ({ publicUrl: deps.config.publicUrl ?? null, graphVersion: deps.config.graphVersion, retentionDays: deps.config.retentionDays }));
  app.post('/tenants', routes.createTenant.options, async (req, reply) => {
    const body = routes.createTenant.body(req);
    return reply.status(201).send(await tenants.createTenant(body.name, validPolicy(body.policy ?? {})));
  });
  app.put('/tenants/:id/policy', routes.setPolicy.options, async (req) => {
    const { id } = req.params as { id: string };
    await tenants.setPolicy(id, validPolicy(req.body));
    return tenants.getTenant(id);
  });
  app.get('/tenants/:id', routes.getTenant.options, async (req) => tenants.getTenant((req.params as { id: string }).id));
  app.post('/tenants/:id/status', routes.setTenantStatus.options, async (req) => {
    const { id } = req.params as { id: string };
    await tenants.setTenantStatus(id, routes.setTenantStatus.body(req).status);
    return tenants.getTenant(id);
  });
  app.post('/tenants/:id/forwarding', routes.setForwarding.options, async (req) => {
    const { id } = req.params as { id: string };
    await tenants.setForwarding(id, routes.setForwarding.body(req).forwarding);
    return tenants.getTenant(id);
  });
  app.post('/tenants/:id/keys/:kind/rotate', routes.rotateKey.options, async (req) => {
    const { id, kind } = routes.rotateKey.params(req);
    return { key: await tenants.rotateKey(id, kind) };
  });

  app.get('/tenants/:id/pixels', routes.listPixels.options, async (req): Promise<PixelList> => {
    const { id } = req.params as { id: string };
    // An unknown tenant is a 404 as on every other tenant route, not an empty list.
    await tenants.getTenant(id);
    return { pixels: await tenants.listPixels(id), graphVersion: deps.config.graphVersion };
  });
  app.post('/tenants/:id/pixels', routes.addPixel.options, async (req, reply) => {
    const body = routes.addPixel.body(req);
    const { id } = req.params as { id: string };
    const hasPrimary = (await tenants.listPixels(id)).some((p) => p.role === 'primary');
    const created = await tenants.addPixel({ tenantId: id, pixelId: body.pixelId, accessToken: body.accessToken, testEventCode: body.testEventCode, graphVersion: body.graphVersion });
    // The tenant's first pixel is its primary unless told otherwise.
    const role = body.role ?? (hasPrimary ? 'secondary' : 'primary');
    if (role === 'primary') await tenants.setPixelRole(created.id, 'primary');
    return reply.status(201).send({ ...created, role });
  });
  app.put('/pixels/:id/settings', routes.pixelSettings.options, async (req) => {
    const { id } = req.params as { id: string };
    const body = routes.pixelSettings.body(req);
    await tenants.getPixel(id);
    if (body.role !== undefined) await tenants.setPixelRole(id, body.role);
    if (body.testEventCode !== undefined) await tenants.setPixelTestEventCode(id, body.testEventCode);
    if (body.graphVersion !== undefined) await tenants.setPixelGraphVersion(id, body.graphVersion);
    return { id };
  });
  app.post('/pixels/:id/status', routes.pixelStatus.options, async (req) => {
    const { id } = req.params as { id: string };
    await tenants.setPixelStatus(id, routes.pixelStatus.body(req).status);
    return { id };
  });
  app.post('/pixels/:id/rotate', routes.rotatePixel.options, async (req) => {
    const { id } = req.params as { id: string };
    const body = routes.rotatePixel.body(req);
    await tenants.rotatePixelToken(id, body.accessToken, body.testEventCode);
    return { id };
  });

  app.post('/pixels/:id/test-connection', routes.testConnection.options, async (req) => {
    const pixel = await tenants.getPixel((req.params as { id: string }).id);
    const report = await testConnection(deps.graph, pixel.pixelId, pixel.accessToken, pixel.graphVersion);
    // The overview names pixels as Meta does, and the setup checklist shows this step's outcome.
    await deps.overview.recordConnectionCheck(pixel.id, report);
    return report;
  });
  app.post('/tenants/:id/replay', routes.replay.options, async (req) => {
    const { id } = req.params as { id: string };
    await tenants.getTenant(id);
    const body = routes.replay.body(req);
    return { requeued: await deps.deliveryStatus.replayDead(id, { eventRowId: body.eventId }) };
  });

  // An erasure request (GDPR art. 17): the relay's copy only; what Meta received stays with Meta. The admin guard
  // audits it with the identifiers shown as "(given)".
  app.post('/tenants/:id/forget', routes.forget.options, async (req) => {
    const { id } = req.params as { id: string };
    const r = await deps.erasure.eraseCustomer(id, routes.forget.body(req));
    if ('error' in r) throw new HttpError('invalid_body', r.error.message);
    return r;
  });

  app.get('/tenants/:id/events', routes.listEvents.options, async (req): Promise<EventLogPage> => {
    const { id } = req.params as { id: string };
    const filter = parseEventLogQuery(req.query);
    const hiddenUpTo = await tenants.eventLogClearedAt(id);
    const page = await deps.deliveryStatus.listEvents(id, { ...filter, hiddenUpTo });
    return { ...page, clearedAt: hiddenUpTo };
  });
  // "Clear the log": hides what is there now; nothing is deleted, resent or withdrawn from Meta.
  app.post('/tenants/:id/events/clear', routes.clearEvents.options, async (req) => {
    const { id } = req.params as { id: string };
    const at = Date.now();
    await tenants.clearEventLog(id, at);
    return { clearedAt: at };
  });
  app.get('/tenants/:id/audit', routes.tenantAudit.options, async (req): Promise<AuditPage> => {
    const { id } = req.params as { id: string };
    await tenants.getTenant(id);
    const q = routes.tenantAudit.query(req);
    return audit.list({ tenantId: id, limit: q.limit, cursor: q.cursor });
  });
  // Every tenant's changes and sign-ins (operators only: the admin guard refuses tenant-scoped sessions).
  app.get('/audit', routes.audit.options, async (req): Promise<AuditPage> => {
    const q = routes.audit.query(req);
    return audit.list({ tenantId: null, limit: q.limit, cursor: q.cursor });
  });
  app.get('/tenants/:id/events/:eventId', routes.eventDetail.options, async (req): Promise<EventDetails> => {
    const { id, eventId } = req.params as { id: string; eventId: string };
    return eventHistory(deps, id, eventId);
  });
}
