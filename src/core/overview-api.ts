/**
 * The JSON the store owner's overview, alerts, setup checklist and event details routes answer
 * (`/api/v1/tenants/{id}/overview|alerts|setup|keys/publishable|events/{eventId}/details`, `/api/v1/alerts`).
 * Types only, no imports and no code: the dashboard client imports them type-only.
 */

/** How an event reached the relay: the snippet only, a server channel only (API, webhook, import …), or both. */
export type ChannelClass = 'browser' | 'server' | 'both';

export interface ChannelCounts {
  browser: number;
  server: number;
  both: number;
  total: number;
}

/** Why a request was refused before anything was stored; counted per store and hour, never per request. */
export type RefusedReason = 'origin_not_allowed' | 'signature_refused' | 'rate_limited';

export interface RefusedCounts {
  origin_not_allowed: number;
  signature_refused: number;
  rate_limited: number;
}

/** An action that fixes what an alert or a checklist step points at: the admin API request to make. */
export interface FixAction {
  /** What the button says, e.g. "Set a new access token". */
  label: string;
  method: 'GET' | 'POST' | 'PUT';
  /** An /api/v1 path. */
  path: string;
  /** The body's fields the caller has to fill in (e.g. ["accessToken"]); absent: send `{}`. */
  fields?: string[];
}

/** Delivery counts of one pixel, by the delivery's status, over the overview's 7 days (by the delivery's creation). */
export interface PixelDeliveryCounts {
  queued: number;
  sending: number;
  /** Failed at least once and waiting for its next attempt. */
  retrying: number;
  sent: number;
  dropped: number;
  dead: number;
}

export interface PixelHealth {
  /** The pixel's row id (the `{id}` of /api/v1/pixels/{id}/…). */
  id: string;
  pixelId: string;
  /** The name Meta gave for the pixel at its last successful Test Connection; null until one ran. */
  name: string | null;
  status: 'active' | 'disabled' | 'paused';
  pauseReason: string | null;
  role: 'primary' | 'secondary';
  /** healthy: sending; paused / disabled: the pixel's state; failing: deliveries retrying or dead in the last 7 days and none sent in the last hour. */
  health: 'healthy' | 'failing' | 'paused' | 'disabled' | 'idle';
  last7Days: PixelDeliveryCounts;
  /** When Meta last accepted a delivery for this pixel (Unix ms), or null. */
  lastSentAt: number | null;
  /** The newest error among this pixel's deliveries still to be sent or dead (what can still be acted on), or null. */
  lastError: string | null;
  /** Dead deliveries now (all time), which *Retry all* queues again. */
  dead: number;
}

export interface HourlyRefused extends RefusedCounts {
  /** Start of the hour (Unix ms, UTC). */
  hour: number;
}

export interface TenantOverview {
  tenantId: string;
  name: string;
  status: 'active' | 'disabled';
  forwarding: boolean;
  /** When the figures were read (Unix ms). */
  at: number;
  events: {
    /** Since `todayFrom` (the start of the viewer's day; UTC midnight unless the request said otherwise). */
    todayFrom: number;
    today: ChannelCounts;
    last7Days: ChannelCounts;
    /** When the newest event (not a simulation) was received (Unix ms), or null. */
    lastReceivedAt: number | null;
  };
  pixels: PixelHealth[];
  deliveries: {
    /** Dead deliveries of every pixel of the store. */
    dead: number;
    /** Queued or retrying deliveries. */
    pending: number;
    /** Age (ms) of the oldest delivery still to be sent, or null when none is. */
    oldestPendingAgeMs: number | null;
    /** *Retry all*: queues every dead delivery of the store again. */
    retryAll: FixAction;
  };
  refused: {
    /** The last 24 hours, by reason. */
    last24Hours: RefusedCounts;
    /** One entry per hour of the last 24 with any refusal, oldest first. */
    hourly: HourlyRefused[];
  };
}

export type AlertCode = 'pixel_paused' | 'no_events' | 'signature_refusals' | 'dead_deliveries';

export interface Alert {
  code: AlertCode;
  /** critical: conversions are being lost now; warning: they will be unless someone acts. */
  severity: 'critical' | 'warning';
  tenantId: string;
  tenantName: string;
  /** The pixel row id when the alert is about one pixel. */
  pixelRowId: string | null;
  /** One sentence for the store owner, with the figures. */
  message: string;
  /** Since when the condition holds, when known (Unix ms). */
  since: number | null;
  /** The figure the rule looked at (dead deliveries, refused signatures, quiet hours …). */
  count: number | null;
  fix: FixAction | null;
}

export interface AlertsAnswer {
  at: number;
  alerts: Alert[];
}

export type SetupStepId = 'pixel' | 'test_connection' | 'snippet' | 'webhook_source' | 'first_event';

export interface SetupStep {
  id: SetupStepId;
  /** done; todo: not yet; problem: tried and something is wrong (the detail says what). */
  state: 'done' | 'todo' | 'problem';
  title: string;
  detail: string;
  fix: FixAction | null;
}

export interface SetupAnswer {
  tenantId: string;
  steps: SetupStep[];
  /** True when every step is done. */
  complete: boolean;
  snippet: {
    /** The store's publishable key, or null for a key issued before the relay kept it (rotate it once). */
    publishableKey: string | null;
    /** The `<script>` tags to paste in `<head>`, with the key; null without a key. */
    tag: string | null;
    origins: string[];
  };
}

export interface PublishableKeyAnswer {
  /** Null when the active key was issued before the relay kept publishable keys: rotate it to get one. */
  key: string | null;
  /** Why the key is null (and how to get one), else null. */
  message: string | null;
}

/** Meta's answer for one pixel, as far as the relay recorded it. */
export interface PixelAnswer {
  pixelRowId: string;
  pixelId: string | null;
  pixelName: string | null;
  status: string;
  attempts: number;
  fbtraceId: string | null;
  /** events_received of Meta's answer to the request that carried this event. */
  eventsReceived: number | null;
  lastError: string | null;
  /** When the delivery last changed (sent, failed …), Unix ms. */
  updatedAt: number;
}

export interface EventDetails {
  id: string;
  eventName: string;
  eventId: string;
  /** event_time as sent (Unix seconds). */
  eventTime: number | null;
  receivedAt: number;
  status: string;
  source: string;
  channels: string[];
  channelClass: ChannelClass;
  simulated: boolean;
  value: number | null;
  currency: string | null;
  contents: unknown[];
  /** The customer identifiers the event carried, by name (Email, Phone …), never their values. */
  identifiers: string[];
  /**
   * The JSON as Meta receives it (hashed identifiers), with IP address and user agent put back while the
   * relay still keeps them; the IP address is masked (last IPv4 octet, IPv6 after the /48).
   */
  sent: Record<string, unknown>;
  /** What happened to IP address and user agent: kept (and shown, IP masked), erased after sending, or never received. */
  clientFields: { ipAddress: 'shown_masked' | 'erased' | 'absent'; userAgent: 'shown' | 'erased' | 'absent' };
  answers: PixelAnswer[];
}
