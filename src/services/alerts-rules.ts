/**
 * Pure alert rules: from what is known about one store now, the conditions that cost it conversions, each
 * with the request that fixes it. No I/O; src/services/alerts.ts gathers the facts.
 */
import type { Alert, FixAction } from '../core/overview-api.js';

export const HOUR_MS = 3_600_000;
/** How long a store must be silent before its silence is news. */
export const QUIET_HOURS = 3;
/** The period the usual traffic is judged on. */
export const BASELINE_DAYS = 7;
/**
 * The events the store usually gets in QUIET_HOURS before silence is an alert: with 5 expected, hearing none by
 * chance happens under 1% of the time (Poisson, e^-5), so a quiet night shop does not page anybody.
 */
export const MIN_EXPECTED_EVENTS = 5;
/** Refused webhook signatures in the last hour that make a burst (a platform retries a few; a changed secret refuses every one). */
export const SIGNATURE_BURST = 10;

export interface StoreFacts {
  tenant: { id: string; name: string; status: 'active' | 'disabled' };
  pixels: readonly { id: string; pixelId: string; name: string | null; status: 'active' | 'disabled' | 'paused'; pauseReason: string | null; updatedAt: number }[];
  dead: { count: number; oldestAt: number | null };
  events: {
    lastReceivedAt: number | null;
    /** Events in the last QUIET_HOURS. */
    inQuietWindow: number;
    /** Events in the BASELINE_DAYS before the quiet window. */
    inBaseline: number;
  };
  /** Webhook requests refused for their signature in the last hour. */
  signaturesRefusedLastHour: number;
}

const rotateToken = (pixelRowId: string): FixAction => ({ label: 'Set a new access token', method: 'POST', path: `/api/v1/pixels/${pixelRowId}/rotate`, fields: ['accessToken'] });
export const retryAll = (tenantId: string): FixAction => ({ label: 'Retry all', method: 'POST', path: `/api/v1/tenants/${tenantId}/replay` });

/** The events a store usually receives in QUIET_HOURS, from its last BASELINE_DAYS. */
export function expectedInQuietWindow(inBaseline: number): number {
  return (inBaseline * QUIET_HOURS) / (BASELINE_DAYS * 24);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Every alert of one store, critical first. A disabled store has none: it refuses its traffic on purpose. */
export function storeAlerts(f: StoreFacts): Alert[] {
  if (f.tenant.status !== 'active') return [];
  const base = { tenantId: f.tenant.id, tenantName: f.tenant.name };
  const alerts: Alert[] = [];
  for (const p of f.pixels) {
    if (p.status !== 'paused') continue;
    alerts.push({
      ...base,
      code: 'pixel_paused',
      severity: 'critical',
      pixelRowId: p.id,
      message: `Pixel ${p.name ? `"${p.name}" (${p.pixelId})` : p.pixelId} is paused${p.pauseReason ? `: ${p.pauseReason}` : ''}. Its events wait in the queue and are sent once a new access token is set (Meta takes events up to 7 days old).`,
      since: p.updatedAt,
      count: null,
      fix: rotateToken(p.id),
    });
  }
  const expected = expectedInQuietWindow(f.events.inBaseline);
  if (f.events.inQuietWindow === 0 && expected >= MIN_EXPECTED_EVENTS) {
    alerts.push({
      ...base,
      code: 'no_events',
      severity: 'critical',
      pixelRowId: null,
      message: `No events for ${QUIET_HOURS} hours, where the store usually gets ${Math.round(expected)} in ${QUIET_HOURS} hours (its last ${BASELINE_DAYS} days). Check that the snippet is still on the pages, the webhook sources are active on the platform, and the Origin and signature refusals.`,
      since: f.events.lastReceivedAt,
      count: QUIET_HOURS,
      fix: null,
    });
  }
  if (f.signaturesRefusedLastHour >= SIGNATURE_BURST) {
    alerts.push({
      ...base,
      code: 'signature_refusals',
      severity: 'warning',
      pixelRowId: null,
      message: `${plural(f.signaturesRefusedLastHour, 'webhook request')} refused in the last hour because the signature did not verify: the secret on the platform and the source's secret in the relay differ (a rotation on one side?), or someone is sending forged requests. Nothing from them was stored.`,
      since: null,
      count: f.signaturesRefusedLastHour,
      fix: { label: 'Check the webhook sources', method: 'GET', path: `/api/v1/tenants/${f.tenant.id}/sources` },
    });
  }
  if (f.dead.count > 0) {
    alerts.push({
      ...base,
      code: 'dead_deliveries',
      severity: 'warning',
      pixelRowId: null,
      message: `${plural(f.dead.count, 'delivery', 'deliveries')} died (Meta refused them or they ran out of attempts) and will not be sent unless retried. Retry all queues them again; Meta deduplicates by event_id and drops events older than 7 days.`,
      since: f.dead.oldestAt,
      count: f.dead.count,
      fix: retryAll(f.tenant.id),
    });
  }
  return alerts.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
}
