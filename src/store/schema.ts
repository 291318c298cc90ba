import type { ColumnType, Generated } from 'kysely';
import type { DeliveryStatus, EventStatus } from '../core/admin-api.js';

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
  /**
   * The event's place in its tenant's log (migration 0021): allocated from tenant_sequences in the writing
   * transaction, so on every database the committed seqs of a tenant are a prefix (see docs/architecture.md).
   * Delivery cursors, batches and exceptions name an event by (tenant_id, seq).
   */
  seq: number | null;
  event_name: string;
  event_id: string;
  source: string;
  order_id: string | null;
  event_time: number;
  received_at: number;
  /**
   * What ingest decided, never rewritten by delivery: `queued` (to be sent to every pixel whose cursor passes it,
   * or to only_pixel_row_id), `dropped` or `skipped` (kept with drop_code/drop_message, sent to no pixel).
   * `done` is a status of stores older than migration 0021 only (carried over as `queued`).
   */
  status: EventStatus;
  /** The Meta server event as it will be sent, hashed customer data, without IP and user agent (event_clear_fields). */
  payload: string;
  /** 1 when the event was stored with an IP / user agent, 0 without, null when not recorded: survives their erasure. */
  had_client_ip?: number | null;
  had_user_agent?: number | null;
  decisions: string;
  drop_code: string | null;
  drop_message: string | null;
  simulated: number;
  /** The Test Event Code a Graph-API-compatible request carried (a simulated event sent with it); null: the pixel's. */
  test_event_code?: string | null;
  /** Deliver to this pixel only (a simulation from one pixel's page); null: every pixel whose cursor passes it. */
  only_pixel_row_id: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * JSON array of the distinct sources that reported this event, first reporter first; '[]' (the default, as
   * ingest leaves it) means the event's own source alone. Read it with parseChannels.
   */
  channels: Generated<string>;
  fbp: string | null;
  /**
   * Channel merge (migration 0023, issue 18). A held event (`seq` null) waits until `hold_until` for its other
   * channel's copy, with its IP and user agent in `held_client_ip`/`held_user_agent` (they move to
   * event_clear_fields when it gets its seq). `merge_outcome`: null (never held), `merged` or `sent_alone`;
   * `merge_detail`: JSON {browser, server, valueFrom} of a merge, and `late` {channel, adds} of a partner that came
   * after the window (names of the fields it would have added, never values).
   */
  hold_until?: number | null;
  held_client_ip?: string | null;
  held_user_agent?: string | null;
  merge_outcome?: 'merged' | 'sent_alone' | null;
  merge_detail?: string | null;
}

/**
 * The channel kinds (`browser`, `server`) each tenant has reported each event type through, with when one was
 * last seen: merging applies to an event type reported from both within the last 7 days (migration 0023).
 */
export interface ChannelPresenceTable {
  tenant_id: string;
  event_name: string;
  channel_kind: 'browser' | 'server';
  last_seen_at: number;
}

/**
 * The status of one (event, pixel) as readers derive it from the log (docs/architecture.md, "Data at rest"):
 * the exception row's, else the batch's holding the seq, else `queued` above the cursor's claimed range.
 */
export type { DeliveryStatus };
/** A delivery in one of these is still to be sent. */
export const UNSETTLED_DELIVERY_STATUSES: readonly DeliveryStatus[] = ['queued', 'failed', 'sending'];

/** The next seq of each tenant's log (migration 0021); the row lock orders commits per tenant on PostgreSQL. */
export interface TenantSequencesTable {
  tenant_id: string;
  next_seq: number;
}

/**
 * IP and user agent of a queued event, sent in clear by Meta's rules, so kept apart from `events` (migration 0021):
 * never written for an event that will not be sent, deleted by seq range once every pixel's cursor is past the
 * event (src/store/clear-fields.ts). An exception row keeps its own copy while its event may still be sent.
 */
export interface EventClearFieldsTable {
  tenant_id: string;
  seq: number;
  client_ip_address: string | null;
  client_user_agent: string | null;
}

/**
 * One pixel's place in its tenant's log (migration 0021). Every queued event of the tenant with
 * `start_seq < seq <= sent_through` (and not meant for another pixel only) is settled for this pixel: sent with
 * the batch whose range holds it, unless a delivery_exceptions row says otherwise. `claimed_through` is the end of
 * the last range handed to a worker; events above it are queued.
 */
export interface PixelCursorsTable {
  pixel_row_id: string;
  tenant_id: string;
  /** The tenant's last seq when the cursor was created: older events predate the pixel and are never sent to it. */
  start_seq: number;
  sent_through: number;
  claimed_through: number;
  updated_at: number;
}

/** A batch's state: in flight under a lease, waiting to be claimed again (queued: released; failed: retry), or sent. */
export type BatchStatus = 'sending' | 'queued' | 'failed' | 'sent';

/** What a batch and an exception both record as claimable work: its state, its lease and Meta's last answer. */
export interface ClaimableWork<Status extends string> {
  status: Status;
  /** Sends before now (a retry of a whole batch counts one for each of its events). */
  attempts: number;
  next_attempt_at: number;
  /** The claim's own token (`<worker>/<uuid>`, new for every claim): only its holder records the outcome. */
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  fbtrace_id: string | null;
  /** Meta's events_received for the request that sent it; null until sent. */
  events_received: number | null;
}

/**
 * One claimed seq range of one pixel (migration 0021), and once sent, the Graph request that carried it. The
 * ranges of a pixel never overlap. The batch's events are the tenant's queued events in [from_seq, to_seq] meant
 * for this pixel, less those with a delivery_exceptions row (those left the batch: failed, dead, dropped alone).
 */
export interface DeliveryBatchesTable extends ClaimableWork<BatchStatus> {
  id: Generated<number>;
  tenant_id: string;
  pixel_row_id: string;
  from_seq: number;
  to_seq: number;
  /** Events in the batch when it was claimed (or carried over). */
  event_count: number;
  /** How many times the range was claimed: more than one means a retry or a takeover of a lapsed lease. */
  claims: number;
  /** When the range was last claimed (a takeover after a lapsed lease is claimed_at >= the old lease_until). */
  claimed_at: number;
  created_at: number;
  updated_at: number;
}

export type ExceptionStatus = 'queued' | 'failed' | 'sending' | 'sent' | 'dead' | 'dropped';

/**
 * One (event, pixel) whose outcome differs from "sent with its batch" (migration 0021): a single event retried
 * apart from its batch (`failed`, `sending`, then `sent` with its own fbtrace_id), `dead` (Retry / replay turns it
 * back to `queued`), `dropped` (too old, no Test Event Code), or work carried over from the old deliveries table.
 */
export interface DeliveryExceptionsTable extends ClaimableWork<ExceptionStatus> {
  pixel_row_id: string;
  tenant_id: string;
  seq: number;
  /** A copy of the event's clear fields while it may still be sent (kept for a dead one's 7-day replay window). */
  client_ip_address: string | null;
  client_user_agent: string | null;
  /** 1 once Retry / `capi-relay replay` put a dead event back in the queue. */
  replayed: number;
  created_at: number;
  updated_at: number;
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
  /** 1: /v1/collect takes `Origin: null` beacons whose page URL is allowed (migration 0024); 0 (the default): refused. */
  accept_sandboxed_pixel: number;
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
  channel_presence: ChannelPresenceTable;
  tenant_sequences: TenantSequencesTable;
  event_clear_fields: EventClearFieldsTable;
  pixel_cursors: PixelCursorsTable;
  delivery_batches: DeliveryBatchesTable;
  delivery_exceptions: DeliveryExceptionsTable;
}
