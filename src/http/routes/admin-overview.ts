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
import { parseQuery } from '../validate.js';

const DAY_MS = 86_400_000;
const overviewQuery = z.object({ todayFrom: z.coerce.number().int().min(0).optional() }).strict();

export async function registerAdminOverviewRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { overview, alerts } = deps;
  const isTrustedProxy = createTrustedProxyCheck(deps.config.trustedProxies);

  app.get('/tenants/:id/overview', async (req) => {
    const { id } = req.params as { id: string };
    const { todayFrom } = parseQuery(overviewQuery, req.query);
    // The start of the viewer's day (their midnight): within the last day, so "today" is never a week.
    if (todayFrom !== undefined && (todayFrom > deps.ingest.now() || todayFrom < deps.ingest.now() - DAY_MS)) {
      throw new HttpError('invalid_parameter', 'todayFrom: the start of today (Unix ms), within the last 24 hours');
    }
    return overview.overview(id, todayFrom);
  });
  app.get('/tenants/:id/alerts', async (req) => alerts.ofTenant((req.params as { id: string }).id));
  app.get('/alerts', async () => alerts.ofAll());
  app.get('/tenants/:id/setup', async (req) => {
    // The snippet's src as /sdk.js computes its endpoint: publicUrl, else the address this request reached.
    const endpoint = deps.config.publicUrl ?? `${requestIsHttps(req, isTrustedProxy) ? 'https' : 'http'}://${req.host}`;
    return overview.setup((req.params as { id: string }).id, endpoint);
  });
  app.get('/tenants/:id/keys/publishable', async (req) => overview.publishableKey((req.params as { id: string }).id));
  app.get('/tenants/:id/events/:eventId/details', async (req) => {
    const { id, eventId } = req.params as { id: string; eventId: string };
    await deps.tenants.getTenant(id);
    const details = await overview.eventDetails(id, eventId);
    if (!details) throw new HttpError('not_found', `no event ${eventId} for this tenant`);
    return details;
  });
}
