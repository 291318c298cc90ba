/**
 * The one reader of delivery state: what happened to each event for each pixel. The queue records its work as a
 * log (docs/architecture.md, "Data at rest"): a cursor per pixel, a row per claimed range (batch), a row per
 * event that left its batch (exception). Every other reader (event log, timeline, reports, metrics, Simulate,
 * tests) asks here, so the rule that turns those rows into a status per (event, pixel) lives in one place:
 *
 * - no delivery when the event is not `queued` or is meant for another pixel only;
 * - else the exception row of (pixel, seq), if any;
 * - else the pixel's batch whose range holds the seq (ranges of a pixel never overlap);
 * - else, for a pixel with a cursor, `queued` if the event is after the cursor's start (`seq > start_seq`); at or
 *   before it the event predates the pixel (or migration 0021) and has no delivery. A disabled pixel has no
 *   cursor: what its rows record is still shown, nothing more is queued for it.
 */
import { type Expression, type ExpressionBuilder, type Kysely, type QueryCreator, type RawBuilder, type SqlBool, sql } from 'kysely';
import { chunks } from './chunks.js';
import type { Store } from './database.js';
import { deliveryTimeline, type TimelineEntry } from './delivery-timeline.js';
import { withoutJit } from './dialect-adapter.js';
import type { Database, DeliveryStatus } from './schema.js';

/** One event's delivery to one pixel as a person reads it. */
export interface DeliveryState {
  eventRowId: string;
  /** The event's place in its tenant's log. */
  seq: number;
  pixelRowId: string;
  status: DeliveryStatus;
  /** Sends made so far (the batch's, or the event's own once it left its batch). */
  attempts: number;
  lastError: string | null;
  /** Meta's answer to the request that carried it (null until sent). */
  fbtraceId: string | null;
  eventsReceived: number | null;
  /** When it was queued (the event's arrival) and when its status last changed (Unix ms). */
  queuedAt: number;
  updatedAt: number;
  /** When the batch carrying it was last claimed; null while it waits above the cursor. */
  claimedAt: number | null;
  /** Claims of its batch: more than one means it was retried or taken over after a lapsed lease. */
  claims: number;
  /** Put back in the queue by Retry / `capi-relay replay` after it died. */
  replayed: boolean;
}

// Bound parameters per statement stay far below both databases' limits.
const ID_CHUNK = 500;

const SQL_QUEUED = sql.lit<'queued'>('queued');
const UNSETTLED = [sql.lit('queued'), sql.lit('failed'), sql.lit('sending')];
const SQL_DEAD = sql.lit<'dead'>('dead');
/** Work waiting to be claimed again (released or retrying): the predicate of the partial indexes of open batches and exceptions. */
const OPEN = [sql.lit<'queued'>('queued'), sql.lit<'failed'>('failed')];

interface LogRow {
  id: string;
  seq: number;
  status: string;
  only_pixel_row_id: string | null;
  received_at: number;
}

interface CursorRow {
  pixel_row_id: string;
  start_seq: number;
}

/** What the readers need of a store: its database. */
type Reads = Pick<Store, 'db'>;

/** The tenant's cursors in the order their pixels were added. */
async function cursorsOf(store: Reads, tenantId: string): Promise<CursorRow[]> {
  const rows = await store.db
    .selectFrom('pixel_cursors as c')
    .innerJoin('pixels as p', 'p.id', 'c.pixel_row_id')
    .select(['c.pixel_row_id', 'c.start_seq'])
    .where('c.tenant_id', '=', tenantId)
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({ pixel_row_id: r.pixel_row_id, start_seq: Number(r.start_seq) }));
}

/** Whether a queued event is meant for the pixel at all (one-pixel simulations go to that pixel only). */
const meantFor = (e: LogRow, pixelRowId: string) => e.status === 'queued' && (e.only_pixel_row_id === null || e.only_pixel_row_id === pixelRowId);

/** The delivery states of these events of a tenant, per event, in the order the pixels were added. */
export async function readDeliveryStates(store: Reads, tenantId: string, eventRowIds: readonly string[]): Promise<Map<string, DeliveryState[]>> {
  const out = new Map<string, DeliveryState[]>();
  const ids = [...new Set(eventRowIds)];
  if (ids.length === 0) return out;
  const events: LogRow[] = [];
  for (const part of chunks(ids, ID_CHUNK)) {
    events.push(
      ...(await store.db
        .selectFrom('events')
        .select(['id', 'seq', 'status', 'only_pixel_row_id', 'received_at'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', part)
        .where('status', '=', 'queued')
        // A held event (channel merge: seq null until released) has no delivery yet.
        .where('seq', 'is not', null)
        .$narrowType<{ seq: number }>()
        .execute()),
    );
  }
  if (events.length === 0) return out;
  const cursors = await cursorsOf(store, tenantId);
  const startOf = new Map(cursors.map((c) => [c.pixel_row_id, c.start_seq]));
  const pixelOrder = await pixelsInOrder(store, tenantId);
  events.sort((a, b) => Number(a.seq) - Number(b.seq));
  // Seq-ordered chunks: each reads the batches of one stretch of the log.
  for (const part of chunks(events, ID_CHUNK)) {
    const seqs = part.map((e) => Number(e.seq));
    const low = seqs[0] as number;
    const high = seqs[seqs.length - 1] as number;
    const exceptions = await store.db
      .selectFrom('delivery_exceptions')
      .select(['pixel_row_id', 'seq', 'status', 'attempts', 'last_error', 'fbtrace_id', 'events_received', 'replayed', 'updated_at'])
      .where('tenant_id', '=', tenantId)
      .where('seq', 'in', seqs)
      .execute();
    const exceptionOf = new Map(exceptions.map((x) => [`${x.pixel_row_id}:${Number(x.seq)}`, x]));
    // The batches whose range meets [low, high], of every pixel of the tenant (a disabled one's too).
    const batches = await store.db
      .selectFrom('delivery_batches as b')
      .select(['b.pixel_row_id', 'b.from_seq', 'b.to_seq', 'b.status', 'b.attempts', 'b.last_error', 'b.fbtrace_id', 'b.events_received', 'b.claims', 'b.claimed_at', 'b.updated_at'])
      .where('b.tenant_id', '=', tenantId)
      .where('b.from_seq', '<=', high)
      .where('b.to_seq', '>=', low)
      .orderBy('b.from_seq')
      .execute();
    const batchesOf = new Map<string, typeof batches>();
    for (const b of batches) {
      const list = batchesOf.get(b.pixel_row_id);
      if (list) list.push(b);
      else batchesOf.set(b.pixel_row_id, [b]);
    }
    const pixels = pixelOrder.filter((p) => startOf.has(p) || batchesOf.has(p) || exceptions.some((x) => x.pixel_row_id === p));
    for (const e of part) {
      const seq = Number(e.seq);
      const list: DeliveryState[] = [];
      for (const pixelRowId of pixels) {
        if (!meantFor(e, pixelRowId)) continue;
        const base = { eventRowId: e.id, seq, pixelRowId, queuedAt: Number(e.received_at) };
        const x = exceptionOf.get(`${pixelRowId}:${seq}`);
        const b = batchesOf.get(pixelRowId)?.find((r) => Number(r.from_seq) <= seq && Number(r.to_seq) >= seq);
        const start = startOf.get(pixelRowId);
        if (x) {
          list.push({
            ...base, status: x.status, attempts: Number(x.attempts), lastError: x.last_error, fbtraceId: x.fbtrace_id,
            eventsReceived: x.events_received === null ? null : Number(x.events_received), updatedAt: Number(x.updated_at),
            claimedAt: b ? Number(b.claimed_at) : null, claims: b ? Number(b.claims) : 0, replayed: Number(x.replayed) === 1,
          });
        } else if (b) {
          list.push({
            ...base, status: b.status, attempts: Number(b.attempts), lastError: b.last_error, fbtraceId: b.fbtrace_id,
            eventsReceived: b.events_received === null ? null : Number(b.events_received), updatedAt: Number(b.updated_at),
            claimedAt: Number(b.claimed_at), claims: Number(b.claims), replayed: false,
          });
        } else if (start !== undefined && seq > start) {
          list.push({ ...base, status: 'queued', attempts: 0, lastError: null, fbtraceId: null, eventsReceived: null, updatedAt: base.queuedAt, claimedAt: null, claims: 0, replayed: false });
        }
      }
      if (list.length > 0) out.set(e.id, list);
    }
  }
  return out;
}

/** The tenant's pixels in the order they were added. */
async function pixelsInOrder(store: Reads, tenantId: string): Promise<string[]> {
  const rows = await store.db.selectFrom('pixels').select('id').where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/**
 * Every delivery of a tenant's events, by the same rule. It reads the tenant's whole log: for tests, tools and
 * small stores, not for a request path.
 */
export async function deliveryStates(db: Kysely<Database>, tenantId: string): Promise<DeliveryState[]> {
  const events = await db.selectFrom('events').select('id').where('tenant_id', '=', tenantId).where('status', '=', 'queued').orderBy('seq').execute();
  const states = await readDeliveryStates({ db }, tenantId, events.map((e) => e.id));
  return events.flatMap((e) => states.get(e.id) ?? []);
}

/** One event's delivery to one pixel, or null when the event is not for that pixel. */
export async function readDeliveryState(store: Reads, tenantId: string, eventRowId: string, pixelRowId: string): Promise<DeliveryState | null> {
  const states = (await readDeliveryStates(store, tenantId, [eventRowId])).get(eventRowId) ?? [];
  return states.find((s) => s.pixelRowId === pixelRowId) ?? null;
}

/** SQL: event `e` is meant for the pixel of cursor `c` (both table aliases): queued, and not for another pixel only. */
function eventIsFor(e: string, c: string): RawBuilder<SqlBool> {
  const [E, C] = [sql.table(e), sql.table(c)];
  return sql<SqlBool>`${C}.tenant_id = ${E}.tenant_id and ${E}.status = ${SQL_QUEUED}
    and (${E}.only_pixel_row_id is null or ${E}.only_pixel_row_id = ${C}.pixel_row_id)`;
}

/**
 * SQL: the status of event `e` for the pixel of cursor `c`: the exception row's, else the status of the batch whose
 * range holds it (the pixel's last batch starting at or before it, an index seek), else queued after the cursor's
 * start; null (no delivery) at or before it.
 */
function derivedStatus(e: string, c: string): RawBuilder<DeliveryStatus | null> {
  const [E, C] = [sql.table(e), sql.table(c)];
  return sql<DeliveryStatus | null>`coalesce(
    (select x.status from delivery_exceptions x where x.pixel_row_id = ${C}.pixel_row_id and x.seq = ${E}.seq),
    (select case when b.to_seq >= ${E}.seq then b.status end from delivery_batches b
      where b.pixel_row_id = ${C}.pixel_row_id and b.from_seq <= ${E}.seq order by b.from_seq desc limit 1),
    case when ${E}.seq > ${C}.start_seq then ${SQL_QUEUED} end)`;
}

/** SQL condition on `events`: the event has a delivery in `status` for some pixel (the event log's filter). */
export function hasDeliveryStatus(eb: ExpressionBuilder<Database, 'events'>, status: DeliveryStatus): Expression<SqlBool> {
  return eb.exists(
    eb
      .selectFrom('pixel_cursors as dc')
      .select('dc.pixel_row_id')
      .where(eventIsFor('events', 'dc'))
      .where(sql<SqlBool>`${derivedStatus('events', 'dc')} = ${status}`),
  );
}

/**
 * SQL condition on `events`: a pixel that is not disabled still has to send the event (queued, retrying or
 * being sent). A disabled pixel sends nothing, so it holds nothing back (the retention purge).
 */
export function hasUnsettledDelivery(eb: ExpressionBuilder<Database, 'events'>): Expression<SqlBool> {
  return eb.exists(
    eb
      .selectFrom('pixel_cursors as dc')
      .innerJoin('pixels as dp', 'dp.id', 'dc.pixel_row_id')
      .select('dc.pixel_row_id')
      .where('dp.status', '!=', 'disabled')
      .where(eventIsFor('events', 'dc'))
      .where(sql<SqlBool>`${derivedStatus('events', 'dc')} in (${sql.join(UNSETTLED)})`),
  );
}

/** An event's story, oldest first: queued per pixel, then what its batch or its own row says happened since. */
export async function readTimeline(store: Reads, tenantId: string, eventRowId: string): Promise<TimelineEntry[]> {
  return deliveryTimeline((await readDeliveryStates(store, tenantId, [eventRowId])).get(eventRowId) ?? []);
}

/** The backlog the metrics report: deliveries still to send, dead ones, and the age of the oldest still queued. */
export interface BacklogFigures {
  unsettled: number;
  dead: number;
  /** Milliseconds since the oldest delivery still to send arrived; 0 when none is. */
  oldestQueuedAgeMs: number;
  /** Events held by the merge window for their other channel's copy right now (not in the log yet). */
  held: number;
}

/**
 * Counts over every tenant, for the /metrics gauges; disabled pixels are left out (they send nothing).
 */
export async function readBacklog(store: Store, now: number): Promise<BacklogFigures> {
  const pending = await readPending(store, null);
  const dead = await store.db.selectFrom('delivery_exceptions').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', SQL_DEAD).executeTakeFirstOrThrow();
  // `seq is null` is the predicate of the partial index events_held: this counts the few rows it holds.
  const held = await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('seq', 'is', null).executeTakeFirstOrThrow();
  const first = pending.oldestQueuedAt;
  return { unsettled: pending.count, dead: Number(dead.n), oldestQueuedAgeMs: first === null ? 0 : Math.max(0, now - first), held: Number(held.n) };
}

/**
 * Deliveries still to send (queued, retrying, being sent) of one tenant or of all (null), and when the oldest of
 * them arrived; disabled pixels are left out (they send nothing). Per pixel: events above the claimed range not
 * settled alone, events in the claimed but not yet settled stretch whose batch or own row is unsettled, and single
 * events left behind (retrying) below the settled mark. Reads only the unsettled end of each pixel's log.
 */
export async function readPending(store: Reads, tenantId: string | null): Promise<{ count: number; oldestQueuedAt: number | null }> {
  const { db } = store;
  let cursorQuery = db
    .selectFrom('pixel_cursors as c')
    .innerJoin('pixels as p', 'p.id', 'c.pixel_row_id')
    .select(['c.pixel_row_id', 'c.tenant_id', 'c.sent_through', 'c.claimed_through'])
    .where('p.status', '!=', 'disabled');
  if (tenantId !== null) cursorQuery = cursorQuery.where('c.tenant_id', '=', tenantId);
  const cursors = await cursorQuery.execute();
  let unsettled = 0;
  let oldest: number | null = null;
  const older = (at: unknown) => {
    if (at === null || at === undefined) return;
    oldest = oldest === null ? Number(at) : Math.min(oldest, Number(at));
  };
  for (const c of cursors) {
    const pending = (from: number, to: number | null) => {
      let q = db
        .selectFrom('events as e')
        .innerJoin('pixel_cursors as pc', (j) => j.on('pc.pixel_row_id', '=', c.pixel_row_id))
        .where('e.tenant_id', '=', c.tenant_id)
        .where('e.seq', '>', from)
        .where(eventIsFor('e', 'pc'))
        .where(sql<SqlBool>`${derivedStatus('e', 'pc')} in (${sql.join(UNSETTLED)})`);
      if (to !== null) q = q.where('e.seq', '<=', to);
      return q;
    };
    const above = Number(c.claimed_through);
    const stretch = await pending(Number(c.sent_through), above).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    // Above the claimed range there is no batch, so no status to derive per event: every event meant for the pixel
    // is queued, less the few settled alone there (work carried over by migration 0021).
    const fresh = await db
      .selectFrom('events as e')
      .innerJoin('pixel_cursors as pc', (j) => j.on('pc.pixel_row_id', '=', c.pixel_row_id))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('e.tenant_id', '=', c.tenant_id)
      .where('e.seq', '>', above)
      .where(eventIsFor('e', 'pc'))
      .executeTakeFirstOrThrow();
    const settledAbove = await db
      .selectFrom('delivery_exceptions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('pixel_row_id', '=', c.pixel_row_id)
      .where('seq', '>', above)
      .where('status', 'in', ['sent', 'dead', 'dropped'])
      .executeTakeFirstOrThrow();
    unsettled += Number(stretch.n) + Number(fresh.n) - Number(settledAbove.n);
    // Seqs follow arrival, so the lowest unsettled seq is the oldest waiting event.
    const first = await pending(Number(c.sent_through), null).select('e.received_at').orderBy('e.seq').limit(1).executeTakeFirst();
    older(first?.received_at);
    const behind = await db
      .selectFrom('delivery_exceptions as x')
      .innerJoin('events as e', (j) => j.onRef('e.tenant_id', '=', 'x.tenant_id').onRef('e.seq', '=', 'x.seq'))
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number | null>('e.received_at').as('oldest')])
      .where('x.pixel_row_id', '=', c.pixel_row_id)
      .where('x.seq', '<=', Number(c.sent_through))
      .where('x.status', 'in', ['queued', 'failed', 'sending'])
      .executeTakeFirstOrThrow();
    unsettled += Number(behind.n);
    older(behind.oldest);
  }
  const first: number | null = oldest;
  return { count: unsettled, oldestQueuedAt: first };
}

/** Deliveries of one pixel in one status, of events received since a time, with the newest change among them. */
export interface PixelStatusCount {
  pixelRowId: string;
  status: DeliveryStatus;
  count: number;
  /** The newest updated_at among them: for `sent`, when Meta last accepted one. */
  lastAt: number | null;
}

/** The upper bound of the stretch above a pixel's last batch: every seq there is still to be claimed. */
const END_OF_LOG = sql.lit(Number.MAX_SAFE_INTEGER);

/**
 * Per pixel and status, the deliveries of the tenant's events received since `since` (simulations included), by
 * the rule above counted per range of the log rather than per event. Each pixel's log from the lowest seq received
 * since then is cut into its batches and the stretches no batch holds, where events above the cursor's start are
 * queued; the events of each range are counted in one range read of events (tenant_id, seq), less those with an
 * exception row, which count in their own status. Deriving each event's status instead (correlated seeks per
 * event and pixel) took 3.4 s on PostgreSQL and 0.35 s on SQLite for 43,750 events to 3 pixels; this, 0.22 s and
 * 0.12 s (bench/delivery-counts.ts, which also checks that both answer the same).
 */
export async function countDeliveriesSince(store: Reads, tenantId: string, since: number): Promise<PixelStatusCount[]> {
  const first = await store.db
    .selectFrom('events')
    // `seq + 0`: read by arrival (tenant_id, received_at), not by walking the log in seq order until the period starts.
    .select(sql<number | null>`min(seq + 0)`.as('seq'))
    .where('tenant_id', '=', tenantId)
    .where('received_at', '>=', since)
    .executeTakeFirst();
  if (first?.seq === null || first?.seq === undefined) return [];
  const period = { tenantId, since, low: Number(first.seq) };
  const cursors = await store.db.selectFrom('pixel_cursors').select(['pixel_row_id', 'start_seq']).where('tenant_id', '=', tenantId).execute();
  return withoutJit(store.db, async (db) => {
    const out: PixelStatusCount[] = [];
    // One statement per pixel: with the pixel a constant, each look at its exception rows is by seq alone (with the
    // pixel a column too, PostgreSQL once merged on the pixel alone and compared millions of pairs).
    for (const c of cursors) out.push(...(await countOfPixel(db, period, { pixelRowId: c.pixel_row_id, startSeq: Number(c.start_seq) })));
    return out;
  });
}

/** The deliveries to one pixel (with a cursor) of the events received since `since`, whose lowest seq is `low`. */
async function countOfPixel(
  db: Kysely<Database>,
  { tenantId, since, low }: { tenantId: string; since: number; low: number },
  { pixelRowId, startSeq }: { pixelRowId: string; startSeq: number },
): Promise<PixelStatusCount[]> {
  // Event `e` is meant for the pixel (eventIsFor with the pixel a constant).
  const meant = sql<SqlBool>`e.status = ${SQL_QUEUED} and (e.only_pixel_row_id is null or e.only_pixel_row_id = ${pixelRowId})`;
  // The events of range `r` received since `since` and meant for the pixel. Unary plus: a seek in events
  // (tenant_id, seq) per range, never SQLite's scan of the period by arrival.
  const ofRange = sql<SqlBool>`e.tenant_id = ${tenantId} and e.seq >= r.from_seq and e.seq <= r.to_seq and +e.received_at >= ${since} and ${meant}`;
  // Each range is counted by scalar subqueries, so both planners read it the one way that is fast, a range of the
  // index per range: as a join, PostgreSQL sometimes put events first and compared every event with every range.
  // Events with an exception row count in their own status (below), so a range's count is less its exception rows.
  const events = sql<number>`(select count(*) from events e where ${ofRange})`;
  const excepted = sql<number>`(select count(*) from delivery_exceptions x join events e on e.tenant_id = ${tenantId} and e.seq = x.seq
    where x.pixel_row_id = ${pixelRowId} and x.seq >= r.from_seq and x.seq <= r.to_seq and e.received_at >= ${since} and ${meant})`;
  // When a stretch's deliveries last changed: the arrival of its newest event not with an exception row. Read only
  // for a stretch with such events (CASE), never for the many a dead batch leaves, all of whose events are excepted.
  const newestArrival = sql<number>`(select max(e.received_at) from events e where ${ofRange}
    and not exists (select 1 from delivery_exceptions x where x.pixel_row_id = ${pixelRowId} and x.seq = e.seq))`;
  const rows = await db
    .with('batches', (q) => pixelBatchesFrom(q, pixelRowId, low))
    .with('ranges', (q) => rangesOfBatches(q, { low, startSeq }))
    // Materialized: each range counted once, not again for the CASE below (both databases would inline it).
    .with((cte) => cte('counted').materialized(), (q) => q.selectFrom('ranges as r').select(['r.from_seq', 'r.to_seq', 'r.status', 'r.updated_at', sql<number>`${events} - ${excepted}`.as('n')]))
    .selectFrom('counted as r')
    .select(['r.status', sql<number>`sum(r.n)`.as('n'), sql<number | null>`max(case when r.n > 0 then coalesce(r.updated_at, ${newestArrival}) end)`.as('last_at')])
    .groupBy('r.status')
    .unionAll(
      db
        .selectFrom('delivery_exceptions as x')
        .innerJoin('events as e', (j) => j.on('e.tenant_id', '=', tenantId).onRef('e.seq', '=', 'x.seq'))
        .select(['x.status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max<number>('x.updated_at').as('last_at')])
        .where('x.pixel_row_id', '=', pixelRowId)
        .where('x.seq', '>=', low)
        .where('e.received_at', '>=', since)
        .where(meant)
        .groupBy('x.status'),
    )
    .execute();
  // A status can come from both parts (a batch's `sent` and an event's own): one count each.
  const counts = new Map<DeliveryStatus, PixelStatusCount>();
  for (const r of rows) {
    const count = Number(r.n);
    // Ranges whose events all left for exception rows, or arrived before `since`: no delivery in that status.
    if (count === 0) continue;
    const lastAt = r.last_at === null ? null : Number(r.last_at);
    const seen = counts.get(r.status);
    if (!seen) counts.set(r.status, { pixelRowId, status: r.status, count, lastAt });
    else {
      seen.count += count;
      if (lastAt !== null && (seen.lastAt === null || lastAt > seen.lastAt)) seen.lastAt = lastAt;
    }
  }
  return [...counts.values()];
}

/**
 * The pixel's batches that reach `low` or above, each with the start of the next: from the batch holding `low`
 * (the last starting at or below it, one seek) up.
 */
function pixelBatchesFrom(q: QueryCreator<Database>, pixelRowId: string, low: number) {
  return q
    .selectFrom('delivery_batches as b')
    .select(['b.from_seq', 'b.to_seq', 'b.status', 'b.updated_at', sql<number | null>`lead(b.from_seq) over (order by b.from_seq)`.as('next_from')])
    .where('b.pixel_row_id', '=', pixelRowId)
    .where('b.to_seq', '>=', low)
    .where(
      'b.from_seq',
      '>=',
      sql<number>`coalesce((select max(f.from_seq) from delivery_batches f where f.pixel_row_id = ${pixelRowId} and f.from_seq <= ${low}), ${low})`,
    );
}

/**
 * The pixel's log from `low` on as ranges of one status: its batches (their status and updated_at), and the
 * stretches no batch holds (before the first, between two, after the last) above the cursor's start, where the
 * events are queued (updated_at null: their arrival is when they last changed). A stretch may come out empty.
 */
function rangesOfBatches(q: QueryCreator<Database & { batches: BatchRange }>, { low, startSeq }: { low: number; startSeq: number }) {
  const above = (from: RawBuilder<number>) => sql<number>`case when ${from} > ${startSeq} then ${from} else ${startSeq + 1} end`;
  const queued = sql<DeliveryStatus>`${SQL_QUEUED}`.as('status');
  const arrival = sql<number | null>`null`.as('updated_at');
  return q
    .selectFrom('batches')
    .select(['from_seq', 'to_seq', 'status', sql<number | null>`updated_at`.as('updated_at')])
    .unionAll(
      q
        .selectFrom('batches')
        .select([above(sql`to_seq + 1`).as('from_seq'), sql<number>`coalesce(next_from - 1, ${END_OF_LOG})`.as('to_seq'), queued, arrival])
        // Most batches follow each other with no stretch between: no empty range to seek.
        .where(sql<SqlBool>`next_from is null or next_from > to_seq + 1`),
    )
    .unionAll(
      q
        .selectNoFrom([
          above(sql`cast(${low} as bigint)`).as('from_seq'),
          sql<number>`coalesce((select min(b.from_seq) - 1 from batches b), ${END_OF_LOG})`.as('to_seq'),
          queued,
          arrival,
        ]),
    );
}

interface BatchRange {
  from_seq: number;
  to_seq: number;
  status: DeliveryStatus;
  updated_at: number;
  next_from: number | null;
}

/** The newest error recorded on one pixel's rows of `table` in these statuses (literals, for the partial indexes). */
function newestError(store: Reads, table: 'delivery_batches' | 'delivery_exceptions', pixelRowId: string, statuses: readonly RawBuilder<'queued' | 'failed' | 'dead'>[]) {
  return store.db
    .selectFrom(table)
    .select(['last_error', 'updated_at'])
    .where('pixel_row_id', '=', pixelRowId)
    .where('status', 'in', statuses)
    .where('last_error', 'is not', null)
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Each pixel's newest delivery error among what a store owner can still act on: batches and single events waiting
 * to retry (read through the partial indexes of open work), and dead events.
 */
export async function readLastErrors(store: Reads, pixelRowIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const pixelRowId of pixelRowIds) {
    const batch = await newestError(store, 'delivery_batches', pixelRowId, OPEN);
    const single = await newestError(store, 'delivery_exceptions', pixelRowId, OPEN);
    const dead = await newestError(store, 'delivery_exceptions', pixelRowId, [SQL_DEAD]);
    const newest = [batch, single, dead].filter((r) => r?.last_error != null).sort((a, b) => Number(b?.updated_at) - Number(a?.updated_at))[0];
    if (newest?.last_error) out.set(pixelRowId, newest.last_error);
  }
  return out;
}

/** Dead deliveries per pixel (only single events die: a batch's rejected event leaves it): of one store or all (null). */
export async function countDeadPerPixel(store: Reads, tenantId: string | null): Promise<{ tenantId: string; pixelRowId: string; count: number }[]> {
  let q = store.db
    .selectFrom('delivery_exceptions')
    .select(['tenant_id', 'pixel_row_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', SQL_DEAD);
  if (tenantId !== null) q = q.where('tenant_id', '=', tenantId);
  const rows = await q.groupBy(['tenant_id', 'pixel_row_id']).execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, pixelRowId: r.pixel_row_id, count: Number(r.n) }));
}

/** When the oldest dead delivery of a store died, or null. */
export async function readOldestDeadAt(store: Reads, tenantId: string): Promise<number | null> {
  const row = await store.db
    .selectFrom('delivery_exceptions')
    .select((eb) => eb.fn.min<number>('updated_at').as('at'))
    .where('tenant_id', '=', tenantId)
    .where('status', '=', SQL_DEAD)
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/**
 * An event's IP address and user agent while the relay keeps them: the event's clear fields until every pixel is
 * past it, else the copy an exception row keeps (a dead event's, for its replay window).
 */
export async function readClearFields(store: Reads, tenantId: string, seq: number): Promise<{ clientIp: string | null; userAgent: string | null }> {
  const clear = await store.db
    .selectFrom('event_clear_fields')
    .select(['client_ip_address', 'client_user_agent'])
    .where('tenant_id', '=', tenantId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  if (clear) return { clientIp: clear.client_ip_address, userAgent: clear.client_user_agent };
  const kept = await store.db
    .selectFrom('delivery_exceptions')
    .select(['client_ip_address', 'client_user_agent'])
    .where('tenant_id', '=', tenantId)
    .where('seq', '=', seq)
    .where((eb) => eb.or([eb('client_ip_address', 'is not', null), eb('client_user_agent', 'is not', null)]))
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { clientIp: kept?.client_ip_address ?? null, userAgent: kept?.client_user_agent ?? null };
}

/**
 * Non-simulated events received in the period, counted per time slot (`received_at / slotMs`) and status: each
 * delivery's status per pixel, or the event's own when it has none (skipped, dropped at ingest).
 */
export async function countStatusesPerHour(store: Store, tenantId: string, period: { from: number; to: number }, slotMs: number): Promise<{ hour: number; status: string; n: number }[]> {
  // A literal divisor, so SELECT and GROUP BY are the same expression for PostgreSQL.
  const hour = sql<number>`e.received_at / ${sql.lit(slotMs)}`;
  const status = sql<string>`case when c.pixel_row_id is null then e.status else ${derivedStatus('e', 'c')} end`;
  const rows = await store.db
    .selectFrom('events as e')
    // One row per pixel the event has a delivery for; an event with none (skipped, dropped) keeps one row, its own.
    .leftJoin('pixel_cursors as c', (j) => j.on(sql<SqlBool>`${eventIsFor('e', 'c')} and ${derivedStatus('e', 'c')} is not null`))
    .select([hour.as('hour'), status.as('status'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('e.tenant_id', '=', tenantId)
    .where('e.received_at', '>=', period.from)
    .where('e.received_at', '<', period.to)
    .where('e.simulated', '=', 0)
    // By position: the status expression holds subqueries, which PostgreSQL matches by text only.
    .groupBy([sql`1`, sql`2`])
    .execute();
  return rows.map((r) => ({ hour: Number(r.hour), status: r.status, n: Number(r.n) }));
}
