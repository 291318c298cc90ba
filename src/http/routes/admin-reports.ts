/**
 * Admin API (under /api/v1; the admin guard admits the admin token or a dashboard session) for the reports
 * of docs/reports.md: match quality beside Meta's own score, the acceptance chain of one order or browser
 * session, the store-wide acceptance summary, attribution (JSON or CSV) and events per hour by status.
 * Reading is bounded per request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  acceptanceChain, acceptanceSummary, attributeOrders, attributionCsv, compareWithMeta, matchQuality, revenueByChannel,
  type ChainKey, type EventRow,
} from '../../reports/index.js';
import type { Period } from '../../services/reports.js';
import type { AcceptanceAnswer, AcceptanceSummaryAnswer, ChainEventView, EventsPerHourAnswer, MatchQualityAnswer } from '../../reports/answers.js';
import type { AppDeps } from '../app.js';
import { fetchDatasetQuality, type DatasetQualityAnswer } from '../dataset-quality.js';
import { HttpError } from '../errors.js';
import { describeRoute } from '../route-contract.js';

const DAY_MS = 24 * 3_600_000;

/** Per-request bounds: a recent sample is enough for shares; orders beyond the limit mark the answer truncated. */
const REPORT_LIMITS = { matchQualityEvents: 5000, orders: 10_000, chainEvents: 200 } as const;

const instant = z.string().trim().min(1).transform((s, ctx) => {
  const ms = /^\d{1,15}$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be Unix milliseconds or an ISO 8601 date-time' });
    return z.NEVER;
  }
  return ms;
});
const periodQuery = { from: instant.optional(), to: instant.optional() };
const matchQualityQuery = z.strictObject({ ...periodQuery, pixel: z.string().min(1).max(100).optional() });
const periodOnlyQuery = z.strictObject(periodQuery);
const attributionQuery = z.strictObject({ ...periodQuery, format: z.enum(['json', 'csv']).default('json') });
const chainQuery = z
  .strictObject({ order_id: z.string().trim().min(1).max(200).optional(), fbp: z.string().trim().min(1).max(200).optional() })
  .refine((q) => (q.order_id === undefined) !== (q.fbp === undefined), 'give exactly one of order_id or fbp');

const period = { from: z.number().int(), to: z.number().int() };
const report = { tags: ['Admin: reports'], auth: 'admin', errors: ['not_found', 'invalid_period'] } as const;
const routes = {
  matchQuality: describeRoute({
    ...report,
    summary: "Match quality beside Meta's own score",
    description: "Share of events carrying each customer identifier, per event type, over a period (default the last 30 days, at most 366); Meta's dataset quality for the chosen pixel when it answers.",
    query: matchQualityQuery,
    responses: { 200: { description: 'the report', schema: z.looseObject({ ...period, events: z.number().int(), truncated: z.boolean(), eventTypes: z.unknown(), meta: z.looseObject({ status: z.string() }) }) } },
  }),
  acceptance: describeRoute({
    ...report,
    summary: 'The acceptance chain of one order or browser session',
    description: 'Give exactly one of order_id or fbp: each step, browser and server event side by side, with its delivery per pixel.',
    query: chainQuery,
    responses: { 200: { description: 'the chain', schema: z.looseObject({ key: z.union([z.object({ orderId: z.string() }), z.object({ fbp: z.string() })]), order: z.unknown(), truncated: z.boolean(), steps: z.array(z.record(z.string(), z.unknown())) }) } },
    errors: ['not_found'],
  }),
  acceptanceSummary: describeRoute({
    ...report,
    summary: 'Orders reconciled against the Purchases sent',
    description: 'Over a period (default the last 7 days, at most 366).',
    query: periodOnlyQuery,
    responses: { 200: { description: 'the summary', schema: z.looseObject({ truncated: z.boolean() }) } },
  }),
  attribution: describeRoute({
    ...report,
    summary: 'Orders attributed to ad clicks, as JSON or CSV',
    description: 'Over a period (default the last 30 days, at most 366); format=csv answers a CSV download.',
    query: attributionQuery,
    responses: {
      200: {
        description: 'the attributed orders and revenue per channel',
        schema: z.looseObject({ ...period, truncated: z.boolean(), orders: z.array(z.record(z.string(), z.unknown())), revenue: z.unknown() }),
        otherContent: { 'text/csv': z.string() },
      },
    },
  }),
  eventsPerHour: describeRoute({
    ...report,
    summary: 'Events per hour by status',
    description: 'Over a period (default the last day, at most 31).',
    query: periodOnlyQuery,
    responses: { 200: { description: 'one entry per hour', schema: z.object({ ...period, hours: z.array(z.record(z.string(), z.unknown())) }) } },
  }),
};

/** Fills in the default period (the last `defaultDays`, ending now) and checks order and length. */
function periodOf(q: { from?: number | undefined; to?: number | undefined }, defaultDays: number, maxDays: number, now: number): Period {
  const to = q.to ?? now;
  const from = q.from ?? to - defaultDays * DAY_MS;
  if (from >= to) throw new HttpError('invalid_period', 'from must be before to');
  if (to - from > maxDays * DAY_MS) throw new HttpError('invalid_period', `the period may be at most ${maxDays} days`);
  return { from, to };
}

/** What the acceptance table shows of an event: ids, channels, times, amounts and delivery per pixel (no user data). */
function eventView(e: EventRow | null): ChainEventView | null {
  if (!e) return null;
  const { id, eventId, source, channels, eventTime, receivedAt, status, value, currency, deliveries } = e;
  return { id, eventId, source, channels: channels ?? [source], eventTime, receivedAt, status, value, currency, deliveries };
}

/** The report routes; registered under /api/v1. */
export async function registerAdminReportRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { reports, tenants } = deps;

  /** The tenant of the path, which must exist (the admin guard already kept scoped sessions to their own). */
  async function tenantOf(req: FastifyRequest): Promise<string> {
    return (await tenants.getTenant((req.params as { id: string }).id)).id;
  }

  /** Meta's score with the token of the chosen pixel (or the tenant's first active one). */
  async function metaQuality(tenantId: string, pixelRowId: string | undefined): Promise<DatasetQualityAnswer> {
    const pixels = await tenants.listPixels(tenantId);
    const chosen = pixelRowId ? pixels.find((p) => p.id === pixelRowId) : pixels.find((p) => p.status === 'active');
    if (pixelRowId && !chosen) throw new HttpError('not_found', `pixel ${pixelRowId} is not one of this tenant's`);
    if (!chosen) return { status: 'unavailable', datasetId: null, reason: 'this tenant has no active pixel' };
    const { accessToken } = await tenants.getPixel(chosen.id);
    return fetchDatasetQuality(deps.graph, chosen.pixelId, accessToken, chosen.graphVersion);
  }

  app.get('/tenants/:id/reports/match-quality', routes.matchQuality.options, async (req): Promise<MatchQualityAnswer> => {
    const tenantId = await tenantOf(req);
    const q = routes.matchQuality.query(req);
    const period = periodOf(q, 30, 366, Date.now());
    const [events, meta] = await Promise.all([
      reports.matchQualityEvents(tenantId, period, REPORT_LIMITS.matchQualityEvents),
      metaQuality(tenantId, q.pixel),
    ]);
    const local = matchQuality(events.rows);
    return {
      ...period,
      events: events.rows.length,
      truncated: events.truncated,
      eventTypes: local,
      meta: meta.status === 'available'
        ? { status: 'available', datasetId: meta.datasetId, comparison: compareWithMeta(local, meta.answer) }
        : meta,
    };
  });

  app.get('/tenants/:id/reports/acceptance', routes.acceptance.options, async (req): Promise<AcceptanceAnswer> => {
    const tenantId = await tenantOf(req);
    const q = routes.acceptance.query(req);
    const key: ChainKey = q.order_id !== undefined ? { orderId: q.order_id } : { fbp: q.fbp as string };
    const input = await reports.chain(tenantId, key, REPORT_LIMITS.chainEvents);
    if (input.events.length === 0 && !input.order) {
      throw new HttpError('not_found', 'orderId' in key ? `no order or event with order id ${key.orderId}` : `no event from browser ${key.fbp}`);
    }
    const chain = acceptanceChain(input.events, key, input.order ?? undefined);
    return {
      key,
      order: input.order,
      truncated: input.truncated,
      steps: chain.steps.map((s) => ({ ...s, browserEvent: eventView(s.browserEvent), serverEvent: eventView(s.serverEvent) })),
    };
  });

  app.get('/tenants/:id/reports/acceptance-summary', routes.acceptanceSummary.options, async (req): Promise<AcceptanceSummaryAnswer> => {
    const tenantId = await tenantOf(req);
    const period = periodOf(routes.acceptanceSummary.query(req), 7, 366, Date.now());
    const { orders, purchases, truncated } = await reports.ordersAndPurchases(tenantId, period, REPORT_LIMITS.orders);
    return { ...acceptanceSummary(orders, purchases, period), truncated };
  });

  app.get('/tenants/:id/reports/attribution', routes.attribution.options, async (req, reply) => {
    const tenantId = await tenantOf(req);
    const q = routes.attribution.query(req);
    const period = periodOf(q, 30, 366, Date.now());
    const { orders, truncated } = await reports.orders(tenantId, period, REPORT_LIMITS.orders);
    const inPeriod = orders.filter((o) => o.createdAt >= period.from && o.createdAt < period.to).sort((a, b) => b.createdAt - a.createdAt);
    const rows = attributeOrders(inPeriod, await reports.clicks(tenantId, inPeriod, period));
    if (q.format === 'csv') {
      const name = `attribution-${new Date(period.from).toISOString().slice(0, 10)}-${new Date(period.to).toISOString().slice(0, 10)}.csv`;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(attributionCsv(rows));
    }
    return { ...period, truncated, orders: rows, revenue: revenueByChannel(rows) };
  });

  app.get('/tenants/:id/reports/events-per-hour', routes.eventsPerHour.options, async (req): Promise<EventsPerHourAnswer> => {
    const tenantId = await tenantOf(req);
    const period = periodOf(routes.eventsPerHour.query(req), 1, 31, Date.now());
    return { ...period, hours: await reports.eventsPerHour(tenantId, period) };
  });
}
