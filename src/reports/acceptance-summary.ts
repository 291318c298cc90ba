/**
 * Store-wide acceptance summary over a period: orders vs Purchase events, dedup rate, mismatches, and a
 * "signal loss" diagnosis per symptom with examples and the first thing to check.
 */
import { isReconcilable, pairChannels, reconcile } from './acceptance.js';
import { isBrowserSource, type EventRow, type OrderRow } from './rows.js';

/** The symptoms the summary diagnoses, in display order. */
export const SIGNAL_LOSS_SYMPTOMS = [
  'browser_missing', 'server_missing', 'server_late', 'no_dedup', 'value_mismatch', 'currency_mismatch',
] as const;
export type SignalLossSymptom = (typeof SIGNAL_LOSS_SYMPTOMS)[number];

/** Default delay after the order beyond which the server Purchase counts as late: one hour. */
export const SERVER_LATE_AFTER_MS = 60 * 60 * 1000;

/** The first thing to check for each symptom, in plain words. */
export const FIRST_CHECK: Readonly<Record<SignalLossSymptom, string>> = {
  browser_missing: 'Check that the pixel fires on the thank-you page: ad blockers, the consent banner, or an off-site payment page that never returns to the store.',
  server_missing: 'Check the store webhook: is it registered for order creation, is its signing secret current, and does the relay event log show these orders rejected or dropped?',
  server_late: 'Check the webhook delay on the platform and whether these orders come from a batch or import job; send Purchases within the hour.',
  no_dedup: 'Check that the thank-you page and the webhook build event_id from the same template (e.g. purchase:{order_id}); a random id on either side defeats deduplication.',
  value_mismatch: 'Check which amount each side sends (total vs subtotal, tax, shipping, discounts) and align both with the order total.',
  currency_mismatch: 'Check the currency each side sends: presentment vs shop currency, or a currency hard-coded in the pixel snippet.',
};

/** Period and tuning of the summary; `from` inclusive, `to` exclusive (Unix ms, on the order's creation time). */
export interface AcceptanceSummaryOptions {
  from: number;
  to: number;
  lateAfterMs?: number;
  /** How many example order ids per symptom (default 5). */
  exampleLimit?: number;
}

/** One diagnosed symptom. */
export interface SignalLoss {
  symptom: SignalLossSymptom;
  count: number;
  exampleOrderIds: string[];
  firstCheck: string;
}

/** The store-wide acceptance summary of one period. */
export interface AcceptanceSummary {
  from: number;
  to: number;
  orders: number;
  /** Orders with at least one Purchase event (either channel). */
  ordersWithPurchase: number;
  /** Purchase events of the period's orders delivered (`sent`) to at least one pixel. */
  purchasesSent: number;
  /** Orders whose Purchase came from both channels with the same event_id. */
  dedupedOrders: number;
  /** `dedupedOrders / ordersWithPurchase`; null when no order has a Purchase. */
  dedupRate: number | null;
  /** Orders with a value or currency mismatch on any of their Purchase events. */
  mismatches: number;
  /** Purchase events in the period whose order id is missing or not among the given orders. */
  purchasesWithoutOrder: number;
  /**
   * Channel merge (issue 18) of the orders' Purchases: how many were "merged", "sent alone" (no partner within the
   * window), had a "late partner" (recorded, not sent) or are still "held"; and per channel, how many of the sent
   * Purchases carried that channel's value.
   */
  merges: { merged: number; sentAlone: number; latePartner: number; held: number; valueFrom: Record<string, number> };
  diagnoses: SignalLoss[];
}

/** Summarizes acceptance over the orders created in [from, to) and their Purchase events. */
export function acceptanceSummary(
  orders: readonly OrderRow[],
  events: readonly EventRow[],
  options: AcceptanceSummaryOptions,
): AcceptanceSummary {
  const lateAfter = options.lateAfterMs ?? SERVER_LATE_AFTER_MS;
  const limit = options.exampleLimit ?? 5;
  const inPeriod = orders.filter((o) => o.createdAt >= options.from && o.createdAt < options.to);
  const purchasesByOrder = new Map<string, EventRow[]>();
  for (const e of events) {
    if (e.eventName !== 'Purchase' || e.orderId === null) continue;
    const list = purchasesByOrder.get(e.orderId);
    if (list) list.push(e);
    else purchasesByOrder.set(e.orderId, [e]);
  }
  const hits = new Map<SignalLossSymptom, string[]>(SIGNAL_LOSS_SYMPTOMS.map((s) => [s, []]));
  const flag = (s: SignalLossSymptom, orderId: string): void => void hits.get(s)?.push(orderId);
  let ordersWithPurchase = 0, purchasesSent = 0, dedupedOrders = 0, mismatches = 0;
  const merges: AcceptanceSummary['merges'] = { merged: 0, sentAlone: 0, latePartner: 0, held: 0, valueFrom: {} };

  for (const order of inPeriod) {
    const purchases = purchasesByOrder.get(order.orderId) ?? [];
    if (purchases.length > 0) ordersWithPurchase++;
    purchasesSent += purchases.filter((e) => e.deliveries.some((d) => d.status === 'sent')).length;
    for (const e of purchases) {
      const m = e.merge?.state;
      if (m === 'merged') merges.merged++;
      else if (m === 'sent_alone') merges.sentAlone++;
      else if (m === 'late_partner') merges.latePartner++;
      else if (m === 'held') merges.held++;
      if (m === 'held') continue;
      const from = m === 'merged' && e.merge?.valueFrom ? e.merge.valueFrom : e.source;
      merges.valueFrom[from] = (merges.valueFrom[from] ?? 0) + 1;
    }
    const pair = pairChannels(purchases);
    if (pair.browserCount === 0) flag('browser_missing', order.orderId);
    if (pair.serverCount === 0) flag('server_missing', order.orderId);
    if (pair.dedup === 'matched') dedupedOrders++;
    if (pair.dedup === 'different-ids') flag('no_dedup', order.orderId);
    // Late is measured on arrival at the relay: event_time is often back-dated to the order time. The order's
    // reportedAt is the first server report even when it only joined a browser row as a repeat channel.
    const firstServer = order.reportedAt ?? purchases.filter((e) => !isBrowserSource(e.source)).reduce<number | null>(
      (min, e) => (min === null || e.receivedAt < min ? e.receivedAt : min), null);
    if (pair.serverCount > 0 && firstServer !== null && firstServer - order.createdAt > lateAfter) flag('server_late', order.orderId);
    // An order only the browser reported has no store total to check against: it shows as server_missing.
    if (!isReconcilable(order)) continue;
    const checks = purchases.map((e) => reconcile(e, order));
    const badValue = checks.some((c) => !c.valueMatches);
    const badCurrency = checks.some((c) => !c.currencyMatches);
    if (badValue) flag('value_mismatch', order.orderId);
    if (badCurrency) flag('currency_mismatch', order.orderId);
    if (badValue || badCurrency) mismatches++;
  }

  const known = new Set(orders.map((o) => o.orderId));
  const purchasesWithoutOrder = events.filter((e) => e.eventName === 'Purchase'
    && e.eventTime >= options.from && e.eventTime < options.to
    && (e.orderId === null || !known.has(e.orderId))).length;

  const diagnoses = SIGNAL_LOSS_SYMPTOMS.map((symptom): SignalLoss => {
    const ids = hits.get(symptom) ?? [];
    return { symptom, count: ids.length, exampleOrderIds: ids.slice(0, limit), firstCheck: FIRST_CHECK[symptom] };
  });
  return {
    from: options.from,
    to: options.to,
    orders: inPeriod.length,
    ordersWithPurchase,
    purchasesSent,
    dedupedOrders,
    dedupRate: ordersWithPurchase === 0 ? null : dedupedOrders / ordersWithPurchase,
    mismatches,
    purchasesWithoutOrder,
    merges,
    diagnoses,
  };
}
