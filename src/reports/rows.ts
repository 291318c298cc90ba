/**
 * Input rows of the reports. They mirror the store's `events` and `deliveries` tables (src/store/schema.ts)
 * after a join, plus the store's orders and first-seen clicks, so the reports stay pure: the caller reads the
 * database, the reports only compute.
 */
import type { DeliveryStatus, EventsTable } from '../store/schema.js';

/** Where an event came from; `browser` is the pixel/SDK channel, every other source is server-side. */
export type EventSource = 'browser' | 'api' | 'webhook:shopify' | 'csv' | (string & {});

/** One delivery of an event to one destination pixel (a `deliveries` row). */
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
  value: number | null;
  currency: string | null;
  deliveries: DeliveryRow[];
  /** The `_fbp` browser id, when known: it ties a browser session's events together (sent in clear by Meta's rules). */
  fbp?: string | null;
}

/** One store order; `total` in major units of `currency`. */
export interface OrderRow {
  orderId: string;
  total: number;
  currency: string;
  createdAt: number;
  fbp?: string | null;
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
