/**
 * The store owner's overview, alerts, setup checklist, publishable key and event details (admin API, JSON).
 * Answers are typed in src/core/overview-api.ts; the admin guard admits the admin token, operator sessions and
 * the store's own key session (`/api/v1/alerts`, across stores, is for operators only).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createTrustedProxyCheck } from '../../browser/client-ip.js';
import type { AppDeps } from '../app.js';
import { requestIsHttps } from '../auth.js';
import { HttpError } from '../errors.js';
import { describeRoute } from '../route-contract.js';

const DAY_MS = 86_400_000;
const overviewQuery = z.object({ todayFrom: z.coerce.number().int().min(0).optional() }).strict();

// The answers' full types are in src/core/overview-api.ts; the document names their main fields.
const fixAction = z.looseObject({ label: z.string(), method: z.enum(['GET', 'POST', 'PUT']), path: z.string() }).nullable();
const alertsAnswer = z.object({
  at: z.number().int(),
  alerts: z.array(z.looseObject({ code: z.enum(['pixel_paused', 'no_events', 'signature_refusals', 'dead_deliveries']), severity: z.enum(['critical', 'warning']), tenantId: z.string(), tenantName: z.string(), message: z.string(), fix: fixAction })),
});
const overviewTag = { tags: ['Admin: tenants'], auth: 'admin' } as const;
const routes = {
  overview: describeRoute({
    ...overviewTag,
    summary: "The store owner's overview",
    description: 'Events today by channel, pixel health, deliveries and refused requests. todayFrom: the viewer\'s midnight (Unix ms, within the last 24 hours).',
    query: overviewQuery,
    responses: { 200: { description: 'the overview', schema: z.looseObject({ tenantId: z.string(), name: z.string(), status: z.enum(['active', 'disabled']), forwarding: z.boolean(), at: z.number().int(), pixels: z.array(z.record(z.string(), z.unknown())) }) } },
    errors: ['not_found'],
  }),
  tenantAlerts: describeRoute({ ...overviewTag, summary: "The store's alerts", responses: { 200: { description: 'current alerts, most severe first', schema: alertsAnswer } }, errors: ['not_found'] }),
  allAlerts: describeRoute({ ...overviewTag, summary: "Every store's alerts", description: 'Operators only.', responses: { 200: { description: 'current alerts', schema: alertsAnswer } } }),
  setup: describeRoute({
    ...overviewTag,
    summary: 'The setup checklist',
    responses: { 200: { description: 'each step done, to do or a problem, with its fix', schema: z.looseObject({ tenantId: z.string(), complete: z.boolean(), steps: z.array(z.looseObject({ id: z.string(), state: z.enum(['done', 'todo', 'problem']), title: z.string(), detail: z.string(), fix: fixAction })) }) } },
    errors: ['not_found'],
  }),
  publishableKey: describeRoute({
    ...overviewTag,
    summary: "The store's publishable key",
    responses: { 200: { description: 'the key, or null with why', schema: z.object({ key: z.string().nullable(), message: z.string().nullable() }) } },
    errors: ['not_found'],
  }),
  eventDetails: describeRoute({
    tags: ['Admin: events'],
    auth: 'admin',
    summary: 'One event as Meta receives it, with the answer per pixel',
    responses: { 200: { description: 'the event (identifiers named, never their values; IP masked)', schema: z.looseObject({ id: z.string(), eventName: z.string(), eventId: z.string(), receivedAt: z.number().int(), status: z.string(), source: z.string(), channels: z.array(z.string()), sent: z.record(z.string(), z.unknown()) }) } },
    errors: ['not_found'],
  }),
};

export async function registerAdminOverviewRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { overview, alerts } = deps;
  const isTrustedProxy = createTrustedProxyCheck(deps.config.trustedProxies);

  app.get('/tenants/:id/overview', routes.overview.options, async (req) => {
    const { id } = req.params as { id: string };
    const { todayFrom } = routes.overview.query(req);
    // The start of the viewer's day (their midnight): within the last day, so "today" is never a week.
    if (todayFrom !== undefined && (todayFrom > deps.ingest.now() || todayFrom < deps.ingest.now() - DAY_MS)) {
      throw new HttpError('invalid_parameter', 'todayFrom: the start of today (Unix ms), within the last 24 hours');
    }
    return overview.overview(id, todayFrom);
  });
  app.get('/tenants/:id/alerts', routes.tenantAlerts.options, async (req) => alerts.ofTenant((req.params as { id: string }).id));
  app.get('/alerts', routes.allAlerts.options, async () => alerts.ofAll());
  app.get('/tenants/:id/setup', routes.setup.options, async (req) => {
    // The snippet's src as /sdk.js computes its endpoint: publicUrl, else the address this request reached.
    const endpoint = deps.config.publicUrl ?? `${requestIsHttps(req, isTrustedProxy) ? 'https' : 'http'}://${req.host}`;
    return overview.setup((req.params as { id: string }).id, endpoint);
  });
  app.get('/tenants/:id/keys/publishable', routes.publishableKey.options, async (req) => overview.publishableKey((req.params as { id: string }).id));
  app.get('/tenants/:id/events/:eventId/details', routes.eventDetails.options, async (req) => {
    const { id, eventId } = req.params as { id: string; eventId: string };
    await deps.tenants.getTenant(id);
    const details = await overview.eventDetails(id, eventId);
    if (!details) throw new HttpError('not_found', `no event ${eventId} for this tenant`);
    return details;
  });
}
