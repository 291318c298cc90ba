/**
 * The admin API's answers as the dashboard reads them: one definition that the server's routes and store
 * return and the dashboard's client (src/dashboard/client/, type-only imports) consumes, so a renamed field
 * or a new status fails the typecheck on both sides instead of drifting. Types and constant lists only.
 */

import type { MergeState } from './channel-merge.js';

/** A delivery row's status (`deliveries.status`). */
export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed', 'dropped', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * What the event log's `status` filter accepts: an event's own status (queued, dropped by the policy, skipped,
 * done), one of its deliveries' (sent, failed, dead …), or `held`: held by the merge window for its other
 * channel's copy, with no place in the log and no delivery yet.
 */
export const EVENT_LOG_STATUSES = ['queued', 'sending', 'sent', 'failed', 'dropped', 'dead', 'skipped', 'done', 'held'] as const;
export type EventLogStatus = (typeof EVENT_LOG_STATUSES)[number];

/** What the log shows for one delivery: its own status, or `paused` while its pixel is paused. */
export type ShownDeliveryStatus = DeliveryStatus | 'paused';

export interface TenantView {
  id: string;
  name: string;
  status: 'active' | 'disabled';
  forwarding: boolean;
  policy: Record<string, unknown>;
  createdAt: number;
}

/** `GET /api/v1/tenants`. */
export interface TenantList {
  tenants: TenantView[];
  scoped: boolean;
}

/** `POST /api/v1/tenants`: the keys are shown once. */
export interface CreatedTenant {
  id: string;
  ingestKey: string;
  publishableKey: string;
}

/**
 * `GET /api/v1/tenants/{id}/shopify-pixel`: the custom pixel a store pastes into Shopify Admin › Settings ›
 * Customer events (written by src/browser/shopify-pixel.ts).
 */
export interface ShopifyPixelAnswer {
  code: string;
  /** The settings in the code (the key shown only as whether it is in). */
  relayUrl: string;
  keyIncluded: boolean;
  purchaseEventIdTemplate: string;
  /** Shopify's standard events it subscribes to, and the Meta event each becomes. */
  events: Record<string, string>;
  /** Whether the store takes the pixel's `Origin: null` beacons (its snippet setting); off: every one is refused. */
  acceptSandboxedPixel: boolean;
}

export interface PixelView {
  id: string;
  tenantId: string;
  pixelId: string;
  testEventCode: string | null;
  status: 'active' | 'disabled' | 'paused';
  pauseReason: string | null;
  /** The pixel's own Graph API version; null: the relay's configured default. */
  graphVersion: string | null;
  /** A tenant has at most one primary pixel (its first, unless changed); the others are secondary. */
  role: 'primary' | 'secondary';
  createdAt: number;
}

/** `GET /api/v1/tenants/{id}/pixels`. */
export interface PixelList {
  pixels: PixelView[];
  /** The relay's default Graph API version, used by every pixel without one. */
  graphVersion: string;
}

/** `GET /api/v1/relay-info`. */
export interface RelayInfo {
  publicUrl: string | null;
  graphVersion: string;
  /** 0: kept until deleted. */
  retentionDays: number;
}

/** `POST /api/v1/pixels/{id}/test-connection`. */
export type ConnectionReport =
  | { ok: true; pixelId: string; name: string; message: string }
  | { ok: false; problem: 'token' | 'pixel' | 'permission' | 'network' | 'unknown'; message: string };

/** `POST /api/v1/pixels/{id}/simulate`. */
export interface SimulateAnswer {
  eventName: string;
  eventId: string;
  testEventCode: string | null;
  eventRowId?: string | null;
  /** A delivery status once Meta answered, or `rejected` / `not_sent` (the policy or a switch kept it back). */
  status: DeliveryStatus | 'rejected' | 'not_sent';
  code?: string | null;
  fbtraceId?: string | null;
  eventsReceived?: number | null;
  message: string | null;
}

/** `GET`/`PUT /api/v1/tenants/{id}/switches`. */
export interface SwitchesView {
  forwarding: boolean;
  switches: Record<string, boolean>;
}

/** One webhook source as `GET /api/v1/tenants/{id}/sources` lists it. */
export interface SourceListItem {
  id: string;
  tenantId: string;
  platform: string;
  settings: { currency?: string; siteUrl?: string };
  status: 'active' | 'disabled';
  createdAt: number;
  webhookUrl: string;
}

export interface SnippetSettings {
  loadPixel: boolean;
  cookieDomain: string | null;
  acceptSandboxedPixel: boolean;
}

/** What one purge or erasure removed. */
export interface RemovedCounts {
  events: number;
  clickIds: number;
  orderBrowsers: number;
  orders: number;
}

/** One delivery of an event-log row. */
export interface EventLogDelivery {
  pixelRowId: string;
  status: DeliveryStatus;
  /** What a person should read: `paused` (with the pixel's pause reason) while a paused pixel holds a queued or failed delivery. */
  shown: ShownDeliveryStatus;
  pauseReason: string | null;
  attempts: number;
  lastError: string | null;
  fbtraceId: string | null;
  eventsReceived: number | null;
}

/** An event's own status (`events.status`): queued for delivery, kept back by the policy (dropped) or a switch (skipped), or done. */
export type EventStatus = 'queued' | 'dropped' | 'skipped' | 'done';

export interface EventLogItem {
  id: string;
  eventName: string;
  eventId: string;
  source: string;
  orderId: string | null;
  eventTime: number;
  receivedAt: number;
  status: EventStatus;
  dropCode: string | null;
  dropMessage: string | null;
  /** The distinct sources that reported this event, first reporter first (e.g. browser, webhook:shopify). */
  channels: string[];
  simulated: boolean;
  deliveries: EventLogDelivery[];
  /** Channel merge (issue 18): held, merged, sent alone or late partner; null when never held. */
  merge: MergeState | null;
}

/** `GET /api/v1/tenants/{id}/events`. */
export interface EventLogPage {
  items: EventLogItem[];
  nextCursor: string | null;
  /** Rows received at or before this time were hidden by "Clear the log". */
  clearedAt: number | null;
}

/** One line of a delivery's story as the event log shows it. */
export interface TimelineEntry {
  pixelRowId: string;
  status: string;
  at: number;
  detail: string | null;
}

/** `GET /api/v1/tenants/{id}/events/{eventRowId}`. */
export interface EventDetails {
  id: string;
  eventName: string;
  eventId: string;
  source: string;
  orderId: string | null;
  status: EventStatus;
  receivedAt: number;
  dropCode: string | null;
  dropMessage: string | null;
  channels: string[];
  simulated: boolean;
  history: TimelineEntry[];
  merge: MergeState | null;
}

export interface AuditEntry {
  id: number;
  tenantId: string | null;
  actor: string;
  action: string;
  target: string | null;
  summary: Record<string, unknown>;
  at: number;
}

/** `GET /api/v1/tenants/{id}/audit` and `GET /api/v1/audit`. */
export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}
