/** The rows behind the reports of docs/reports.md (the pure computations are src/reports/); thin over the store's report queries. */
import type { ChainKey, OrderRow } from '../reports/index.js';
import type { Store } from '../store/database.js';
import {
  readChain, readClicks, readEventsPerHour, readMatchQualityEvents, readOrders, readOrdersAndPurchases, type Period,
} from '../store/report-queries.js';

export type { Period } from '../store/report-queries.js';

export function createReportService(store: Store) {
  return {
    matchQualityEvents: (tenantId: string, period: Period, limit: number) => readMatchQualityEvents(store, tenantId, period, limit),
    chain: (tenantId: string, key: ChainKey, limit: number) => readChain(store, tenantId, key, limit),
    ordersAndPurchases: (tenantId: string, period: Period, limit: number) => readOrdersAndPurchases(store, tenantId, period, limit),
    orders: (tenantId: string, period: Period, limit: number) => readOrders(store, tenantId, period, limit),
    clicks: (tenantId: string, orders: readonly OrderRow[], period: Period) => readClicks(store, tenantId, orders, period),
    eventsPerHour: (tenantId: string, period: Period) => readEventsPerHour(store, tenantId, period),
  };
}

export type ReportService = ReturnType<typeof createReportService>;
