import type { DialectAdapter } from './dialect-adapter.js';
import { migrateSourceTemplates } from './event-id-template-migration.js';
import { migrateToStoreLog } from './store-log-migration.js';
import type { Database } from './schema.js';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

/**
 * Migrations live in code (not files found at run time) so the built package and the
 * tests run the same list. Never edit a shipped migration: add a new one.
 */
const migrations = (adapter: DialectAdapter): Record<string, Migration> => ({
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('forwarding', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pixels')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('pixel_id', 'text', (c) => c.notNull())
        .addColumn('token_sealed', 'text', (c) => c.notNull())
        .addColumn('test_event_code', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('pause_reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('event_name', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text')
        .addColumn('event_time', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('client_ip_address', 'text')
        .addColumn('client_user_agent', 'text')
        .addColumn('decisions', 'text', (c) => c.notNull())
        .addColumn('drop_code', 'text')
        .addColumn('drop_message', 'text')
        .addColumn('simulated', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('events_dedup', ['tenant_id', 'event_name', 'event_id'])
        .execute();
      await db.schema
        .createIndex('events_tenant_received')
        .on('events')
        .columns(['tenant_id', 'received_at'])
        .execute();
      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_row_id', 'text', (c) => c.notNull().references('events.id'))
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('pixel_row_id', 'text', (c) => c.notNull().references('pixels.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('last_error', 'text')
        .addColumn('fbtrace_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // The claim query: due rows of one pixel, oldest first.
      await db.schema
        .createIndex('deliveries_due')
        .on('deliveries')
        .columns(['pixel_row_id', 'status', 'next_attempt_at'])
        .execute();
      await db.schema.createIndex('deliveries_event').on('deliveries').column('event_row_id').execute();
      await db.schema
        .createTable('delivery_history')
        .$call((t) => adapter.autoIncrementPrimaryKey(t, 'id'))
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('event_row_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('detail', 'text')
        .execute();
      await db.schema
        .createIndex('delivery_history_event')
        .on('delivery_history')
        .column('event_row_id')
        .execute();
    },
  },
  '0002_sources': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', 'text')
        .addColumn('previous_secret_sealed', 'text')
        .addColumn('previous_valid_until', 'bigint')
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0003_browser': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('allowed_origins')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('allowed_origins_pk', ['tenant_id', 'origin'])
        .execute();
      // The CORS preflight asks "does any tenant allow this origin?" before a key is seen.
      await db.schema.createIndex('allowed_origins_origin').on('allowed_origins').column('origin').execute();
      await db.schema
        .createTable('click_ids')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('fbp', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('click_id', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('click_ids_pk', ['tenant_id', 'fbp', 'kind', 'click_id'])
        .execute();
      await db.schema
        .createTable('order_browsers')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('fbp', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_browsers_pk', ['tenant_id', 'order_id', 'fbp'])
        .execute();
    },
  },
  '0004_switches': {
    async up(db: Kysely<unknown>) {
      // Per-tenant event switches (src/store/switches.ts); a missing row means the switch is on.
      await db.schema
        .createTable('event_switches')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_switches_pk', ['tenant_id', 'name'])
        .execute();
    },
  },
  '0005_claimable_index': {
    async up(db: Kysely<unknown>) {
      // The claim query's exact shape: due rows of one pixel in next_attempt_at order, without a sort step.
      await db.schema
        .createIndex('deliveries_claimable')
        .on('deliveries')
        .columns(['pixel_row_id', 'next_attempt_at'])
        .where(sql.ref('status'), 'in', [sql.lit('queued'), sql.lit('failed')])
        .execute();
    },
  },
  '0006_channels_orders': {
    async up(db: Kysely<unknown>) {
      // Which sources reported an event (browser, webhook, API, CSV): a repeat from another channel is a
      // dedup success, not noise, and the acceptance report shows it.
      await db.schema.alterTable('events').addColumn('channels', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      // The pseudonymous _fbp browser id (sent in clear by Meta's rules): ties a session's events together.
      await db.schema.alterTable('events').addColumn('fbp', 'text').execute();
      await db.schema.createIndex('events_tenant_fbp').on('events').columns(['tenant_id', 'fbp']).execute();
      await db.schema.createIndex('events_tenant_order').on('events').columns(['tenant_id', 'order_id']).execute();
      // The store's own record of each order (first server-side Purchase wins), to reconcile what was sent.
      await db.schema
        .createTable('orders')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('total', 'double precision', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('orders_pk', ['tenant_id', 'order_id'])
        .execute();
    },
  },
  '0007_browser_settings': {
    async up(db: Kysely<unknown>) {
      // Per-tenant snippet settings (src/store/browser-settings.ts); a missing row means the defaults.
      await db.schema
        .createTable('browser_settings')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id'))
        .addColumn('load_pixel', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // /v1/collect hits per (tenant, client) and one-minute window, shared by every node on PostgreSQL
      // (src/store/collect-rate-windows.ts). `bucket` is an HMAC of tenant and IP: no IP is stored.
      await db.schema
        .createTable('collect_rate_windows')
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('collect_rate_windows_pk', ['bucket', 'window_start'])
        .execute();
      // Expiry deletes whole past windows.
      await db.schema.createIndex('collect_rate_windows_start').on('collect_rate_windows').column('window_start').execute();
    },
  },
  '0008_audit_sessions': {
    async up(db: Kysely<unknown>) {
      // Who changed what through the admin API, and when: a sanitized summary, never a secret or token.
      await db.schema
        .createTable('audit_log')
        .$call((t) => adapter.autoIncrementPrimaryKey(t, 'id'))
        .addColumn('tenant_id', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_tenant_at').on('audit_log').columns(['tenant_id', 'at']).execute();
      // Dashboard sessions in the database, so every node behind a load balancer accepts the same cookie.
      // Only the SHA-256 of the session id is stored: a copy of this table signs nobody in.
      await db.schema
        .createTable('dashboard_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        // The ingest key a store-key session signed in with: revoking the key ends the session.
        .addColumn('api_key_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dashboard_sessions_expires').on('dashboard_sessions').column('expires_at').execute();
      // Primary or secondary pixel (a label for people; every active pixel gets its own delivery).
      await db.schema.alterTable('pixels').addColumn('role', 'text', (c) => c.notNull().defaultTo('secondary')).execute();
      await sql`update pixels set role = 'primary' where created_at = (select min(q.created_at) from pixels q where q.tenant_id = pixels.tenant_id)`.execute(db);
      // "Clear the log" hides older rows from the event log; the rows stay for dedup and the reports.
      await db.schema.alterTable('tenants').addColumn('log_cleared_at', 'bigint').execute();
    },
  },
  '0009_reports': {
    async up(db: Kysely<unknown>) {
      // The reports read orders by period, and the acceptance summary must not scan a big store's whole history.
      await db.schema.createIndex('orders_tenant_created').on('orders').columns(['tenant_id', 'created_at']).execute();
      // IP and user agent are erased once an event is delivered; these 0/1 flags (null: not recorded) keep
      // whether they were sent, never their values, so match quality can still count them.
      await db.schema.alterTable('events').addColumn('had_client_ip', 'integer').execute();
      await db.schema.alterTable('events').addColumn('had_user_agent', 'integer').execute();
    },
  },
  '0010_leased_index': {
    async up(db: Kysely<unknown>) {
      // Expired leases are looked up by (pixel, lease_until) among 'sending' rows only; the old three-column index
      // also held every queued and settled row and was rewritten on every status change.
      await db.schema
        .createIndex('deliveries_leased')
        .on('deliveries')
        .columns(['pixel_row_id', 'lease_until'])
        .where(sql.ref('status'), '=', sql.lit('sending'))
        .execute();
      await db.schema.dropIndex('deliveries_due').execute();
    },
  },
  '0011_pixel_graph_version': {
    async up(db: Kysely<unknown>) {
      // A pixel's own Graph API version; null uses the relay's configured default (graphVersion).
      await db.schema.alterTable('pixels').addColumn('graph_version', 'text').execute();
    },
  },
  '0012_events_received': {
    async up(db: Kysely<unknown>) {
      // Meta's events_received for the request that carried this delivery (the batch's count, not a per-event
      // flag): with fbtrace_id it is what a support case with Meta asks for.
      await db.schema.alterTable('deliveries').addColumn('events_received', 'integer').execute();
    },
  },
  '0013_retention_indexes': {
    async up(db: Kysely<unknown>) {
      // The retention purge deletes a tenant's click ids and order links by age; without these it scans them all.
      await db.schema.createIndex('click_ids_tenant_seen').on('click_ids').columns(['tenant_id', 'first_seen_at']).execute();
      await db.schema.createIndex('order_browsers_tenant_created').on('order_browsers').columns(['tenant_id', 'created_at']).execute();
    },
  },
  '0014_webhook_replay_keys': {
    async up(db: Kysely<unknown>) {
      // Generic webhook deliveries and signatures already seen (src/store/webhook-replay-keys.ts): SHA-256 keys
      // only, each kept until expires_at, shared by every node on the database.
      await db.schema
        .createTable('webhook_replay_keys')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_replay_keys_expires').on('webhook_replay_keys').column('expires_at').execute();
    },
  },
  '0015_one_purchase_event_id_template': {
    async up(db: Kysely<unknown>) {
      // A store has one Purchase template (its policy); per-source templates are carried there or dropped, and audited.
      await migrateSourceTemplates(db as Kysely<Database>, Date.now());
    },
  },
  '0016_snippet_cookie_domain': {
    async up(db: Kysely<unknown>) {
      // The domain the snippet's click cookies go on; null finds the registrable domain in the browser.
      await db.schema.alterTable('browser_settings').addColumn('cookie_domain', 'text').execute();
    },
  },
  '0017_scrub_rejection_messages': {
    async up(db: Kysely<unknown>) {
      // Before this release a rejected webhook event's message repeated the rejected value (an event_time,
      // an action_source, an unknown key), which could be an e-mail or a phone number that `forget` cannot
      // find. Keep the code, drop the message's value (src/core/input-messages.ts has the rule).
      await sql`update events set drop_message = drop_code || ': the input value was removed from this message'
        where event_name = 'Unmappable' and drop_code in ('unknown_key', 'invalid_event_time', 'invalid_action_source') and drop_message like '%"%'`.execute(db);
    },
  },
  '0018_unsent_events_without_ip': {
    async up(db: Kysely<unknown>) {
      // IP and user agent are kept only to be sent. Events that never will be (dropped, skipped, or queued with no
      // delivery at all) used to keep both until the retention purge; ingest now stores them without.
      await sql`update events set client_ip_address = null, client_user_agent = null
        where (client_ip_address is not null or client_user_agent is not null)
          and (status in ('dropped', 'skipped') or not exists (select 1 from deliveries d where d.event_row_id = events.id))`.execute(db);
    },
  },
  '0019_protocols': {
    async up(db: Kysely<unknown>) {
      // The Test Event Code a Graph-API-compatible request carried (POST /{version}/{pixel_id}/events): such an
      // event is stored as simulated and sent with this code instead of the pixel's own. Null: the pixel's.
      await db.schema.alterTable('events').addColumn('test_event_code', 'text').execute();
      // Segment/RudderStack `identify` traits, remembered per user for their later events: user_data already
      // normalized and hashed as Meta receives it (no plain text), keyed by a SHA-256 of the user id. The
      // retention purge deletes rows not updated within retentionDays.
      await db.schema
        .createTable('user_traits')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('user_key', 'text', (c) => c.notNull())
        .addColumn('user_data', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_traits_pk', ['tenant_id', 'user_key'])
        .execute();
      await db.schema.createIndex('user_traits_tenant_updated').on('user_traits').columns(['tenant_id', 'updated_at']).execute();
    },
  },
  '0020_dashboard_signals': {
    async up(db: Kysely<unknown>) {
      // Requests refused before anything was stored (an Origin not on the list, a webhook signature that does not
      // verify, a rate-limited beacon), counted per store, UTC hour and reason: one row per hour and reason, added
      // to from in-memory counts every few seconds, never a row per request. tenant_id '' when no store was named.
      await db.schema
        .createTable('refused_requests')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('hour', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('refused_requests_pk', ['tenant_id', 'hour', 'reason'])
        .execute();
      await db.schema.createIndex('refused_requests_hour').on('refused_requests').column('hour').execute();
      // The pixel's name as Meta gave it at the last Test Connection, and that check's outcome (null problem: verified).
      await db.schema.alterTable('pixels').addColumn('meta_name', 'text').execute();
      await db.schema.alterTable('pixels').addColumn('connection_checked_at', 'bigint').execute();
      await db.schema.alterTable('pixels').addColumn('connection_problem', 'text').execute();
      // The publishable key itself (it is public: it sits in every page of the store), so the dashboard can show
      // the snippet tag. Only keys issued from now on have it; an older store gets it at its next rotation.
      await db.schema.alterTable('api_keys').addColumn('public_key', 'text').execute();
      // Dead deliveries are few and read by store (the overview, alerts, /metrics, Retry all): a partial index keeps
      // those reads off the whole table.
      await db.schema
        .createIndex('deliveries_dead')
        .on('deliveries')
        .columns(['tenant_id', 'pixel_row_id'])
        .where(sql.ref('status'), '=', sql.lit('dead'))
        .execute();
    },
  },
  '0021_store_log': {
    async up(db: Kysely<unknown>) {
      await migrateToStoreLog(db, adapter, Date.now());
    },
  },
  '0022_events_received_index': {
    async up(db: Kysely<unknown>) {
      // 0021 dropped it with the delivery rows, but every reader of a time range still asks by arrival: the event
      // log's pages (newest first), the overview's week, reports' periods and the retention purge. Without it each
      // of those sorted or scanned a store's whole log (docs/architecture.md, "Data at rest", has the figures).
      // Seqs follow arrival only nearly (clocks of several nodes, a commit waiting on the seq lock), so a seq range
      // cannot stand in for a time range exactly.
      await db.schema.createIndex('events_tenant_received').on('events').columns(['tenant_id', 'received_at']).execute();
    },
  },
  '0023_channel_merge': {
    async up(db: Kysely<unknown>) {
      // A held event waits for its other channel's copy with seq null (it takes no place in the log, so no cursor
      // waits for it) until hold_until; its IP and user agent wait beside it. The sweeper finds due ones by the
      // partial index, which holds only the few events waiting at any time.
      await db.schema.alterTable('events').addColumn('hold_until', 'bigint').execute();
      await db.schema.alterTable('events').addColumn('held_client_ip', 'text').execute();
      await db.schema.alterTable('events').addColumn('held_user_agent', 'text').execute();
      await db.schema.alterTable('events').addColumn('merge_outcome', 'text').execute();
      await db.schema.alterTable('events').addColumn('merge_detail', 'text').execute();
      await db.schema.createIndex('events_held').on('events').column('hold_until').where(sql.ref('seq'), 'is', null).execute();
      await db.schema
        .createTable('channel_presence')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('event_name', 'text', (c) => c.notNull())
        .addColumn('channel_kind', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('channel_presence_pk', ['tenant_id', 'event_name', 'channel_kind'])
        .execute();
    },
  },
  '0024_sandboxed_pixel_opt_in': {
    async up(db: Kysely<unknown>) {
      // Whether /v1/collect takes beacons sent with `Origin: null` (a sandboxed frame such as Shopify's custom
      // pixel) on the strength of the page URL in their body. Off for every store until it opts in.
      await db.schema.alterTable('browser_settings').addColumn('accept_sandboxed_pixel', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
});

function provider(adapter: DialectAdapter): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrations(adapter)) };
}

/**
 * Kysely looks for its migration tables in every schema unless told which one: on a PostgreSQL database where
 * another schema already has them (other tests, another app), it skips creating ours and then fails with
 * `relation "kysely_migration_lock" does not exist`. Pin them to the connection's current schema.
 */
async function migrationSchema(db: Kysely<unknown>, adapter: DialectAdapter): Promise<{ migrationTableSchema?: string }> {
  if (adapter.name !== 'postgres') return {};
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0] ? { migrationTableSchema: rows[0].schema } : {};
}

/** Applies every pending migration; safe to call from several nodes at once (Kysely locks). */
export async function migrateToLatest(db: Kysely<unknown>, adapter: DialectAdapter): Promise<string[]> {
  const migrator = new Migrator({ db, provider: provider(adapter), ...(await migrationSchema(db, adapter)) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies the migrations up to and including `name` only: tests write rows as an older release stored them. */
export async function migrateUpTo(db: Kysely<unknown>, adapter: DialectAdapter, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: provider(adapter), ...(await migrationSchema(db, adapter)) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** True when no migration is pending (used by /readyz). */
export async function migrationsCurrent(db: Kysely<unknown>, adapter: DialectAdapter): Promise<boolean> {
  const migrator = new Migrator({ db, provider: provider(adapter), ...(await migrationSchema(db, adapter)) });
  const list = await migrator.getMigrations();
  return list.every((m) => m.executedAt !== undefined);
}

export async function ping(db: Kysely<unknown>): Promise<void> {
  await sql`select 1`.execute(db);
}
