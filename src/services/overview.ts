/**
 * The store owner's overview, setup checklist, publishable key and event details, read from the store through
 * src/store/dashboard-signals.ts, src/store/overview-queries.ts (every read of delivery state, through src/store/delivery-state.ts) and
 * src/store/refused-requests.ts. The HTTP routes (src/http/routes/admin-overview.ts) call only this module and
 * alerts.ts.
 */
import type {
  EventDetails, PixelHealth, PublishableKeyAnswer, RefusedCounts, RefusedReason, SetupAnswer, SetupStep, TenantOverview,
} from '../core/overview-api.js';
import type { ConnectionReport } from '../delivery/test-connection.js';
import { parseChannels } from '../store/channels.js';
import type { Store } from '../store/database.js';
import { createDashboardSignalsRepository } from '../store/dashboard-signals.js';
import { deadCounts, deliveriesOfEvent, deliveryCountsSince, lastErrors, pendingDeliveries } from '../store/overview-queries.js';
import { createRefusedRequestRepository, type RefusedCount } from '../store/refused-requests.js';
import { toWireEvent } from '../store/stored-payload.js';
import type { TenantRepository } from '../store/tenants.js';
import { retryAll } from './alerts-rules.js';
import type { RefusedTraffic } from './overview-refused.js';
import { channelClass, countByChannel, deliveryCounts, identifierNames, maskIp, pixelHealth } from './overview-rules.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const REFUSED_REASONS: readonly RefusedReason[] = ['origin_not_allowed', 'signature_refused', 'rate_limited'];

export interface OverviewDeps {
  store: Store;
  tenants: TenantRepository;
  refused: RefusedTraffic;
  clock: () => number;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? ' was' : 's were'}`;

/** Sums refused counts by reason (unknown reasons are left out). */
export function refusedTotals(rows: readonly RefusedCount[]): RefusedCounts {
  const out: RefusedCounts = { origin_not_allowed: 0, signature_refused: 0, rate_limited: 0 };
  for (const r of rows) if ((REFUSED_REASONS as readonly string[]).includes(r.reason)) out[r.reason as RefusedReason] += r.count;
  return out;
}

/** The start of today in UTC, the overview's default day. */
export function utcMidnight(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

/** The snippet tags to paste in `<head>` (docs/snippet.md), with the store's key. */
export function snippetTag(endpoint: string, key: string): string {
  return [
    '<script>',
    "  window.capiRelay=window.capiRelay||{q:[],track:function(){this.q.push(['track',arguments])},consent:function(){this.q.push(['consent',arguments])},init:function(){this.q.push(['init',arguments])}};",
    '</script>',
    `<script async src="${endpoint.replace(/\/+$/, '')}/sdk.js?key=${encodeURIComponent(key)}"></script>`,
  ].join('\n');
}

/** Keeps what Test Connection found (the API's and the CLI's): Meta's name for the pixel, or the problem. */
export function recordConnectionCheck(store: Store, pixelRowId: string, report: ConnectionReport, at: number): Promise<void> {
  return createDashboardSignalsRepository(store).recordConnectionCheck(pixelRowId, report.ok ? { name: report.name } : { problem: `${report.problem}: ${report.message}` }, at);
}

export function createOverviewService(deps: OverviewDeps) {
  const signals = createDashboardSignalsRepository(deps.store);
  const refusedRows = createRefusedRequestRepository(deps.store);

  async function publishableKey(tenantId: string): Promise<PublishableKeyAnswer> {
    await deps.tenants.getTenant(tenantId);
    const k = await signals.publishableKey(tenantId);
    if (k.key !== null) return { key: k.key, message: null };
    return {
      key: null,
      message: k.exists
        ? 'this publishable key was issued before the relay kept publishable keys (only its hash is stored): rotate it once (POST /api/v1/tenants/{id}/keys/publishable/rotate) and update the snippet tag on your pages'
        : 'the store has no active publishable key: rotate one (POST /api/v1/tenants/{id}/keys/publishable/rotate)',
    };
  }

  return {
    async overview(tenantId: string, todayFrom?: number): Promise<TenantOverview> {
      const tenant = await deps.tenants.getTenant(tenantId);
      const now = deps.clock();
      const from7 = now - 7 * DAY_MS;
      const dayStart = todayFrom ?? utcMidnight(now);
      const channelRows = await signals.channelRows(tenantId, Math.min(from7, dayStart), dayStart);
      const parsed = channelRows.map((r) => ({ channels: parseChannels(r.channels, r.source), total: r.total, today: r.today }));
      const pixels = await signals.pixels(tenantId);
      const counts = await deliveryCountsSince(deps.store, tenantId, from7);
      const errors = await lastErrors(deps.store, pixels.map((p) => p.id));
      const dead = await deadCounts(deps.store, tenantId);
      const pending = await pendingDeliveries(deps.store, tenantId);
      await deps.refused.flush();
      const refused = await refusedRows.ofTenant(tenantId, now - DAY_MS + 1);
      const byHour = new Map<number, RefusedCount[]>();
      for (const r of refused) byHour.set(r.hour, [...(byHour.get(r.hour) ?? []), r]);

      const pixelHealthRows: PixelHealth[] = pixels.map((p) => {
        const own = counts.filter((x) => x.pixelRowId === p.id);
        const c = deliveryCounts(own);
        const last = { lastSentAt: own.find((x) => x.status === 'sent')?.lastAt ?? null, lastError: errors.get(p.id) ?? null };
        return {
          id: p.id,
          pixelId: p.pixelId,
          name: p.metaName,
          status: p.status,
          pauseReason: p.pauseReason,
          role: p.role,
          health: pixelHealth(p.status, c, last.lastSentAt, now),
          last7Days: c,
          lastSentAt: last.lastSentAt,
          lastError: last.lastError,
          dead: dead.filter((d) => d.pixelRowId === p.id).reduce((n, d) => n + d.count, 0),
        };
      });
      return {
        tenantId,
        name: tenant.name,
        status: tenant.status,
        forwarding: tenant.forwarding,
        at: now,
        events: {
          todayFrom: dayStart,
          today: countByChannel(parsed.map((r) => ({ channels: r.channels, count: r.today }))),
          last7Days: countByChannel(parsed.map((r) => ({ channels: r.channels, count: r.total }))),
          lastReceivedAt: await signals.lastEventAt(tenantId),
        },
        pixels: pixelHealthRows,
        deliveries: {
          dead: dead.reduce((n, d) => n + d.count, 0),
          pending: pending.count,
          oldestPendingAgeMs: pending.oldestCreatedAt === null ? null : Math.max(0, now - pending.oldestCreatedAt),
          retryAll: retryAll(tenantId),
        },
        refused: {
          last24Hours: refusedTotals(refused),
          hourly: [...byHour.entries()].map(([hour, rows]) => ({ hour, ...refusedTotals(rows) })),
        },
      };
    },

    publishableKey,

    /** The setup checklist: pixel → Test Connection → snippet → webhook source → first event, each with its state. */
    async setup(tenantId: string, endpoint: string): Promise<SetupAnswer> {
      await deps.tenants.getTenant(tenantId);
      const pixels = (await signals.pixels(tenantId)).filter((p) => p.status !== 'disabled');
      const facts = await signals.setupFacts(tenantId);
      const key = await publishableKey(tenantId);
      await deps.refused.flush();
      const refused = refusedTotals(await refusedRows.ofTenant(tenantId, deps.clock() - DAY_MS + 1));
      const steps: SetupStep[] = [];

      steps.push(
        pixels.length > 0
          ? { id: 'pixel', state: 'done', title: 'Add a pixel', detail: `${pixels.length} pixel${pixels.length === 1 ? '' : 's'}: ${pixels.map((p) => p.metaName ?? p.pixelId).join(', ')}`, fix: null }
          : { id: 'pixel', state: 'todo', title: 'Add a pixel', detail: 'add the Meta pixel (dataset) id and a Conversions API access token from Events Manager', fix: { label: 'Add a pixel', method: 'POST', path: `/api/v1/tenants/${tenantId}/pixels`, fields: ['pixelId', 'accessToken'] } },
      );

      const verified = pixels.filter((p) => p.connectionCheckedAt !== null && p.connectionProblem === null);
      const failing = pixels.find((p) => p.connectionCheckedAt !== null && p.connectionProblem !== null);
      const unchecked = pixels.find((p) => p.connectionCheckedAt === null);
      const testFix = (id: string) => ({ label: 'Test connection', method: 'POST' as const, path: `/api/v1/pixels/${id}/test-connection` });
      if (pixels.length === 0) steps.push({ id: 'test_connection', state: 'todo', title: 'Test the connection to Meta', detail: 'add a pixel first', fix: null });
      else if (failing) steps.push({ id: 'test_connection', state: 'problem', title: 'Test the connection to Meta', detail: `pixel ${failing.metaName ?? failing.pixelId}: ${failing.connectionProblem ?? ''}`, fix: testFix(failing.id) });
      else if (unchecked) steps.push({ id: 'test_connection', state: 'todo', title: 'Test the connection to Meta', detail: `pixel ${unchecked.pixelId} has not been tested yet`, fix: testFix(unchecked.id) });
      else steps.push({ id: 'test_connection', state: 'done', title: 'Test the connection to Meta', detail: `verified: ${verified.map((p) => p.metaName ?? p.pixelId).join(', ')}`, fix: null });

      const snippetTitle = 'Add the snippet to your pages';
      if (facts.firstBrowserEventAt !== null) steps.push({ id: 'snippet', state: 'done', title: snippetTitle, detail: `first browser event received ${new Date(facts.firstBrowserEventAt).toISOString()}`, fix: null });
      else if (facts.origins.length === 0) steps.push({ id: 'snippet', state: 'todo', title: snippetTitle, detail: "list your shop's origin (https://shop.example) first: beacons from an origin not on the list are refused", fix: { label: 'Add an origin', method: 'POST', path: `/api/v1/tenants/${tenantId}/origins`, fields: ['origin'] } });
      else if (refused.origin_not_allowed > 0) steps.push({ id: 'snippet', state: 'problem', title: snippetTitle, detail: `${plural(refused.origin_not_allowed, 'beacon')} refused in the last 24 hours, sent from an origin not on the list (${facts.origins.join(', ')}): add the origin the shop is served from, exactly (scheme, host and port)`, fix: { label: 'Add an origin', method: 'POST', path: `/api/v1/tenants/${tenantId}/origins`, fields: ['origin'] } });
      else steps.push({ id: 'snippet', state: 'todo', title: snippetTitle, detail: `paste the tag into <head> on ${facts.origins.join(', ')}; no browser event has arrived yet`, fix: null });

      const activeSources = facts.sources.filter((s) => s.active);
      const sourceTitle = 'Connect a webhook source';
      if (facts.firstWebhookEventAt !== null) steps.push({ id: 'webhook_source', state: 'done', title: sourceTitle, detail: `first webhook received ${new Date(facts.firstWebhookEventAt).toISOString()} (${activeSources.map((s) => s.platform).join(', ') || 'no active source now'})`, fix: null });
      else if (activeSources.length === 0) steps.push({ id: 'webhook_source', state: 'todo', title: sourceTitle, detail: 'add a source for your platform (Shopify, WooCommerce, Stripe …) and register its URL there', fix: { label: 'Add a source', method: 'POST', path: `/api/v1/tenants/${tenantId}/sources`, fields: ['platform', 'secret'] } });
      else if (refused.signature_refused > 0) steps.push({ id: 'webhook_source', state: 'problem', title: sourceTitle, detail: `${plural(refused.signature_refused, 'webhook request')} in the last 24 hours refused for their signature: the secret in the relay must be the one the platform signs with`, fix: { label: 'Check the webhook sources', method: 'GET', path: `/api/v1/tenants/${tenantId}/sources` } });
      else steps.push({ id: 'webhook_source', state: 'todo', title: sourceTitle, detail: `${activeSources.map((s) => s.platform).join(', ')} source added; no webhook has arrived yet (register its URL on the platform, then place a test order)`, fix: null });

      steps.push(
        facts.firstEventAt !== null
          ? { id: 'first_event', state: 'done', title: 'See the first event', detail: `first event received ${new Date(facts.firstEventAt).toISOString()}`, fix: null }
          : { id: 'first_event', state: 'todo', title: 'See the first event', detail: 'no event has arrived yet (simulations do not count)', fix: null },
      );

      return {
        tenantId,
        steps,
        complete: steps.every((s) => s.state === 'done'),
        snippet: { publishableKey: key.key, tag: key.key === null ? null : snippetTag(endpoint, key.key), origins: facts.origins },
      };
    },

    /** What was sent for one event, by name and as JSON (IP masked), and Meta's answer per pixel; null when it is not the store's. */
    async eventDetails(tenantId: string, eventId: string): Promise<EventDetails | null> {
      const row = await signals.eventRow(tenantId, eventId);
      if (!row) return null;
      const wire = toWireEvent(row.payload, row.clientIp === null ? null : maskIp(row.clientIp), row.userAgent);
      const sent = JSON.parse(wire.json) as Record<string, unknown>;
      const userData = (sent.user_data ?? {}) as Record<string, unknown>;
      const custom = (sent.custom_data ?? {}) as Record<string, unknown>;
      const names = identifierNames(userData);
      // Erased after sending: still named (the 0/1 flags remember they were sent), never shown.
      if (row.clientIp === null && row.hadClientIp === true) names.push('IP address');
      if (row.userAgent === null && row.hadUserAgent === true) names.push('User agent');
      const channels = parseChannels(row.channels, row.source);
      return {
        id: row.id,
        eventName: row.eventName,
        eventId: row.eventId,
        eventTime: typeof sent.event_time === 'number' ? sent.event_time : null,
        receivedAt: row.receivedAt,
        status: row.status,
        source: row.source,
        channels,
        channelClass: channelClass(channels),
        simulated: row.simulated,
        value: typeof custom.value === 'number' ? custom.value : null,
        currency: typeof custom.currency === 'string' ? custom.currency : null,
        contents: Array.isArray(custom.contents) ? custom.contents : [],
        identifiers: names,
        sent,
        clientFields: {
          ipAddress: row.clientIp !== null ? 'shown_masked' : row.hadClientIp === true ? 'erased' : 'absent',
          userAgent: row.userAgent !== null ? 'shown' : row.hadUserAgent === true ? 'erased' : 'absent',
        },
        answers: await deliveriesOfEvent(deps.store, tenantId, row.id),
      };
    },

    /** Keeps Test Connection's outcome: Meta's name for the pixel, or the problem, for the overview and the checklist. */
    recordConnectionCheck: (pixelRowId: string, report: ConnectionReport): Promise<void> => recordConnectionCheck(deps.store, pixelRowId, report, deps.clock()),
  };
}

export type OverviewService = ReturnType<typeof createOverviewService>;
