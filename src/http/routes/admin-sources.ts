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
import { describeRoute } from '../route-contract.js';

const newSourceBody = z
  .object({
    platform: z.string(),
    secret: z.string().min(1).refine((s) => s.trim() !== '', 'must not be blank').optional(),
    currency: z.string().optional(),
    eventIdTemplate: z.string().optional(),
    siteUrl: z.string().max(2048).optional(),
  })
  .strict();
const rotateBody = z.object({ secret: z.string().min(1).refine((s) => s.trim() !== '', 'must not be blank') }).strict();
const statusBody = z.object({ status: z.enum(['active', 'disabled']) }).strict();
const switchesBody = z.record(z.string(), z.boolean());


const importQuery = z.object({
  map: z.union([z.string(), z.array(z.string())]).optional().meta({ description: 'column=field, repeatable (e.g. map=Email=email)' }),
  currency: z.string().optional().meta({ description: 'ISO 4217 currency for rows without one' }),
  dry_run: z.string().optional().meta({ description: '1 or true: check and show the events, store nothing' }),
});
const sourceView = z.object({
  id: z.string(),
  tenantId: z.string(),
  platform: z.string(),
  settings: z.object({ currency: z.string().optional(), siteUrl: z.string().optional() }),
  status: z.enum(['active', 'disabled']),
  createdAt: z.number().int(),
  webhookUrl: z.string().meta({ description: "the URL to paste into the platform's webhook settings" }),
});
const switchesAnswer = { 200: { description: 'the master switch and every per-event switch', schema: z.object({ forwarding: z.boolean(), switches: z.record(z.string(), z.boolean()) }) } };
const rowReport = z.object({ line: z.number().int(), reason: z.string() });
const importAnswer = z.object({
  dryRun: z.boolean(),
  summary: z.object({ rows: z.number().int(), accepted: z.number().int(), duplicate: z.number().int(), skipped: z.number().int(), rejected: z.number().int(), tooOld: z.number().int() }),
  rejected: z.array(rowReport),
  tooOld: z.array(rowReport),
  skipped: z.array(rowReport),
  events: z.array(z.object({ line: z.number().int(), event: z.record(z.string(), z.unknown()) })).optional().meta({ description: 'dry run only: the events as they would be sent' }),
  truncated: z.boolean().meta({ description: 'true when a list was cut at 1000 entries (the summary still counts every row)' }),
});

const routes = {
  listSources: describeRoute({ summary: "A tenant's webhook sources", tags: ['Admin: sources'], auth: 'admin', responses: { 200: { description: 'the sources with their webhook URLs (never their secrets)', schema: z.object({ sources: z.array(sourceView) }) } }, errors: ['not_found'] }),
  addSource: describeRoute({ summary: 'Add a webhook source', description: 'platform: shopify, woocommerce, commerce7, stripe or generic; every platform but commerce7 needs its signing secret.', tags: ['Admin: sources'], auth: 'admin', body: newSourceBody, responses: { 201: { description: 'the source and the URL to paste into the platform', schema: z.object({ id: z.string(), webhookUrl: z.string() }) } }, errors: ['not_found'] }),
  rotateSecret: describeRoute({ summary: "Replace a source's signing secret", description: 'The previous secret keeps verifying for 24 h, so in-flight retries pass.', tags: ['Admin: sources'], auth: 'admin', body: rotateBody, responses: { 200: { description: 'rotated', schema: z.object({ id: z.string(), previousSecretValidForMs: z.number().int() }) } }, errors: ['not_found'] }),
  sourceStatus: describeRoute({ summary: 'Enable or disable a source', tags: ['Admin: sources'], auth: 'admin', body: statusBody, responses: { 200: { description: 'the new status', schema: z.object({ id: z.string(), status: z.enum(['active', 'disabled']) }) } }, errors: ['not_found'] }),
  getSwitches: describeRoute({ summary: 'Per-event switches', tags: ['Admin: sources'], auth: 'admin', responses: switchesAnswer, errors: ['not_found'] }),
  setSwitches: describeRoute({ summary: 'Turn events on or off per event name', description: `Known names: ${SWITCH_NAMES.join(', ')}.`, tags: ['Admin: sources'], auth: 'admin', body: switchesBody, responses: switchesAnswer, errors: ['not_found'] }),
  importCsv: describeRoute({
    summary: 'Import offline conversions from CSV',
    description: 'Streams the file (never held in memory); rows take the one ingest path. Columns: docs/connect-your-store.md.',
    tags: ['Admin: sources'],
    auth: 'admin',
    query: importQuery,
    documentedBody: { description: 'the CSV file, header row first', content: { 'text/csv': z.string() } },
    responses: { 200: { description: 'what happened to the rows', schema: importAnswer } },
    errors: ['invalid_body', 'unsupported_media_type', 'body_too_large', 'not_found'],
  }),
};

/** Most entries listed in an upload answer; the summary still counts every row. */
const MAX_LISTED = 1000;

export async function registerAdminSourceRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { switches } = deps;
  // CSV uploads are handed over as a stream so a large file is never held in memory.
  app.addContentTypeParser(['text/csv', 'text/plain'], (_req, payload, done) => done(null, payload));

  app.get('/tenants/:id/sources', routes.listSources.options, async (req): Promise<{ sources: SourceListItem[] }> => {
    const { id } = req.params as { id: string };
    await deps.tenants.getTenant(id);
    const list = await deps.sources.listSources(id);
    return { sources: list.map((s) => ({ ...s, webhookUrl: webhookUrl(deps.config, s.platform, s.id) })) };
  });
  app.post('/tenants/:id/sources', routes.addSource.options, async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = routes.addSource.body(req);
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
  app.post('/sources/:id/rotate-secret', routes.rotateSecret.options, async (req) => {
    const { id } = req.params as { id: string };
    await deps.sources.rotateSecret(id, routes.rotateSecret.body(req).secret);
    return { id, previousSecretValidForMs: 24 * 60 * 60 * 1000 };
  });
  app.post('/sources/:id/status', routes.sourceStatus.options, async (req) => {
    const { id } = req.params as { id: string };
    const { status } = routes.sourceStatus.body(req);
    await deps.sources.setStatus(id, status);
    return { id, status };
  });

  app.get('/tenants/:id/switches', routes.getSwitches.options, async (req): Promise<SwitchesView> => {
    const { id } = req.params as { id: string };
    const tenant = await deps.tenants.getTenant(id);
    return { forwarding: tenant.forwarding, switches: await switches.list(id) };
  });
  app.put('/tenants/:id/switches', routes.setSwitches.options, async (req) => {
    const { id } = req.params as { id: string };
    const body = routes.setSwitches.body(req);
    const unknown = Object.keys(body).filter((k) => !isSwitchName(k));
    if (unknown.length > 0) throw new HttpError('invalid_body', `unknown switch(es) ${unknown.join(', ')} (known: ${SWITCH_NAMES.join(', ')})`);
    const tenant = await deps.tenants.getTenant(id);
    for (const [name, on] of Object.entries(body)) if (isSwitchName(name)) await switches.set(id, name, on);
    return { forwarding: tenant.forwarding, switches: await switches.list(id) };
  });

  app.post('/tenants/:id/imports', routes.importCsv.options, async (req) => {
    const { id } = req.params as { id: string };
    const tenant = await deps.tenants.getTenant(id);
    if (!/^text\/(csv|plain)\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError('unsupported_media_type', 'send the file as Content-Type: text/csv');
    const q = routes.importCsv.query(req);
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
