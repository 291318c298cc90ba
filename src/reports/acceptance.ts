/**
 * The event-chain acceptance table for one order or one browser session: for each funnel step, the browser
 * and the server event, whether they deduplicate, what each pixel received, and whether the Purchase
 * reconciles to the order. The store-wide summary lives in acceptance-summary.ts.
 */
import type { MergeState } from '../core/channel-merge.js';
import type { DeliveryStatus } from '../store/schema.js';
import { isBrowserSource, reportedByBrowser, reportedByServer, type EventRow, type OrderRow } from './rows.js';

/** The funnel steps, in order. */
export const CHAIN_STEPS = ['ViewContent', 'AddToCart', 'InitiateCheckout', 'Purchase'] as const;
export type ChainStepName = (typeof CHAIN_STEPS)[number];

/** Largest absolute difference between event value and order total still counted as equal. */
export const VALUE_TOLERANCE = 0.01;

/**
 * - `matched`: both channels, same event_id (Meta keeps one);
 * - `different-ids`: both channels, ids differ (Meta counts the conversion twice);
 * - `browser-only` / `server-only`: one channel, nothing to deduplicate;
 * - `missing`: no event for this step.
 */
export type DedupState = 'matched' | 'different-ids' | 'browser-only' | 'server-only' | 'missing';

/** What one pixel recorded for the step, per channel (null: no delivery row for that channel). */
export interface PixelDeliveryState {
  pixelRowId: string;
  browser: DeliveryStatus | null;
  server: DeliveryStatus | null;
}

/** Whether one Purchase event's value and currency match the order. */
export interface Reconciliation {
  value: number | null;
  currency: string | null;
  orderTotal: number;
  orderCurrency: string;
  /** False also when the event carries no value. */
  valueMatches: boolean;
  /** Case-insensitive; false also when the event carries no currency. */
  currencyMatches: boolean;
  /** The channel whose value was sent: the merge's choice for a merged event, else the event's first reporter. */
  valueFrom: string | null;
}

/** One row of the acceptance table. */
export interface ChainStep {
  eventName: ChainStepName;
  browserEvent: EventRow | null;
  serverEvent: EventRow | null;
  /** How many events of this step each channel sent (repeats show up here, e.g. several ViewContent). */
  browserCount: number;
  serverCount: number;
  dedup: DedupState;
  /**
   * Channel merge (issue 18), for the step's event reported by both channels (or held, or sent alone): "merged",
   * "sent alone", "late partner" or "held, waiting for its partner"; null when it was never held.
   */
  merge: MergeState | null;
  delivered: PixelDeliveryState[];
  /** Purchase only, and only when the order is known. */
  reconciliation?: { browser: Reconciliation | null; server: Reconciliation | null };
}

/** Which chain to show: one order (plus its session's funnel when the order has an fbp) or one browser session. */
export type ChainKey = { orderId: string } | { fbp: string };

/** The acceptance table of one order or session. */
export interface AcceptanceChain {
  key: ChainKey;
  steps: ChainStep[];
}

/** True when the order is the store's own record (a server source), so Purchases can be checked against it. */
export function isReconcilable(order: OrderRow): boolean {
  return order.source === undefined || !isBrowserSource(order.source);
}

/** Compares one event's value and currency with the order (tolerance 0.01, currency case-insensitive). */
export function reconcile(event: Pick<EventRow, 'value' | 'currency'> & Partial<Pick<EventRow, 'source' | 'merge'>>, order: OrderRow): Reconciliation {
  const valueMatches = event.value !== null && Number.isFinite(event.value)
    // The epsilon absorbs float noise so that a difference of exactly 0.01 counts as within tolerance.
    && Math.abs(event.value - order.total) <= VALUE_TOLERANCE + 1e-9;
  const currencyMatches = event.currency !== null
    && event.currency.trim().toUpperCase() === order.currency.trim().toUpperCase();
  const valueFrom = event.merge?.state === 'merged' && event.merge.valueFrom ? event.merge.valueFrom : (event.source ?? null);
  return { value: event.value, currency: event.currency, orderTotal: order.total, orderCurrency: order.currency, valueMatches, currencyMatches, valueFrom };
}

/**
 * Picks the browser and server event of one step and says whether they deduplicate. One row reported by
 * both channels (its `channels` list both) is the deduplicated pair itself: the store keeps one row per
 * event_id, so it is both the browser and the server event.
 */
export function pairChannels(events: readonly EventRow[]): Pick<ChainStep, 'browserEvent' | 'serverEvent' | 'browserCount' | 'serverCount' | 'dedup'> {
  const sorted = [...events].sort((a, b) => a.eventTime - b.eventTime || a.receivedAt - b.receivedAt);
  const browser = sorted.filter(reportedByBrowser);
  const server = sorted.filter(reportedByServer);
  // Prefer a pair that shares an event_id: one deduplicated pair is what the step needs to be right.
  let browserEvent = browser[0] ?? null;
  let serverEvent = server[0] ?? null;
  for (const b of browser) {
    const s = server.find((x) => x.eventId === b.eventId);
    if (s) {
      browserEvent = b;
      serverEvent = s;
      break;
    }
  }
  const dedup: DedupState = browserEvent && serverEvent
    ? browserEvent.eventId === serverEvent.eventId ? 'matched' : 'different-ids'
    : browserEvent ? 'browser-only' : serverEvent ? 'server-only' : 'missing';
  return { browserEvent, serverEvent, browserCount: browser.length, serverCount: server.length, dedup };
}

function deliveredPerPixel(browser: EventRow | null, server: EventRow | null): PixelDeliveryState[] {
  const pixels = new Map<string, PixelDeliveryState>();
  const get = (id: string): PixelDeliveryState => {
    let p = pixels.get(id);
    if (!p) pixels.set(id, (p = { pixelRowId: id, browser: null, server: null }));
    return p;
  };
  for (const d of browser?.deliveries ?? []) get(d.pixelRowId).browser = d.status;
  for (const d of server?.deliveries ?? []) get(d.pixelRowId).server = d.status;
  return [...pixels.values()].sort((a, b) => a.pixelRowId.localeCompare(b.pixelRowId));
}

function belongs(e: EventRow, key: ChainKey, order: OrderRow | undefined): boolean {
  if ('fbp' in key) return e.fbp === key.fbp;
  if (e.orderId === key.orderId) return true;
  // Funnel steps before the order carry no order id: take the order's browser session, up to the order.
  return e.orderId === null && !!order?.fbp && e.fbp === order.fbp && e.eventTime <= order.createdAt;
}

/**
 * Builds the acceptance table for one order (pass the order to reconcile the Purchase) or one fbp session.
 * A Purchase is reconciled only against an order the server side reported (`order.source` not `browser`).
 * One row reported by both channels carries the first reporter's value and currency (the copy Meta got from
 * the relay), so its browser and server reconciliation are the same.
 */
export function acceptanceChain(events: readonly EventRow[], key: ChainKey, order?: OrderRow): AcceptanceChain {
  const mine = events.filter((e) => belongs(e, key, order));
  const steps = CHAIN_STEPS.map((eventName): ChainStep => {
    const pair = pairChannels(mine.filter((e) => e.eventName === eventName));
    const merge = (pair.serverEvent ?? pair.browserEvent)?.merge ?? pair.browserEvent?.merge ?? null;
    const step: ChainStep = { eventName, ...pair, merge, delivered: deliveredPerPixel(pair.browserEvent, pair.serverEvent) };
    if (eventName === 'Purchase' && order && isReconcilable(order)) {
      step.reconciliation = {
        browser: pair.browserEvent ? reconcile(pair.browserEvent, order) : null,
        server: pair.serverEvent ? reconcile(pair.serverEvent, order) : null,
      };
    }
    return step;
  });
  return { key, steps };
}
