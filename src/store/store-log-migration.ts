import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { DialectAdapter } from './dialect-adapter.js';

/** Work waiting to be claimed again (released or retrying): literals, so the queue's queries imply the partial index. */
const OPEN = [sql.lit('queued'), sql.lit('failed')];

/** What a batch and an exception both record as claimable work: its state, its lease and Meta's last answer. */
function addWorkColumns<TB extends string, C extends string>(t: CreateTableBuilder<TB, C>) {
  return t
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('fbtrace_id', 'text')
    .addColumn('events_received', 'integer');
}

/** The partial indexes a queue claims work by: `<table>_due` (open work by due time), `<table>_leased` (in flight). */
async function addWorkIndexes(db: Kysely<unknown>, table: 'delivery_batches' | 'delivery_exceptions'): Promise<void> {
  await db.schema.createIndex(`${table}_due`).on(table).columns(['pixel_row_id', 'next_attempt_at']).where(sql.ref('status'), 'in', OPEN).execute();
  await db.schema.createIndex(`${table}_leased`).on(table).columns(['pixel_row_id', 'lease_until']).where(sql.ref('status'), '=', sql.lit('sending')).execute();
}

/**
 * Migration 0021: the store becomes a log (issue 15). Events get a per-tenant `seq` and lose IP and user agent to
 * `event_clear_fields`; the row per (event, pixel) of `deliveries` gives way to a cursor per pixel, a record per
 * claimed range (`delivery_batches`) and rows only for the exceptions (`delivery_exceptions`).
 *
 * Carried over: every event keeps its row and gets a seq in received order; each pixel's cursor starts at its
 * tenant's last seq, so nothing already stored is sent again by a cursor. What the old rows still had to do
 * becomes exceptions the new queue sends (queued, failed, and sending: an old node's lease means nothing now)
 * or keeps (dead, which Retry can replay, and dropped), each with its own copy of IP and user agent. Sent rows
 * become sent batches, one per run of one Graph request (same fbtrace_id) in seq order, so the timeline still
 * shows fbtrace_id and events_received. The failure history of delivery_history is not carried (each exception
 * keeps its last error).
 */
export async function migrateToStoreLog(db: Kysely<unknown>, adapter: DialectAdapter, now: number): Promise<void> {
  await db.schema.alterTable('events').addColumn('seq', 'bigint').execute();
  await db.schema.alterTable('events').addColumn('only_pixel_row_id', 'text').execute();
  await sql`update events set seq = ranked.rn
    from (select id, row_number() over (partition by tenant_id order by received_at, id) as rn from events) as ranked
    where ranked.id = events.id`.execute(db);
  // A simulation from one pixel's page had its one delivery row; the log says so on the event.
  await sql`update events set only_pixel_row_id = (select min(d.pixel_row_id) from deliveries d where d.event_row_id = events.id)
    where simulated = 1 and (select count(*) from deliveries d where d.event_row_id = events.id) = 1`.execute(db);
  // An event's status is what ingest decided; 'done' (all deliveries settled) is read from the log now.
  await sql`update events set status = 'queued' where status = 'done'`.execute(db);
  await db.schema.dropIndex('events_tenant_received').execute();
  await db.schema.createIndex('events_tenant_seq').unique().on('events').columns(['tenant_id', 'seq']).execute();
  // Most events carry no order id, many no fbp: partial indexes skip them (a lookup `= ?` implies NOT NULL).
  await db.schema.dropIndex('events_tenant_fbp').execute();
  await db.schema.dropIndex('events_tenant_order').execute();
  await db.schema.createIndex('events_tenant_fbp').on('events').columns(['tenant_id', 'fbp']).where(sql.ref('fbp'), 'is not', null).execute();
  await db.schema.createIndex('events_tenant_order').on('events').columns(['tenant_id', 'order_id']).where(sql.ref('order_id'), 'is not', null).execute();

  await db.schema
    .createTable('tenant_sequences')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('next_seq', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into tenant_sequences (tenant_id, next_seq) select tenant_id, max(seq) + 1 from events group by tenant_id`.execute(db);

  await db.schema
    .createTable('event_clear_fields')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('client_ip_address', 'text')
    .addColumn('client_user_agent', 'text')
    .addPrimaryKeyConstraint('event_clear_fields_pk', ['tenant_id', 'seq'])
    .execute();
  await sql`insert into event_clear_fields (tenant_id, seq, client_ip_address, client_user_agent)
    select tenant_id, seq, client_ip_address, client_user_agent from events
    where client_ip_address is not null or client_user_agent is not null`.execute(db);

  await db.schema
    .createTable('pixel_cursors')
    .addColumn('pixel_row_id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('start_seq', 'bigint', (c) => c.notNull())
    .addColumn('sent_through', 'bigint', (c) => c.notNull())
    .addColumn('claimed_through', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pixel_cursors_tenant').on('pixel_cursors').column('tenant_id').execute();
  await sql`insert into pixel_cursors (pixel_row_id, tenant_id, start_seq, sent_through, claimed_through, updated_at)
    select p.id, p.tenant_id,
      coalesce((select max(e.seq) from events e where e.tenant_id = p.tenant_id), 0),
      coalesce((select max(e.seq) from events e where e.tenant_id = p.tenant_id), 0),
      coalesce((select max(e.seq) from events e where e.tenant_id = p.tenant_id), 0),
      ${now}
    from pixels p`.execute(db);

  await db.schema
    .createTable('delivery_batches')
    .$call((t) => adapter.autoIncrementPrimaryKey(t, 'id'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('pixel_row_id', 'text', (c) => c.notNull())
    .addColumn('from_seq', 'bigint', (c) => c.notNull())
    .addColumn('to_seq', 'bigint', (c) => c.notNull())
    .$call(addWorkColumns)
    .addColumn('event_count', 'integer', (c) => c.notNull())
    .addColumn('claims', 'integer', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // A pixel's ranges never overlap: the batch holding a seq is the last one starting at or below it.
  await db.schema.createIndex('delivery_batches_range').unique().on('delivery_batches').columns(['pixel_row_id', 'from_seq']).execute();
  await addWorkIndexes(db, 'delivery_batches');
  await db.schema.createIndex('delivery_batches_tenant_created').on('delivery_batches').columns(['tenant_id', 'created_at']).execute();
  // Gaps and islands: consecutive sent rows of one pixel (in seq order) that share a fbtrace_id were one request.
  await sql`insert into delivery_batches (tenant_id, pixel_row_id, from_seq, to_seq, status, attempts, next_attempt_at, fbtrace_id,
      events_received, event_count, claims, claimed_at, created_at, updated_at)
    select tenant_id, pixel_row_id, min(seq), max(seq), 'sent', max(attempts), max(next_attempt_at), max(fbtrace_id),
      max(events_received), count(*), 1, min(created_at), min(created_at), max(updated_at)
    from (
      select d.tenant_id, d.pixel_row_id, e.seq, d.attempts, d.next_attempt_at, d.fbtrace_id, d.events_received, d.created_at, d.updated_at,
        row_number() over (partition by d.pixel_row_id order by e.seq)
          - row_number() over (partition by d.pixel_row_id, coalesce(d.fbtrace_id, '') order by e.seq) as run
      from deliveries d join events e on e.id = d.event_row_id
      where d.status = 'sent'
    ) sent
    group by tenant_id, pixel_row_id, coalesce(fbtrace_id, ''), run`.execute(db);

  await db.schema
    .createTable('delivery_exceptions')
    .addColumn('pixel_row_id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .$call(addWorkColumns)
    .addColumn('client_ip_address', 'text')
    .addColumn('client_user_agent', 'text')
    .addColumn('replayed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_exceptions_pk', ['pixel_row_id', 'seq'])
    .execute();
  await db.schema.createIndex('delivery_exceptions_event').on('delivery_exceptions').columns(['tenant_id', 'seq']).execute();
  await addWorkIndexes(db, 'delivery_exceptions');
  await sql`insert into delivery_exceptions (pixel_row_id, tenant_id, seq, status, attempts, next_attempt_at, last_error, fbtrace_id,
      events_received, client_ip_address, client_user_agent, replayed, created_at, updated_at)
    select d.pixel_row_id, d.tenant_id, e.seq,
      case d.status when 'sending' then 'failed' else d.status end,
      d.attempts,
      case d.status when 'sending' then coalesce(d.lease_until, d.next_attempt_at) else d.next_attempt_at end,
      d.last_error, d.fbtrace_id, d.events_received,
      case when d.status in ('queued', 'failed', 'sending', 'dead') then e.client_ip_address end,
      case when d.status in ('queued', 'failed', 'sending', 'dead') then e.client_user_agent end,
      0, d.created_at, d.updated_at
    from deliveries d join events e on e.id = d.event_row_id
    where d.status in ('queued', 'failed', 'sending', 'dead', 'dropped')`.execute(db);

  await db.schema.dropTable('delivery_history').execute();
  await db.schema.dropTable('deliveries').execute();
  await db.schema.alterTable('events').dropColumn('client_ip_address').execute();
  await db.schema.alterTable('events').dropColumn('client_user_agent').execute();
}
