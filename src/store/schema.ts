import type { ColumnType, Generated } from 'kysely';

/** Times are Unix milliseconds; flags are 0/1 integers so one schema serves SQLite and PostgreSQL. */
export interface TenantsTable {
  id: string;
  name: string;
  status: 'active' | 'disabled';
  /** Master switch: 0 = events are logged as `skipped`, nothing is forwarded. */
  forwarding: number;
  policy: string;
  created_at: number;
  /** Event-log rows received before this are hidden by "Clear the log" (migration 0008). */
  log_cleared_at: Generated<number | null>;
}

export interface PixelsTable {
  id: string;
  tenant_id: string;
  pixel_id: string;
  /** AES-256-GCM sealed access token (see secret-box.ts); never plain text. */
  token_sealed: string;
  test_event_code: string | null;
  status: 'active' | 'disabled' | 'paused';
  pause_reason: string | null;
  created_at: number;
  updated_at: number;
  /** 'primary' or 'secondary': a label for people (migration 0008); delivery treats every pixel alike. */
  role: Generated<string>;
  /** The pixel's Graph API version (e.g. v23.0); null: the relay's configured default (migration 0011). */
  graph_version: Generated<string | null>;
  /** The pixel's name as Meta answered the last successful Test Connection (migration 0020); null until one ran. */
  meta_name: Generated<string | null>;
  /** When Test Connection last ran for this pixel, and what was wrong (null: verified). */
  connection_checked_at: Generated<number | null>;
  connection_problem: Generated<string | null>;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  kind: 'ingest' | 'publishable';
  /** SHA-256 of the key: the key itself is shown once and never stored. */
  key_hash: string;
  prefix: string;
  /** The publishable key itself (public: it sits in the store's pages; migration 0020); null for ingest keys and older keys. */
  public_key: Generated<string | null>;
  status: 'active' | 'revoked';
  created_at: number;
}

export interface EventsTable {
  id: string;
  tenant_id: string;
  event_name: string;
  event_id: string;
  source: string;
  order_id: string | null;
  event_time: number;
  received_at: number;
  status: 'queued' | 'dropped' | 'skipped' | 'done';
  /** The Meta server event as it will be sent, hashed customer data, without IP and user agent. */
  payload: string;
  /**
   * Sent in clear by Meta's rules, so kept apart, and only while the event may be sent: never stored for an event
   * with no delivery, erased once every delivery is sent or dropped, kept for a replay of a dead one until 7 days
   * after event_time (docs/data-handling.md).
   */
  client_ip_address: string | null;
  client_user_agent: string | null;
  /** 1 when the event was stored with an IP / user agent, 0 without, null when not recorded: survives their erasure. */
  had_client_ip?: number | null;
  had_user_agent?: number | null;
  decisions: string;
  drop_code: string | null;
  drop_message: string | null;
  simulated: number;
  /** The Test Event Code a Graph-API-compatible request carried (a simulated event sent with it); null: the pixel's. */
  test_event_code?: string | null;
  /**
   * JSON array of the distinct sources that reported this event, first reporter first; '[]' (the default, as
   * ingest leaves it) means the event's own source alone. Read it with parseChannels.
   */
  channels: Generated<string>;
  fbp: string | null;
}

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'dropped' | 'dead';
/** A delivery in one of these is still to be sent: its event keeps IP and user agent, and is not purged. */
export const UNSETTLED_DELIVERY_STATUSES: readonly DeliveryStatus[] = ['queued', 'failed', 'sending'];

export interface DeliveriesTable {
  id: string;
  event_row_id: string;
  tenant_id: string;
  pixel_row_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  lease_owner: string | null;
  last_error: string | null;
  fbtrace_id: string | null;
  /** events_received of Meta's answer to the request that carried this delivery; null until sent. */
  events_received: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: number;
  updated_at: number;
}

export interface DeliveryHistoryTable {
  id: Generated<number>;
  delivery_id: string;
  event_row_id: string;
  status: string;
  at: number;
  detail: string | null;
}

export interface SourcesTable {
  id: string;
  tenant_id: string;
  platform: string;
  /** Webhook signing secret, sealed like access tokens. */
  secret_sealed: string | null;
  /** The secret before the last rotation, still accepted until previous_valid_until. */
  previous_secret_sealed: string | null;
  previous_valid_until: number | null;
  settings: string;
  status: 'active' | 'disabled';
  created_at: number;
}

/** Origins a tenant's snippet may post from (POST /v1/collect checks the Origin header). */
export interface AllowedOriginsTable {
  tenant_id: string;
  origin: string;
  created_at: number;
}

/** Ad click ids seen by the snippet, tied to the pseudonymous _fbp browser id (no PII). */
export interface ClickIdsTable {
  tenant_id: string;
  fbp: string;
  kind: 'fbclid' | 'gclid';
  click_id: string;
  first_seen_at: number;
}

/** Which browser (_fbp) reported which order, so orders can be credited to that browser's clicks. */
export interface OrderBrowsersTable {
  tenant_id: string;
  order_id: string;
  fbp: string;
  created_at: number;
}

/** One order as the store's server side reported it (first server-side Purchase with an order id). */
export interface OrdersTable {
  tenant_id: string;
  order_id: string;
  total: number;
  currency: string;
  source: string;
  created_at: number;
}

/** One admin change (migration 0008): who, when, what; the summary never holds a secret. */
export interface AuditLogTable {
  id: Generated<number>;
  tenant_id: string | null;
  actor: string;
  action: string;
  target: string | null;
  summary: string;
  at: number;
}

/** A dashboard session (migration 0008), keyed by the SHA-256 of the id in the cookie. */
export interface DashboardSessionsTable {
  id_hash: string;
  /** Null for an operator session; a tenant id for a session that may see only that store. */
  tenant_id: string | null;
  actor: string;
  /** The ingest key a store-key session signed in with; the session ends when that key is revoked. */
  api_key_id: string | null;
  created_at: number;
  expires_at: number;
}

/** The snippet settings of one tenant (migration 0007); no row means the defaults (src/browser/browser-settings.ts). */
export interface BrowserSettingsTable {
  tenant_id: string;
  /** 1: /sdk.js loads the Meta Pixel for the tenant's pixels. */
  load_pixel: number;
  /** The domain the snippet's click cookies go on (migration 0016); null: the registrable domain, found in the browser. */
  cookie_domain: string | null;
  updated_at: number;
}

/** /v1/collect hits in one fixed window (migration 0007); `bucket` is an HMAC of tenant and client IP. */
export interface CollectRateWindowsTable {
  bucket: string;
  window_start: number;
  hits: number;
}

/** Generic webhook deliveries and signatures seen (migration 0014): `key` is a SHA-256 hex, never the id itself. */
export interface WebhookReplayKeysTable {
  key: string;
  expires_at: number;
}

/** Segment/RudderStack identify traits per user: hashed user_data JSON, keyed by a SHA-256 of the user id. */
export interface UserTraitsTable {
  tenant_id: string;
  user_key: string;
  user_data: string;
  updated_at: number;
}

/** Requests refused before anything was stored, per store, UTC hour and reason (migration 0020); tenant_id '' when none was named. */
export interface RefusedRequestsTable {
  tenant_id: string;
  hour: number;
  reason: string;
  count: number;
}

export interface Database {
  refused_requests: RefusedRequestsTable;
  webhook_replay_keys: WebhookReplayKeysTable;
  user_traits: UserTraitsTable;
  audit_log: AuditLogTable;
  dashboard_sessions: DashboardSessionsTable;
  orders: OrdersTable;
  allowed_origins: AllowedOriginsTable;
  click_ids: ClickIdsTable;
  order_browsers: OrderBrowsersTable;
  browser_settings: BrowserSettingsTable;
  collect_rate_windows: CollectRateWindowsTable;
  sources: SourcesTable;
  tenants: TenantsTable;
  pixels: PixelsTable;
  api_keys: ApiKeysTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  delivery_history: DeliveryHistoryTable;
}
