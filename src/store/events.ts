import type { ChannelMerger } from '../core/channel-merge.js';
import type { Decision, MetaServerEvent } from '../core/meta-event.js';
import { insertHeldEvents, type RepeatCopy, resolveRepeats } from './channel-hold.js';
import type { Store } from './database.js';
import { dedupKey, parseChannels } from './channels.js';
import { chunks } from './chunks.js';
import { newRowId } from './ids.js';
import { toStoredPayload } from './stored-payload.js';
import { CompiledQuery, type Insertable, sql, type Transaction } from 'kysely';
import { type BulkColumn, bulkInsert } from './bulk-insert.js';
import { adapterOf, oneOf } from './dialect-adapter.js';
import { allocateSeqs } from './log-sequence.js';
import { NO_ACTIVE_PIXEL, reachesAPixel } from './no-active-pixel.js';
import type { Database, EventClearFieldsTable, EventsTable, OrdersTable } from './schema.js';

/** One transformed event ready to be stored: sent to every active pixel, or kept as dropped. */
export interface EventToStore {
  eventName: string;
  eventId: string;
  source: string;
  simulated?: boolean;
  /** With `simulated`: send with this Test Event Code (a Graph-API-compatible request's) instead of the pixel's. */
  testEventCode?: string | undefined;
  /** Deliver to this pixel only (a simulation from one pixel's page); unset: every active pixel of the tenant. */
  onlyPixelRowId?: string | undefined;
  event: MetaServerEvent | null;
  decisions: Decision[];
  drop?: { code: string; message: string } | undefined;
  /** Valid and sendable, but a switch says not to forward it: stored as `skipped` with this reason. */
  skip?: { code: string; message: string } | undefined;
  /**
   * Channel merge: the window this copy may wait for its other channel's copy, in ms (ingest sets it from the
   * policy; src/ingest/channel-holds.ts keeps it only where the store reports the event type from both sides).
   */
  holdMs?: number | undefined;
}

/** A stored event: `queued` for at least one pixel, or kept with the reason it will not be sent. */
export type StoreOutcome =
  | { status: 'accepted'; rowId: string; eventStatus: EventsTable['status']; notSent?: { code: string; message: string }; merge?: MergeStep }
  | { status: 'duplicate'; merge?: 'late_partner' };

/** What the merge window did with a copy (for the /metrics counters): held for its partner, or completed a held one. */
export type MergeStep = 'held' | 'merged';


// Row counts per multi-row INSERT on SQLite: keeps bound parameters under its limit. PostgreSQL takes one JSON
// parameter per statement instead (json_to_recordset), whatever the count.
const EVENT_CHUNK = 500;
const ID_CHUNK = 1000;

/**
 * Stores events and their per-pixel deliveries in one transaction: once this resolves, every event
 * with `eventStatus: 'queued'` is durable and queued for at least one pixel. An event that would go to no
 * pixel (none enabled, or its one pixel disabled) is stored `skipped`, not queued forever. Unique on
 * (tenant, event_name, event_id): a repeat answers `duplicate` and creates nothing.
 */
export async function storeEvents(
  store: Store,
  tenant: { id: string; forwarding: boolean },
  items: EventToStore[],
  now: number,
): Promise<StoreOutcome[]> {
  return store.db.transaction().execute((trx) => writeEvents(trx, tenant, items, now));
}

/**
 * The writes of storeEvents inside a transaction the caller owns, so several ingest calls can share one commit
 * (group commit). Everything it does is keyed by the tenant and safe to run after another call's writes in the
 * same transaction: a repeat of an event written earlier in it answers `duplicate`.
 */
export async function writeEvents(
  trx: Transaction<Database>,
  tenant: { id: string; forwarding: boolean },
  items: EventToStore[],
  now: number,
  merger?: ChannelMerger,
): Promise<StoreOutcome[]> {
  const outcomes: StoreOutcome[] = new Array(items.length);
  const firstIndexByKey = new Map<string, number>();
  const rows: Insertable<EventsTable>[] = [];
  const clearFields: (StoredClear | null)[] = [];
  const rowIndex: number[] = [];
  // Channel merge: copies that wait for their partner, and their IP / user agent meanwhile.
  const held = new Map<string, StoredClear | null>();
  items.forEach((item, i) => {
    const key = dedupKey(item.eventName, item.eventId);
    if (firstIndexByKey.has(key)) {
      outcomes[i] = { status: 'duplicate' };
      return;
    }
    firstIndexByKey.set(key, i);
    const status: EventsTable['status'] = item.drop ? 'dropped' : tenant.forwarding && !item.skip ? 'queued' : 'skipped';
    const skip = item.skip ?? (status === 'skipped' ? { code: 'forwarding_off', message: 'the tenant master switch is off: logged, not forwarded' } : null);
    const { clear, ...stored } = splitClearFields(item.event);
    rows.push({
      id: newRowId(),
      tenant_id: tenant.id,
      seq: 0,
      event_name: item.eventName,
      event_id: item.eventId,
      source: item.source,
      order_id: orderIdOf(item.event),
      event_time: (item.event?.event_time ?? Math.floor(now / 1000)) * 1000,
      received_at: now,
      status,
      ...stored,
      decisions: JSON.stringify(item.decisions),
      drop_code: item.drop?.code ?? skip?.code ?? null,
      drop_message: item.drop?.message ?? skip?.message ?? null,
      simulated: item.simulated ? 1 : 0,
      test_event_code: item.simulated && item.testEventCode ? item.testEventCode : null,
      only_pixel_row_id: item.onlyPixelRowId ?? null,
      fbp: fbpOf(item.event),
    });
    // IP and user agent are kept only to be sent: an event that never will be is stored without them
    // (had_client_ip / had_user_agent still say they came).
    clearFields.push(status === 'queued' ? clear : null);
    rowIndex.push(i);
    // A copy the browser's consent dropped is held too: its partner from the server is still sent, and merged
    // with the refusal in mind, instead of being thrown away as a duplicate of a dropped event.
    if (merger && item.holdMs && (status === 'queued' || item.drop?.code === 'no_consent')) held.set(rows[rows.length - 1]!.id, status === 'queued' ? clear : null);
  });
  if (rows.length === 0) return outcomes;

  // The seqs first: the transaction's first statement is a write, and its lock orders the tenant's commits.
  const firstSeq = await allocateSeqs(trx, tenant.id, rows.length);
  rows.forEach((row, k) => (row.seq = firstSeq + k));
  const lastSeq = firstSeq + rows.length - 1;
  const inserted = await insertEvents(trx, held.size === 0 ? rows : rows.filter((r) => !held.has(r.id)));
  // Row k took seq firstSeq + k and came from items[rowIndex[k]]; held copies give theirs up until released.
  const itemOfRow = (k: number) => items[rowIndex[k] as number] as EventToStore;
  if (held.size > 0) {
    const heldRows: Insertable<EventsTable>[] = [];
    rows.forEach((r, k) => {
      if (!held.has(r.id)) return;
      const clear = held.get(r.id) ?? null;
      // Held copies take no place in the log until merged or released (src/store/channel-hold.ts).
      Object.assign(r, { seq: null, hold_until: now + (itemOfRow(k).holdMs ?? 0), held_client_ip: clear?.client_ip_address ?? null, held_user_agent: clear?.client_user_agent ?? null });
      heldRows.push(r);
    });
    for (const id of await insertHeldEvents(trx, heldRows)) inserted.add(id);
  }
  const repeatIndexes = rows.flatMap((r, k) => (inserted.has(r.id) ? [] : [k]));
  const repeats = repeatIndexes.map((k) => rows[k] as Insertable<EventsTable>);
  const { merged: merges, late } = merger
    ? await resolveRepeats(
        trx,
        tenant.id,
        repeatIndexes.map((k): RepeatCopy => ({ row: rows[k] as Insertable<EventsTable>, event: itemOfRow(k).event, decisions: itemOfRow(k).decisions, seq: firstSeq + k })),
        merger,
        now,
      )
    : (await recordRepeatChannels(trx, tenant.id, repeats), { merged: [], late: new Set<string>() });
  const mergedAt = new Map(merges.map((m) => [m.repeatRowId, m]));
  await recordOrders(trx, tenant.id, items, now);
  const pixels = (await trx.executeQuery<ActivePixel>(CompiledQuery.raw(adapterOf(trx).name === 'postgres' ? ACTIVE_PIXELS_PG : ACTIVE_PIXELS_SQLITE, [tenant.id]))).rows;
  // An event is queued only if a pixel will take it; one that would go to none is skipped, with the reason,
  // and keeps no IP or user agent (it will never be sent). Corrected after the INSERT rather than by reading
  // the pixels first, so the transaction's first statement stays a write.
  const enabled = pixels.map((p) => p.id);
  const orphans: string[] = [];
  rows.forEach((row, k) => {
    if (row.status !== 'queued' || !inserted.has(row.id) || row.seq === null) return;
    if (reachesAPixel(itemOfRow(k).onlyPixelRowId, enabled)) return;
    row.status = 'skipped';
    row.drop_code = NO_ACTIVE_PIXEL.code;
    row.drop_message = NO_ACTIVE_PIXEL.message;
    clearFields[k] = null;
    orphans.push(row.id);
  });
  // A merged event is the same: with no pixel to take it, it is skipped and keeps no IP or user agent.
  const skippedMerges = new Set<string>();
  for (const m of merges) {
    if (!m.queued || reachesAPixel(m.onlyPixelRowId, enabled)) continue;
    skippedMerges.add(m.repeatRowId);
    orphans.push(m.heldRowId);
  }
  for (const chunk of chunks(orphans, ID_CHUNK)) {
    await trx.updateTable('events').set({ status: 'skipped', drop_code: NO_ACTIVE_PIXEL.code, drop_message: NO_ACTIVE_PIXEL.message }).where(oneOf(trx, 'id', chunk)).execute();
  }
  const clearRows: EventClearFieldsTable[] = [];
  rows.forEach((row, k) => {
    const clear = clearFields[k];
    if (clear && inserted.has(row.id) && row.seq !== null) clearRows.push({ tenant_id: tenant.id, seq: row.seq as number, ...clear });
  });
  for (const m of merges) if (m.clear && !skippedMerges.has(m.repeatRowId)) clearRows.push({ tenant_id: tenant.id, seq: m.seq, ...m.clear });
  for (const chunk of chunks(clearRows, EVENT_CHUNK)) await INSERT_CLEAR_FIELDS.run(trx, chunk);
  // What this write puts in the log to be sent: its own queued rows (not the held ones) and the merged ones.
  const sends = rows
    .filter((r) => r.status === 'queued' && inserted.has(r.id) && r.seq !== null)
    .map((r) => r.only_pixel_row_id ?? null)
    .concat(merges.filter((m) => m.queued && !skippedMerges.has(m.repeatRowId)).map((m) => m.onlyPixelRowId));
  await keepCursorsAtHead(trx, tenant.id, pixels, sends, firstSeq, lastSeq, now);

  rows.forEach((row, k) => {
    const i = rowIndex[k] as number;
    const merge = mergedAt.get(row.id);
    // A copy that completed a held event is sent, merged into it.
    const step = held.has(row.id) ? { merge: 'held' as const } : {};
    if (merge && skippedMerges.has(row.id)) {
      outcomes[i] = { status: 'accepted', rowId: row.id, eventStatus: 'skipped', notSent: { code: NO_ACTIVE_PIXEL.code, message: NO_ACTIVE_PIXEL.message }, merge: 'merged' };
    } else if (merge) outcomes[i] = { status: 'accepted', rowId: row.id, eventStatus: 'queued', merge: 'merged' };
    else if (!inserted.has(row.id)) outcomes[i] = late.has(row.id) ? { status: 'duplicate', merge: 'late_partner' } : { status: 'duplicate' };
    else if (row.status !== 'queued') {
      outcomes[i] = { status: 'accepted', rowId: row.id, eventStatus: row.status, notSent: { code: row.drop_code ?? 'not_sent', message: row.drop_message ?? 'not sent' }, ...step };
    } else outcomes[i] = { status: 'accepted', rowId: row.id, eventStatus: row.status, ...step };
  });
  return outcomes;
}

/**
 * A pixel that has no cursor yet gets one at the end of the log before this write: events stored before it was
 * added are not sent to it. A cursor that had caught up and whose pixel gets nothing of this write (all skipped,
 * dropped, duplicates, or meant for another pixel) moves past it, so it never scans those events again.
 */
async function keepCursorsAtHead(
  trx: Transaction<Database>,
  tenantId: string,
  pixels: { id: string; claimed_through: number | null; sent_through: number | null }[],
  sends: (string | null)[],
  firstSeq: number,
  lastSeq: number,
  now: number,
): Promise<void> {
  const fresh = pixels.filter((p) => p.claimed_through === null);
  if (fresh.length > 0) {
    await trx
      .insertInto('pixel_cursors')
      .values(fresh.map((p) => ({ pixel_row_id: p.id, tenant_id: tenantId, start_seq: firstSeq - 1, sent_through: firstSeq - 1, claimed_through: firstSeq - 1, updated_at: now })))
      .onConflict((oc) => oc.column('pixel_row_id').doNothing())
      .execute();
  }
  const idle = pixels.filter((p) => {
    const caughtUp = p.claimed_through === null || (Number(p.claimed_through) === firstSeq - 1 && Number(p.sent_through) === firstSeq - 1);
    return caughtUp && !sends.some((only) => only === null || only === p.id);
  });
  if (idle.length === 0) return;
  await trx
    .updateTable('pixel_cursors')
    .set({ sent_through: lastSeq, claimed_through: lastSeq, updated_at: now })
    .where(oneOf(trx, 'pixel_row_id', idle.map((p) => p.id)))
    .where('claimed_through', '=', firstSeq - 1)
    .where('sent_through', '=', firstSeq - 1)
    .execute();
}

/** The tenant's pixels that take events, with their cursor (none yet: null), read by each write; its SQL written once. */
type ActivePixel = { id: string; claimed_through: number | null; sent_through: number | null };
const ACTIVE_PIXELS = `select pixels.id, pixel_cursors.claimed_through, pixel_cursors.sent_through from pixels
  left join pixel_cursors on pixel_cursors.pixel_row_id = pixels.id where pixels.tenant_id = ? and pixels.status != 'disabled'`;
const ACTIVE_PIXELS_SQLITE = ACTIVE_PIXELS;
const ACTIVE_PIXELS_PG = ACTIVE_PIXELS.replace('?', '$1');

const EVENT_COLUMNS: readonly BulkColumn<Insertable<EventsTable>>[] = [
  ['id', 'text'], ['tenant_id', 'text'], ['seq', 'bigint'], ['event_name', 'text'], ['event_id', 'text'], ['source', 'text'], ['order_id', 'text'],
  ['event_time', 'bigint'], ['received_at', 'bigint'], ['status', 'text'], ['payload', 'text'], ['had_client_ip', 'integer'], ['had_user_agent', 'integer'],
  ['decisions', 'text'], ['drop_code', 'text'], ['drop_message', 'text'], ['simulated', 'integer'], ['test_event_code', 'text'], ['only_pixel_row_id', 'text'], ['fbp', 'text'],
];
const INSERT_EVENTS = bulkInsert('events', EVENT_COLUMNS, 'on conflict (tenant_id, event_name, event_id) do nothing returning id');
const INSERT_CLEAR_FIELDS = bulkInsert<EventClearFieldsTable>('event_clear_fields', [['tenant_id', 'text'], ['seq', 'bigint'], ['client_ip_address', 'text'], ['client_user_agent', 'text']]);
const INSERT_ORDERS = bulkInsert<OrdersTable>(
  'orders',
  [['tenant_id', 'text'], ['order_id', 'text'], ['total', 'double precision'], ['currency', 'text'], ['source', 'text'], ['created_at', 'bigint']],
  'on conflict (tenant_id, order_id) do nothing',
);

/** Inserts the events, skipping those already stored (same tenant, event_name and event_id); answers the ids inserted. */
async function insertEvents(trx: Transaction<Database>, rows: Insertable<EventsTable>[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  // PostgreSQL takes them all in one statement (one JSON parameter); SQLite in chunks under its parameter limit.
  const parts = adapterOf(trx).name === 'postgres' ? [rows] : chunks(rows, EVENT_CHUNK);
  for (const part of parts) {
    for (const r of await INSERT_EVENTS.run<{ id: string }>(trx, part)) inserted.add(r.id);
  }
  return inserted;
}

/**
 * A repeat of an event already stored is not sent again, but the channel it came through is recorded:
 * the browser snippet and a platform webhook reporting one order is deduplication working.
 */
async function recordRepeatChannels(trx: Transaction<Database>, tenantId: string, repeats: Pick<EventsTable, 'event_name' | 'event_id' | 'source'>[]): Promise<void> {
  if (repeats.length === 0) return;
  const sourceOf = new Map(repeats.map((r) => [dedupKey(r.event_name, r.event_id), r.source]));
  const existing = await trx
    .selectFrom('events')
    .select(['id', 'event_name', 'event_id', 'source', 'channels'])
    .where('tenant_id', '=', tenantId)
    // With event_name too, the lookup is a search of the dedup index; without it SQLite walked the tenant's events.
    .where(oneOf(trx, 'event_name', [...new Set(repeats.map((r) => r.event_name))]))
    .where(oneOf(trx, 'event_id', [...new Set(repeats.map((r) => r.event_id))]))
    .execute();
  for (const row of existing) {
    const source = sourceOf.get(dedupKey(row.event_name, row.event_id));
    if (source === undefined) continue;
    const channels = parseChannels(row.channels, row.source);
    if (channels.includes(source)) continue;
    await trx.updateTable('events').set({ channels: JSON.stringify([...channels, source]) }).where('id', '=', row.id).execute();
  }
}

/** The first server-side Purchase with an order id, value and currency records the order as the store knows it. */
async function recordOrders(trx: Transaction<Database>, tenantId: string, items: EventToStore[], now: number): Promise<void> {
  const orders = new Map<string, OrdersTable>();
  for (const item of items) {
    if (item.source === 'browser' || item.eventName !== 'Purchase' || item.simulated) continue;
    const orderId = orderIdOf(item.event);
    const { value, currency } = item.event?.custom_data ?? {};
    if (orderId === null || typeof value !== 'number' || typeof currency !== 'string' || orders.has(orderId)) continue;
    orders.set(orderId, { tenant_id: tenantId, order_id: orderId, total: value, currency: currency.toUpperCase(), source: item.source, created_at: now });
  }
  if (orders.size === 0) return;
  for (const chunk of chunks([...orders.values()], EVENT_CHUNK)) await INSERT_ORDERS.run(trx, chunk);
}


function fbpOf(event: MetaServerEvent | null): string | null {
  const fbp = event?.user_data.fbp;
  return typeof fbp === 'string' ? fbp : null;
}

type StoredClear = Pick<EventClearFieldsTable, 'client_ip_address' | 'client_user_agent'>;

/** Keeps IP and user agent out of the payload: they go to event_clear_fields, deleted by range once sent. */
function splitClearFields(event: MetaServerEvent | null): { payload: string; clear: StoredClear | null; had_client_ip: number; had_user_agent: number } {
  if (!event) return { payload: '{}', clear: null, had_client_ip: 0, had_user_agent: 0 };
  const { payload, clientIp: ip, userAgent: ua } = toStoredPayload(event);
  return {
    payload,
    clear: ip === null && ua === null ? null : { client_ip_address: ip, client_user_agent: ua },
    // Whether they were sent outlives their erasure, so match quality can still count them (never the values).
    had_client_ip: ip === null ? 0 : 1,
    had_user_agent: ua === null ? 0 : 1,
  };
}

function orderIdOf(event: MetaServerEvent | null): string | null {
  const id = event?.custom_data?.order_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}
