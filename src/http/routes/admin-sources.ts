/**
 * Admin API (under /api/v1; the admin guard admits the admin token or a dashboard session) for webhook sources, per-event switches and CSV uploads.
 * The CLI uses the same validation (`checkNewSource`, src/services/new-source.ts) so both reject the same input the same way.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SourceListItem, SwitchesView } from '../../core/admin-api.js';
import { importCsv, type CsvRowReport } from '../../ingest/csv-import.js';
import { csvErrorMessage, parseCsvMapping } from '../../sources/csv.js';
import type { SourceSettings } from '../../sources/index.js';
import { isSwitchName, SWITCH_NAMES } from '../../services/configuration.js';
import { checkNewSource, webhookUrl } from '../../services/new-source.js';
import type { AppDeps } from '../app.js';
import { HttpError } from '../errors.js';
import { parseBody } from '../validate.js';

const newSourceBody = z
  .object({
    platform: z.string(),
    secret: z.string().min(1).optional(),
    currency: z.string().optional(),
    eventIdTemplate: z.string().optional(),
    siteUrl: z.string().max(2048).optional(),
  })
  .strict();
const rotateBody = z.object({ secret: z.string().min(1) }).strict();
const statusBody = z.object({ status: z.enum(['active', 'disabled']) }).strict();
const switchesBody = z.record(z.string(), z.boolean());


/** Most entries listed in an upload answer; the summary still counts every row. */
const MAX_LISTED = 1000;

export async function registerAdminSourceRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { switches } = deps;
  // CSV uploads are handed over as a stream so a large file is never held in memory.
  app.addContentTypeParser(['text/csv', 'text/plain'], (_req, payload, done) => done(null, payload));

  app.get('/tenants/:id/sources', async (req): Promise<{ sources: SourceListItem[] }> => {
    const { id } = req.params as { id: string };
    await deps.tenants.getTenant(id);
    const list = await deps.sources.listSources(id);
    return { sources: list.map((s) => ({ ...s, webhookUrl: webhookUrl(deps.config, s.platform, s.id) })) };
  });
  app.post('/tenants/:id/sources', async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = parseBody(newSourceBody, req.body);
    await deps.tenants.getTenant(id);
    let settings: SourceSettings;
    try {
      settings = checkNewSource(body);
    } catch (err) {
      throw new HttpError('invalid_body', (err as Error).message);
    }
    const created = await deps.sources.addSource({ tenantId: id, platform: body.platform, secret: body.secret, settings });
    return reply.status(201).send({ id: created.id, webhookUrl: webhookUrl(deps.config, body.platform, created.id) });
  });
  app.post('/sources/:id/rotate-secret', async (req) => {
    const { id } = req.params as { id: string };
    await deps.sources.rotateSecret(id, parseBody(rotateBody, req.body).secret);
    return { id, previousSecretValidForMs: 24 * 60 * 60 * 1000 };
  });
  app.post('/sources/:id/status', async (req) => {
    const { id } = req.params as { id: string };
    const { status } = parseBody(statusBody, req.body);
    await deps.sources.setStatus(id, status);
    return { id, status };
  });

  app.get('/tenants/:id/switches', async (req): Promise<SwitchesView> => {
    const { id } = req.params as { id: string };
    const tenant = await deps.tenants.getTenant(id);
    return { forwarding: tenant.forwarding, switches: await switches.list(id) };
  });
  app.put('/tenants/:id/switches', async (req) => {
    const { id } = req.params as { id: string };
    const body = parseBody(switchesBody, req.body);
    const unknown = Object.keys(body).filter((k) => !isSwitchName(k));
    if (unknown.length > 0) throw new HttpError('invalid_body', `unknown switch(es) ${unknown.join(', ')} (known: ${SWITCH_NAMES.join(', ')})`);
    const tenant = await deps.tenants.getTenant(id);
    for (const [name, on] of Object.entries(body)) if (isSwitchName(name)) await switches.set(id, name, on);
    return { forwarding: tenant.forwarding, switches: await switches.list(id) };
  });

  app.post('/tenants/:id/imports', async (req) => {
    const { id } = req.params as { id: string };
    const tenant = await deps.tenants.getTenant(id);
    if (!/^text\/(csv|plain)\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError('unsupported_media_type', 'send the file as Content-Type: text/csv');
    const q = (req.query ?? {}) as Record<string, string | string[] | undefined>;
    const maps = q.map === undefined ? [] : Array.isArray(q.map) ? q.map : [q.map];
    let mapping;
    try {
      mapping = parseCsvMapping(maps);
    } catch (err) {
      throw new HttpError('invalid_parameter', (err as Error).message);
    }
    const currency = typeof q.currency === 'string' ? q.currency : undefined;
    const dryRun = q.dry_run === '1' || q.dry_run === 'true';
    const listed: { rejected: CsvRowReport[]; tooOld: CsvRowReport[]; skipped: CsvRowReport[]; events: CsvRowReport[] } = { rejected: [], tooOld: [], skipped: [], events: [] };
    let truncated = false;
    const keep = (list: CsvRowReport[], r: CsvRowReport) => (list.length < MAX_LISTED ? list.push(r) : (truncated = true));
    let summary;
    try {
      summary = await importCsv({
        ingest: deps.ingest,
        tenant,
        input: req.body as Readable,
        mapping,
        currency,
        dryRun,
        onRow: (r) => keep(r.kind === 'send' ? listed.events : r.kind === 'too_old' ? listed.tooOld : r.kind === 'skipped' ? listed.skipped : listed.rejected, r),
      });
    } catch (err) {
      // Malformed CSV (an unclosed quote …) stops the parser: say where, keep what was stored before.
      // csv-parse's own message quotes the offending field: only its rule and line are repeated.
      const why = csvErrorMessage(err);
      if (why !== null) throw new HttpError('invalid_body', `the CSV could not be read: ${why}`);
      throw err;
    }
    const strip = (list: CsvRowReport[]) => list.map(({ kind: _k, ...rest }) => rest);
    return {
      dryRun,
      summary,
      rejected: strip(listed.rejected),
      tooOld: strip(listed.tooOld),
      skipped: strip(listed.skipped),
      ...(dryRun ? { events: strip(listed.events) } : {}),
      truncated,
    };
  });
}
