/**
 * Input rows of the reports. They mirror the store's `events` table and each event's delivery state per pixel
 * (src/store/delivery-state.ts, derived from the delivery log), plus the store's orders and first-seen clicks,
 * so the reports stay pure: the caller reads the database, the reports only compute.
 */
import type { MergeState } from '../core/channel-merge.js';
import type { DeliveryStatus, EventsTable } from '../store/schema.js';

/** Where an event came from; `browser` is the pixel/SDK channel, every other source is server-side. */
export type EventSource = 'browser' | 'api' | 'webhook:shopify' | 'csv' | (string & {});

/** One delivery of an event to one destination pixel, as the delivery log says it is. */
export interface DeliveryRow {
  pixelRowId: string;
  status: DeliveryStatus;
  fbtraceId: string | null;
  lastError: string | null;
}

/** One stored event (an `events` row) with its deliveries; times are Unix milliseconds. */
export interface EventRow {
  id: string;
  eventName: string;
  eventId: string;
  source: EventSource;
  orderId: string | null;
  eventTime: number;
  receivedAt: number;
  status: EventsTable['status'];
  /** Which `user_data` keys were present (e.g. `['em','ph','fbp','client_ip_address']`), never their values. */
  userDataKeys: string[];
  /**
   * Keys whose presence can no longer be told: IP and user agent are erased once an event is delivered,
   * so for older rows the store may not know whether they were sent. Such keys are left out of coverage.
   */
  unknownKeys?: string[];
  /**
   * Every source that reported this event, first reporter first (`events.channels`). The store keeps one row
   * per (event_name, event_id): a repeat from another channel appends its source here instead of a new row,
   * so `['browser', 'webhook:shopify']` is one deduplicated event reported by both channels. Defaults to `[source]`.
   */
  channels?: EventSource[];
  value: number | null;
  currency: string | null;
  deliveries: DeliveryRow[];
  /** The `_fbp` browser id, when known: it ties a browser session's events together (sent in clear by Meta's rules). */
  fbp?: string | null;
  /** Channel merge (issue 18): merged (which channel's value was sent), sent alone, late partner, held; null: never held. */
  merge?: MergeState | null;
}

/** One store order; `total` in major units of `currency`. */
export interface OrderRow {
  orderId: string;
  total: number;
  currency: string;
  /** When the order was placed (the Purchase's event time). */
  createdAt: number;
  fbp?: string | null;
  /** When the server side first reported the order to the relay, if it did. */
  reportedAt?: number | null;
  /**
   * Who reported the order: a server source (the store's own record, reconcilable), or `browser` when only
   * the pixel reported it, so its total is the browser's own figure and nothing can be reconciled against it.
   */
  source?: EventSource;
}

/** The first time a click id was seen for a browser. */
export interface ClickRow {
  fbp: string;
  kind: 'fbclid' | 'gclid';
  clickId: string;
  firstSeenAt: number;
}

/** True for events sent by the browser pixel/SDK, false for every server-side source. */
export function isBrowserSource(source: EventSource): boolean {
  return source === 'browser';
}

/** The sources that reported the event (its `channels`, or its own source for rows without them). */
export function channelsOf(event: Pick<EventRow, 'source' | 'channels'>): EventSource[] {
  return event.channels && event.channels.length > 0 ? event.channels : [event.source];
}

/** True when the browser reported the event (first or as a repeat). */
export function reportedByBrowser(event: Pick<EventRow, 'source' | 'channels'>): boolean {
  return channelsOf(event).some(isBrowserSource);
}

/** True when a server-side source reported the event (first or as a repeat). */
export function reportedByServer(event: Pick<EventRow, 'source' | 'channels'>): boolean {
  return channelsOf(event).some((s) => !isBrowserSource(s));
}
