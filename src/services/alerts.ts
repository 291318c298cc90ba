/**
 * Alerts for what costs a store conversions (src/services/alerts-rules.ts decides), per store or across every
 * store for the operator, and the gauges /metrics reports so operators can alert from Prometheus too.
 */
import type { Alert, AlertsAnswer } from '../core/overview-api.js';
import type { Store } from '../store/database.js';
import { createDashboardSignalsRepository } from '../store/dashboard-signals.js';
import { deadCounts, oldestDeadAt, pendingDeliveries } from '../store/overview-queries.js';
import { createRefusedRequestRepository } from '../store/refused-requests.js';
import type { TenantRepository, TenantView } from '../store/tenants.js';
import { BASELINE_DAYS, HOUR_MS, QUIET_HOURS, storeAlerts } from './alerts-rules.js';
import type { RefusedTraffic } from './overview-refused.js';

/** The /metrics gauge refreshGauges sets (a prom-client Gauge in src/http/metrics.ts); the backlog gauges come from readBacklog. */
export interface SignalGauges {
  pausedPixels: { set(value: number): void };
}

export interface AlertsDeps {
  store: Store;
  tenants: TenantRepository;
  refused: RefusedTraffic;
  clock: () => number;
}

export function createAlertsService(deps: AlertsDeps) {
  const signals = createDashboardSignalsRepository(deps.store);
  const refusedRows = createRefusedRequestRepository(deps.store);

  async function alertsOf(tenant: TenantView, now: number, pixels: Awaited<ReturnType<typeof signals.pixels>>, signaturesRefusedLastHour: number): Promise<Alert[]> {
    const quietFrom = now - QUIET_HOURS * HOUR_MS;
    const dead = (await deadCounts(deps.store, tenant.id)).reduce((n, d) => n + d.count, 0);
    return storeAlerts({
      tenant: { id: tenant.id, name: tenant.name, status: tenant.status },
      pixels: pixels.filter((p) => p.tenantId === tenant.id).map((p) => ({ id: p.id, pixelId: p.pixelId, name: p.metaName, status: p.status, pauseReason: p.pauseReason, updatedAt: p.updatedAt })),
      dead: { count: dead, oldestAt: dead > 0 ? await oldestDeadAt(deps.store, tenant.id) : null },
      events: {
        lastReceivedAt: await signals.lastEventAt(tenant.id),
        inQuietWindow: await signals.eventCountBetween(tenant.id, quietFrom, now + 1),
        // The usual traffic: a few test events more or less do not move a week's count.
        inBaseline: await signals.eventCountBetween(tenant.id, quietFrom - BASELINE_DAYS * 24 * HOUR_MS, quietFrom, false),
      },
      signaturesRefusedLastHour,
    });
  }

  /** Refused signatures per store over the last hour (the current and the previous UTC hour, as counted). */
  async function signaturesRefused(now: number, tenantId: string | null): Promise<Map<string, number>> {
    await deps.refused.flush();
    const rows = tenantId === null ? await refusedRows.ofAll(now - HOUR_MS) : await refusedRows.ofTenant(tenantId, now - HOUR_MS);
    const out = new Map<string, number>();
    for (const r of rows) if (r.reason === 'signature_refused') out.set(r.tenantId, (out.get(r.tenantId) ?? 0) + r.count);
    return out;
  }

  return {
    async ofTenant(tenantId: string): Promise<AlertsAnswer> {
      const tenant = await deps.tenants.getTenant(tenantId);
      const now = deps.clock();
      const refused = await signaturesRefused(now, tenantId);
      return { at: now, alerts: await alertsOf(tenant, now, await signals.pixels(tenantId), refused.get(tenantId) ?? 0) };
    },

    /** Every store's alerts, critical first (operators only). */
    async ofAll(): Promise<AlertsAnswer> {
      const now = deps.clock();
      const pixels = await signals.pixels(null);
      const refused = await signaturesRefused(now, null);
      const alerts: Alert[] = [];
      for (const tenant of await deps.tenants.listTenants()) alerts.push(...(await alertsOf(tenant, now, pixels, refused.get(tenant.id) ?? 0)));
      return { at: now, alerts: alerts.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1)) };
    },

    /** Sets the gauges /metrics reports: paused pixels, dead deliveries, the age of the oldest delivery still to be sent. */
    async refreshGauges(metrics: SignalGauges): Promise<void> {
      const pixels = await signals.pixels(null);
      metrics.pausedPixels.set(pixels.filter((p) => p.status === 'paused').length);
    },
  };
}

export type AlertsService = ReturnType<typeof createAlertsService>;
