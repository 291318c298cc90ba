import { randomUUID } from 'node:crypto';
import { type ExpressionBuilder, type Selectable, sql, type Transaction } from 'kysely';
import type { AckResult, ClaimedDelivery, DeliveryQueue, HeldDelivery, PixelTarget } from '../delivery/queue.js';
import { eraseSentClearFields } from './clear-fields.js';
import type { Store } from './database.js';
import { oneOf } from './dialect-adapter.js';
import type { BatchStatus, Database, DeliveryBatchesTable, DeliveryExceptionsTable, ExceptionStatus } from './schema.js';
import type { SecretBox } from './secret-box.js';
import { toWireEvent } from './stored-payload.js';

/**
 * Statuses as SQL literals, not bound parameters: a partial index (delivery_batches_due, _leased, and the
 * exceptions' twins) is only usable when the planner can see that the query's condition implies the index's.
 */
const SENDING = sql.lit<'sending'>('sending');
const WAITING = [sql.lit<BatchStatus>('queued'), sql.lit<BatchStatus>('failed')];
const QUEUED_EVENT = sql.lit<'queued'>('queued');

type Batch = Selectable<DeliveryBatchesTable>;
type Cursor = { tenant_id: string; sent_through: number; claimed_through: number };

interface ClearFields {
  client_ip_address: string | null;
  client_user_agent: string | null;
}

/** One claimed event as read from the log, with the clear fields it is sent with. */
interface LogEvent extends ClearFields {
  seq: number;
  event_name: string;
  event_id: string;
  event_time: number;
  payload: string;
  simulated: number;
  test_event_code: string | null;
}

/** What an ack records, for a whole batch, for events leaving a batch, and for an exception row. */
type Outcome =
  | { kind: 'sent'; fbtraceId: string | null; eventsReceived: number }
  | { kind: 'retry'; reason: string; nextAttemptAt: number }
  | { kind: 'dead'; reason: string }
  | { kind: 'dropped'; detail: string }
  | { kind: 'release' };

/** A delivery is named by its pixel and its event's seq: `<pixel row id>:<seq>`, the same on every claim. */
const deliveryIdOf = (pixelRowId: string, seq: number) => `${pixelRowId}:${seq}`;
function parseDeliveryId(id: string): { pixelRowId: string; seq: number } | null {
  const at = id.lastIndexOf(':');
  const seq = Number(id.slice(at + 1));
  return at > 0 && Number.isSafeInteger(seq) ? { pixelRowId: id.slice(0, at), seq } : null;
}

/**
 * The delivery queue on the log (docs/architecture.md, "Data at rest"): a cursor per pixel, a batch row per
 * claimed range and rows only for the exceptions. Every claim and every ack of a pixel first locks the pixel's
 * cursor row with an UPDATE, so they run one at a time per pixel on both databases (a short transaction each;
 * on SQLite that first write also takes the write lock at once). Several ranges of one pixel are in flight
 * together, each under its own lease.
 */
export function createDeliveryQueue(store: Store, box: SecretBox): DeliveryQueue {
  const { db, adapter } = store;
  async function lockCursor(trx: Transaction<Database>, pixelRowId: string, now: number): Promise<Cursor | undefined> {
    return trx
      .updateTable('pixel_cursors')
      .set({ updated_at: now })
      .where('pixel_row_id', '=', pixelRowId)
      .returning(['tenant_id', 'sent_through', 'claimed_through'])
      .executeTakeFirst();
  }

  /**
   * A batch's range as it stands: the tenant's queued events meant for the pixel, less those that left it for an
   * exception row.
   */
  function inBatch(trx: Transaction<Database>, cursor: Cursor, pixelRowId: string, from: number, to: number) {
    return trx
      .selectFrom('events as e')
      .where('e.tenant_id', '=', cursor.tenant_id)
      .where('e.seq', '>=', from)
      .where('e.seq', '<=', to)
      .where('e.status', '=', QUEUED_EVENT)
      .where((eb) => eb.or([eb('e.only_pixel_row_id', 'is', null), eb('e.only_pixel_row_id', '=', pixelRowId)]))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('delivery_exceptions as x').select('x.seq').where('x.pixel_row_id', '=', pixelRowId).whereRef('x.seq', '=', 'e.seq'))));
  }

  /** The events of a batch's range still in it (inBatch), with IP and user agent, ordered by seq, at most `limit`. */
  async function batchEvents(trx: Transaction<Database>, cursor: Cursor, pixelRowId: string, from: number, to: number, limit: number): Promise<LogEvent[]> {
    const rows = await inBatch(trx, cursor, pixelRowId, from, to)
      .select(['e.seq', 'e.event_name', 'e.event_id', 'e.event_time', 'e.payload', 'e.simulated', 'e.test_event_code'])
      .orderBy('e.seq')
      .limit(limit)
      .execute();
    // Rows of a range (seq at least `from`), so each has its seq.
    return withClearFields(trx, cursor.tenant_id, rows as Omit<LogEvent, keyof ClearFields>[]);
  }

  /**
   * Puts each event's IP and user agent on it, read as one range of event_clear_fields (its key is the tenant and
   * the seq) and merged in seq order: a join looked them up one index seek per event, a fifth of a claim's time.
   */
  async function withClearFields(trx: Transaction<Database>, tenantId: string, rows: Omit<LogEvent, keyof ClearFields>[]): Promise<LogEvent[]> {
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (!first || !last) return [];
    const clear = await trx
      .selectFrom('event_clear_fields')
      .select(['seq', 'client_ip_address', 'client_user_agent'])
      .where('tenant_id', '=', tenantId)
      .where('seq', '>=', Number(first.seq))
      .where('seq', '<=', Number(last.seq))
      .orderBy('seq')
      .execute();
    // The driver's fresh row objects take the two fields in place: no copy of a thousand rows per claim.
    const events = rows as LogEvent[];
    let at = 0;
    for (const event of events) {
      const seq = Number(event.seq);
      while (at < clear.length && Number(clear[at]?.seq) < seq) at++;
      const c = clear[at];
      const match = c !== undefined && Number(c.seq) === seq;
      event.client_ip_address = match ? c.client_ip_address : null;
      event.client_user_agent = match ? c.client_user_agent : null;
    }
    return events;
  }

  /** The seqs of a batch's events (see batchEvents), without reading the events themselves: what an ack needs. */
  async function batchMembers(trx: Transaction<Database>, cursor: Cursor, pixelRowId: string, from: number, to: number): Promise<number[]> {
    // Filtered in SQL, one column: an ack of 1000 events reads 1000 small rows, not the events and their targets.
    const rows = await inBatch(trx, cursor, pixelRowId, from, to).select('e.seq').orderBy('e.seq').execute();
    return rows.map((r) => Number(r.seq));
  }

  const toClaimed = (pixelRowId: string, lease: string, attempts: (seq: number) => number) => (e: LogEvent): ClaimedDelivery => {
    const wire = toWireEvent(e.payload, e.client_ip_address || null, e.client_user_agent || null);
    return {
      deliveryId: deliveryIdOf(pixelRowId, Number(e.seq)),
      lease,
      eventId: e.event_id,
      eventName: e.event_name,
      eventJson: wire.json,
      eventTime: Math.floor(Number(e.event_time) / 1000),
      actionSource: wire.actionSource,
      attempts: attempts(Number(e.seq)),
      simulated: e.simulated === 1,
      testEventCode: e.test_event_code ?? null,
    };
  };

  /**
   * Takes over a batch that waits (lapsed lease, released, retry due) under a new lease. More events than
   * `limit`: the range is cut after the last one taken and the rest stays as it was, a batch of its own.
   */
  async function takeBatch(trx: Transaction<Database>, cursor: Cursor, batch: Batch, limit: number, now: number, leaseMs: number, lease: string): Promise<LogEvent[]> {
    const events = await batchEvents(trx, cursor, batch.pixel_row_id, Number(batch.from_seq), Number(batch.to_seq), limit + 1);
    if (events.length === 0) {
      // Every event left for an exception row: the range holds nothing more to send.
      await trx.deleteFrom('delivery_batches').where('id', '=', batch.id).execute();
      return [];
    }
    const taken = events.slice(0, limit);
    const cut = events.length > limit ? Number((events[limit] as LogEvent).seq) : null;
    await trx
      .updateTable('delivery_batches')
      .set({
        status: 'sending', lease_owner: lease, lease_until: now + leaseMs, claims: sql`claims + 1`, claimed_at: now, updated_at: now,
        ...(cut === null ? {} : { to_seq: cut - 1, event_count: taken.length }),
      })
      .where('id', '=', batch.id)
      .execute();
    if (cut !== null) {
      const { id: _id, ...rest } = batch;
      await trx.insertInto('delivery_batches').values({ ...rest, from_seq: cut, event_count: events.length - limit, updated_at: now }).execute();
    }
    return taken;
  }

  /** Single events waiting apart from their batches: lapsed leases first, then those due. */
  async function takeExceptions(trx: Transaction<Database>, cursor: Cursor, pixelRowId: string, limit: number, now: number, leaseMs: number, lease: string) {
    const lapsed = await trx
      .selectFrom('delivery_exceptions')
      .select(['seq', 'attempts', 'client_ip_address', 'client_user_agent'])
      .where('pixel_row_id', '=', pixelRowId)
      .where('status', '=', SENDING)
      .where('lease_until', '<', now)
      .orderBy('lease_until')
      .limit(limit)
      .execute();
    const due =
      lapsed.length < limit
        ? await trx
            .selectFrom('delivery_exceptions')
            .select(['seq', 'attempts', 'client_ip_address', 'client_user_agent'])
            .where('pixel_row_id', '=', pixelRowId)
            .where('status', 'in', WAITING)
            .where('next_attempt_at', '<=', now)
            .orderBy('next_attempt_at')
            .limit(limit - lapsed.length)
            .execute()
        : [];
    const rows = [...lapsed, ...due];
    if (rows.length === 0) return [];
    const seqs = rows.map((r) => Number(r.seq));
    await trx
      .updateTable('delivery_exceptions')
      .set({ status: 'sending', lease_owner: lease, lease_until: now + leaseMs, updated_at: now })
      .where('pixel_row_id', '=', pixelRowId)
      .where(oneOf(trx, 'seq', seqs))
      .execute();
    const events = await trx
      .selectFrom('events')
      .select(['seq', 'event_name', 'event_id', 'event_time', 'payload', 'simulated', 'test_event_code'])
      .where('tenant_id', '=', cursor.tenant_id)
      .where(oneOf(trx, 'seq', seqs))
      .execute();
    const bySeq = new Map(events.map((e) => [Number(e.seq), e]));
    return rows.flatMap((r) => {
      const e = bySeq.get(Number(r.seq));
      return e ? [{ event: { ...e, test_event_code: e.test_event_code ?? null, client_ip_address: r.client_ip_address, client_user_agent: r.client_user_agent } as LogEvent, attempts: r.attempts }] : [];
    });
  }

  /**
   * A new range above the cursor: the next queued events meant for the pixel, in seq order, up to the first
   * not yet due (received later than `now`). Committed seqs are a prefix of the log (src/store/log-sequence.ts),
   * so no event below the range's end can commit after this read.
   */
  async function takeNewRange(trx: Transaction<Database>, cursor: Cursor, pixelRowId: string, limit: number, now: number, leaseMs: number, lease: string): Promise<LogEvent[]> {
    const from = Number(cursor.claimed_through) + 1;
    const rows = await trx
      .selectFrom('events as e')
      .select(['e.seq', 'e.received_at', 'e.event_name', 'e.event_id', 'e.event_time', 'e.payload', 'e.simulated', 'e.test_event_code'])
      .where('e.tenant_id', '=', cursor.tenant_id)
      .where('e.seq', '>=', from)
      .where('e.status', '=', QUEUED_EVENT)
      .where((eb) => eb.or([eb('e.only_pixel_row_id', 'is', null), eb('e.only_pixel_row_id', '=', pixelRowId)]))
      .orderBy('e.seq')
      .limit(limit)
      .execute();
    const notDue = rows.findIndex((r) => Number(r.received_at) > now);
    if (notDue === 0 || rows.length === 0) return [];
    const taken = await withClearFields(trx, cursor.tenant_id, (notDue === -1 ? rows : rows.slice(0, notDue)) as Omit<LogEvent, keyof ClearFields>[]);
    const to = Number((taken[taken.length - 1] as LogEvent).seq);
    await trx
      .insertInto('delivery_batches')
      .values({
        tenant_id: cursor.tenant_id, pixel_row_id: pixelRowId, from_seq: from, to_seq: to, status: 'sending', attempts: 0, next_attempt_at: now,
        lease_owner: lease, lease_until: now + leaseMs, last_error: null, fbtrace_id: null, events_received: null, event_count: taken.length,
        claims: 1, claimed_at: now, created_at: now, updated_at: now,
      })
      .execute();
    await trx.updateTable('pixel_cursors').set({ claimed_through: to }).where('pixel_row_id', '=', pixelRowId).execute();
    return taken;
  }

  /**
   * Moves sent_through up to just below the first range still open (sending, released or waiting to retry), or
   * to claimed_through when none is. Answers whether it moved: the caller then erases the IP and user agent every
   * pixel of the tenant is past (eraseOnceMoved).
   */
  async function advanceCursor(trx: Transaction<Database>, cursor: Cursor, pixelRowId: string): Promise<boolean> {
    const open = await trx
      .selectFrom('delivery_batches')
      .select((eb) => eb.fn.min('from_seq').as('first'))
      .where('pixel_row_id', '=', pixelRowId)
      // Every range at or below sent_through is settled: the search starts above it, not at the pixel's first batch.
      .where('from_seq', '>', Number(cursor.sent_through))
      .where('status', '!=', sql.lit('sent'))
      .executeTakeFirst();
    const first = open?.first === null || open?.first === undefined ? null : Number(open.first);
    const sentThrough = first === null ? Number(cursor.claimed_through) : first - 1;
    if (sentThrough === Number(cursor.sent_through)) return false;
    await trx.updateTable('pixel_cursors').set({ sent_through: sentThrough }).where('pixel_row_id', '=', pixelRowId).execute();
    return true;
  }

  /**
   * Once a cursor moved in `trx`: deletes the IP and user agent that every pixel of the tenant is past. With one
   * writer at a time (SQLite) `trx`, which began by locking the cursor, sees every other cursor as committed, so
   * the erase goes in it. On PostgreSQL two pixels' acks commit side by side (READ COMMITTED), each reading the
   * other's cursor as it was before, and neither would erase: this answers the tenant, and the caller erases in a
   * transaction of its own after the commit (eraseAfterCommit), when the later of the two sees both cursors. A
   * crash in between leaves them to the hourly retention pass, which runs the same erase.
   */
  async function eraseOnceMoved(trx: Transaction<Database>, tenantId: string): Promise<string | null> {
    if (!adapter.serializedWrites) return tenantId;
    await eraseSentClearFields(trx, tenantId);
    return null;
  }

  async function eraseAfterCommit(tenantId: string | null): Promise<void> {
    if (tenantId !== null) await db.transaction().execute((trx) => eraseSentClearFields(trx, tenantId));
  }

  /** Writes exception rows for events that leave a held batch, each with its own attempts and outcome. */
  async function except(trx: Transaction<Database>, cursor: Cursor, pixelRowId: string, batch: Batch, seqs: number[], outcome: Exclude<Outcome, { kind: 'sent' }>, now: number) {
    const status: ExceptionStatus = { retry: 'failed', dead: 'dead', dropped: 'dropped', release: 'queued' }[outcome.kind] as ExceptionStatus;
    const attempts = batch.attempts + (outcome.kind === 'retry' || outcome.kind === 'dead' ? 1 : 0);
    const error = outcome.kind === 'retry' || outcome.kind === 'dead' ? outcome.reason : outcome.kind === 'dropped' ? outcome.detail : null;
    const keepsClearFields = outcome.kind !== 'dropped';
    const clear = keepsClearFields
      ? await trx
          .selectFrom('event_clear_fields')
          .select(['seq', 'client_ip_address', 'client_user_agent'])
          .where('tenant_id', '=', cursor.tenant_id)
          .where(oneOf(trx, 'seq', seqs))
          .execute()
      : [];
    const clearBySeq = new Map(clear.map((c) => [Number(c.seq), c]));
    const rows: DeliveryExceptionsTable[] = seqs.map((seq) => ({
      pixel_row_id: pixelRowId, tenant_id: cursor.tenant_id, seq, status, attempts,
      next_attempt_at: outcome.kind === 'retry' ? outcome.nextAttemptAt : now,
      lease_owner: null, lease_until: null, last_error: error, fbtrace_id: null, events_received: null,
      client_ip_address: clearBySeq.get(seq)?.client_ip_address ?? null, client_user_agent: clearBySeq.get(seq)?.client_user_agent ?? null,
      replayed: 0, created_at: now, updated_at: now,
    }));
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('delivery_exceptions').values(rows.slice(i, i + 500)).execute();
  }

  /**
   * Sends of part of a held batch (a half of a bisected batch, live events apart from simulated ones): each run
   * of consecutive sent events becomes a sent batch with the request's fbtrace_id; the runs in between stay held.
   */
  async function splitSent(trx: Transaction<Database>, batch: Batch, members: number[], held: Set<number>, outcome: Extract<Outcome, { kind: 'sent' }>, now: number) {
    const runs: { sent: boolean; from: number; count: number }[] = [];
    members.forEach((seq, i) => {
      const sent = held.has(seq);
      const last = runs[runs.length - 1];
      if (last && last.sent === sent) last.count++;
      else runs.push({ sent, from: i === 0 ? Number(batch.from_seq) : seq, count: 1 });
    });
    const { id: _id, ...base } = batch;
    await trx.deleteFrom('delivery_batches').where('id', '=', batch.id).execute();
    const rows = runs.map((run, i) => ({
      ...base,
      from_seq: run.from,
      to_seq: i + 1 < runs.length ? (runs[i + 1] as { from: number }).from - 1 : Number(batch.to_seq),
      event_count: run.count,
      updated_at: now,
      ...(run.sent
        ? { status: 'sent' as const, attempts: batch.attempts + 1, lease_owner: null, lease_until: null, last_error: null, fbtrace_id: outcome.fbtraceId, events_received: outcome.eventsReceived }
        : {}),
    }));
    await trx.insertInto('delivery_batches').values(rows).execute();
  }

  /** Records one outcome for the held events of one pixel under one lease; answers the seqs it settled. */
  async function settle(pixelRowId: string, lease: string, seqs: number[], outcome: Outcome, now: number): Promise<Set<number>> {
    let moved: string | null = null;
    const answer = await db.transaction().execute(async (trx) => {
      const settled = new Set<number>();
      const cursor = await lockCursor(trx, pixelRowId, now);
      if (!cursor) return settled;
      const wanted = new Set(seqs);
      const exceptions = await trx
        .selectFrom('delivery_exceptions')
        .select('seq')
        .where('pixel_row_id', '=', pixelRowId)
        .where('status', '=', SENDING)
        .where('lease_owner', '=', lease)
        .execute();
      const heldExceptions = exceptions.map((e) => Number(e.seq)).filter((s) => wanted.has(s));
      if (heldExceptions.length > 0) {
        await settleExceptions(trx, pixelRowId, heldExceptions, outcome, now);
        for (const s of heldExceptions) settled.add(s);
      }
      const batches = await trx.selectFrom('delivery_batches').selectAll().where('pixel_row_id', '=', pixelRowId).where('status', '=', SENDING).where('lease_owner', '=', lease).execute();
      let changed = false;
      for (const batch of batches) {
        const members = await batchMembers(trx, cursor, pixelRowId, Number(batch.from_seq), Number(batch.to_seq));
        const held = members.filter((s) => wanted.has(s));
        if (held.length === 0) continue;
        changed = true;
        for (const s of held) settled.add(s);
        const whole = held.length === members.length;
        if (outcome.kind === 'sent') {
          if (whole) {
            await trx
              .updateTable('delivery_batches')
              .set({ status: 'sent', event_count: members.length, attempts: sql`attempts + 1`, lease_owner: null, lease_until: null, last_error: null, fbtrace_id: outcome.fbtraceId, events_received: outcome.eventsReceived, updated_at: now })
              .where('id', '=', batch.id)
              .execute();
          } else await splitSent(trx, batch, members, new Set(held), outcome, now);
        } else if (whole && (outcome.kind === 'retry' || outcome.kind === 'release')) {
          // The whole batch waits as one: one row, however many events.
          await trx
            .updateTable('delivery_batches')
            .set({
              status: outcome.kind === 'retry' ? 'failed' : 'queued', event_count: members.length, lease_owner: null, lease_until: null, updated_at: now,
              ...(outcome.kind === 'retry' ? { attempts: sql`attempts + 1`, next_attempt_at: outcome.nextAttemptAt, last_error: outcome.reason } : { next_attempt_at: now }),
            })
            .where('id', '=', batch.id)
            .execute();
        } else {
          await except(trx, cursor, pixelRowId, batch, held, outcome, now);
          if (whole) await trx.deleteFrom('delivery_batches').where('id', '=', batch.id).execute();
        }
      }
      if (changed && (await advanceCursor(trx, cursor, pixelRowId))) moved = await eraseOnceMoved(trx, cursor.tenant_id);
      return settled;
    });
    await eraseAfterCommit(moved);
    return answer;
  }

  async function settleExceptions(trx: Transaction<Database>, pixelRowId: string, seqs: number[], outcome: Outcome, now: number) {
    const base = { lease_owner: null, lease_until: null, updated_at: now };
    const set =
      outcome.kind === 'sent'
        ? { ...base, status: 'sent' as const, attempts: sql<number>`attempts + 1`, fbtrace_id: outcome.fbtraceId, events_received: outcome.eventsReceived, last_error: null, client_ip_address: null, client_user_agent: null }
        : outcome.kind === 'retry'
          ? { ...base, status: 'failed' as const, attempts: sql<number>`attempts + 1`, next_attempt_at: outcome.nextAttemptAt, last_error: outcome.reason }
          : outcome.kind === 'dead'
            ? { ...base, status: 'dead' as const, attempts: sql<number>`attempts + 1`, last_error: outcome.reason }
            : outcome.kind === 'dropped'
              ? { ...base, status: 'dropped' as const, last_error: outcome.detail, client_ip_address: null, client_user_agent: null }
              : { ...base, status: 'queued' as const, next_attempt_at: now };
    await trx
      .updateTable('delivery_exceptions')
      .set(set)
      .where('pixel_row_id', '=', pixelRowId)
      .where(oneOf(trx, 'seq', seqs))
      .execute();
  }

  /** Settles held deliveries, one transaction per (pixel, lease); the rest are answered late. */
  async function transition(held: readonly HeldDelivery[], outcome: Outcome, now: number): Promise<AckResult> {
    const groups = new Map<string, { pixelRowId: string; lease: string; seqs: number[] }>();
    for (const h of held) {
      const id = parseDeliveryId(h.deliveryId);
      if (!id) continue;
      const key = `${id.pixelRowId}\n${h.lease}`;
      const group = groups.get(key) ?? { pixelRowId: id.pixelRowId, lease: h.lease, seqs: [] };
      group.seqs.push(id.seq);
      groups.set(key, group);
    }
    const settled = new Set<string>();
    for (const g of groups.values()) {
      for (const seq of await settle(g.pixelRowId, g.lease, g.seqs, outcome, now)) settled.add(deliveryIdOf(g.pixelRowId, seq));
    }
    return { settled: settled.size, late: held.filter((h) => !settled.has(h.deliveryId)).map((h) => h.deliveryId) };
  }

  return {
    async duePixels(now) {
      const rows = await db
        .selectFrom('pixels')
        .innerJoin('pixel_cursors as c', 'c.pixel_row_id', 'pixels.id')
        .select(['id', 'pixel_id', 'token_sealed', 'test_event_code', 'graph_version'])
        .where('pixels.status', '=', 'active')
        .where((eb) => eb.or(dueWork(eb, now)))
        .execute();
      return rows.map(
        (r): PixelTarget => ({
          pixelRowId: r.id, pixelId: r.pixel_id, accessToken: box.open(r.token_sealed), testEventCode: r.test_event_code, graphVersion: r.graph_version, paused: false,
        }),
      );
    },

    async claim(pixelRowId, limit, now, leaseMs, workerId) {
      // A new lease per claim, not per worker: a worker running several batches of one pixel, or taking back its
      // own lapsed range, must not settle one claim's events with another's ack.
      const lease = `${workerId}/${randomUUID()}`;
      let moved: string | null = null;
      const claimed = await db.transaction().execute(async (trx) => {
        const cursor = await lockCursor(trx, pixelRowId, now);
        if (!cursor) return [];
        // Most claims find nothing waiting apart from the log: one probe instead of four searches that find nothing.
        const waiting = await somethingWaits(trx, pixelRowId, now);
        while (waiting) {
          const batch = await waitingBatch(trx, pixelRowId, now);
          if (!batch) break;
          const taken = await takeBatch(trx, cursor, batch, limit, now, leaseMs, lease);
          if (taken.length > 0) return taken.map(toClaimed(pixelRowId, lease, () => batch.attempts));
          if (await advanceCursor(trx, cursor, pixelRowId)) moved = await eraseOnceMoved(trx, cursor.tenant_id);
        }
        const single = waiting ? await takeExceptions(trx, cursor, pixelRowId, limit, now, leaseMs, lease) : [];
        if (single.length > 0) {
          const attempts = new Map(single.map((s) => [Number(s.event.seq), s.attempts]));
          return single.map((s) => toClaimed(pixelRowId, lease, (seq) => attempts.get(seq) ?? 0)(s.event));
        }
        const fresh = await takeNewRange(trx, cursor, pixelRowId, limit, now, leaseMs, lease);
        return fresh.map(toClaimed(pixelRowId, lease, () => 0));
      });
      await eraseAfterCommit(moved);
      return claimed;
    },

    markSent: (held, info, now) => transition(held, { kind: 'sent', fbtraceId: info.fbtraceId, eventsReceived: info.eventsReceived }, now),
    markRetry: (held, info, now) => transition(held, { kind: 'retry', reason: info.reason, nextAttemptAt: info.nextAttemptAt }, now),
    markDead: (held, info, now) => transition(held, { kind: 'dead', reason: info.reason }, now),
    markDropped: (held, info, now) => transition(held, { kind: 'dropped', detail: `${info.code}: ${info.reason}` }, now),
    release: (held, now) => transition(held, { kind: 'release' }, now),

    async renewLease(pixelRowId, lease, leaseUntil) {
      // No cursor lock: a takeover changes lease_owner, so a renewal after one matches no row.
      const renewed = await Promise.all(
        (['delivery_batches', 'delivery_exceptions'] as const).map((table) =>
          db.updateTable(table).set({ lease_until: leaseUntil }).where('pixel_row_id', '=', pixelRowId).where('status', '=', SENDING).where('lease_owner', '=', lease).executeTakeFirst(),
        ),
      );
      return renewed.some((r) => Number(r.numUpdatedRows) > 0);
    },

    async pausePixel(pixelRowId, reason, now) {
      await db.updateTable('pixels').set({ status: 'paused', pause_reason: reason, updated_at: now }).where('id', '=', pixelRowId).where('status', '=', 'active').execute();
    },
  };
}

/** A batch of the pixel that waits for a worker: a lapsed lease first, then a released or failed one that is due. */
async function waitingBatch(trx: Transaction<Database>, pixelRowId: string, now: number): Promise<Batch | undefined> {
  const lapsed = await trx
    .selectFrom('delivery_batches')
    .selectAll()
    .where('pixel_row_id', '=', pixelRowId)
    .where('status', '=', SENDING)
    .where('lease_until', '<', now)
    .orderBy('lease_until')
    .limit(1)
    .executeTakeFirst();
  if (lapsed) return lapsed;
  return trx
    .selectFrom('delivery_batches')
    .selectAll()
    .where('pixel_row_id', '=', pixelRowId)
    .where('status', 'in', WAITING)
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(1)
    .executeTakeFirst();
}

/** True when a batch or an exception of the pixel waits for a worker (lapsed lease, or released or failed and due). */
async function somethingWaits(trx: Transaction<Database>, pixelRowId: string, now: number): Promise<boolean> {
  const row = await trx
    .selectFrom('pixel_cursors as c')
    .select('c.pixel_row_id')
    .where('c.pixel_row_id', '=', pixelRowId)
    .where((eb) => {
      const waits = (name: 'delivery_batches' | 'delivery_exceptions') => [
        eb.exists(eb.selectFrom(name).select('pixel_row_id').whereRef(`${name}.pixel_row_id`, '=', 'c.pixel_row_id').where(`${name}.status`, '=', SENDING).where(`${name}.lease_until`, '<', now)),
        eb.exists(eb.selectFrom(name).select('pixel_row_id').whereRef(`${name}.pixel_row_id`, '=', 'c.pixel_row_id').where(`${name}.status`, 'in', WAITING).where(`${name}.next_attempt_at`, '<=', now)),
      ];
      return eb.or([...waits('delivery_batches'), ...waits('delivery_exceptions')]);
    })
    .executeTakeFirst();
  return row !== undefined;
}

/** The ways a pixel can have work, each shaped like one index: waiting batches and exceptions, or events above its cursor. */
function dueWork(eb: ExpressionBuilder<Database & { c: Database['pixel_cursors'] }, 'pixels' | 'c'>, now: number) {
  const table = (name: 'delivery_batches' | 'delivery_exceptions') => [
    eb.exists(eb.selectFrom(name).select('pixel_row_id').whereRef(`${name}.pixel_row_id`, '=', 'pixels.id').where(`${name}.status`, '=', SENDING).where(`${name}.lease_until`, '<', now)),
    eb.exists(eb.selectFrom(name).select('pixel_row_id').whereRef(`${name}.pixel_row_id`, '=', 'pixels.id').where(`${name}.status`, 'in', WAITING).where(`${name}.next_attempt_at`, '<=', now)),
  ];
  return [
    ...table('delivery_batches'),
    ...table('delivery_exceptions'),
    eb.exists(
      eb
        .selectFrom('events as e')
        .select('e.seq')
        .whereRef('e.tenant_id', '=', 'c.tenant_id')
        .whereRef('e.seq', '>', 'c.claimed_through')
        .where('e.status', '=', QUEUED_EVENT)
        // Unary plus: the bound is checked on the rows the (tenant_id, seq) seek finds, never used as an index
        // range. SQLite otherwise picks (tenant_id, received_at) and reads every event ever received on each
        // poll: 24 ms a poll, half the relay's time, draining a 400,000-event backlog (test/integration/query-plans.test.ts).
        .where(sql<number>`+${sql.ref('e.received_at')}`, '<=', now)
        .where((w) => w.or([w('e.only_pixel_row_id', 'is', null), w('e.only_pixel_row_id', '=', w.ref('pixels.id'))])),
    ),
  ];
}

