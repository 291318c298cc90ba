import type { Decision, MetaServerEvent } from '../core/meta-event.js';
import type { Store } from './database.js';
import { dedupKey, parseChannels } from './channels.js';
import { chunks } from './chunks.js';
import { newRowId } from './ids.js';
import { toStoredPayload } from './stored-payload.js';
import type { Insertable, Transaction } from 'kysely';
import type { Database, DeliveriesTable, EventsTable, OrdersTable } from './schema.js';

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
}

/** A stored event: `queued` for at least one pixel, or kept with the reason it will not be sent. */
export type StoreOutcome =
  | { status: 'accepted'; rowId: string; eventStatus: EventsTable['status']; notSent?: { code: string; message: string } }
  | { status: 'duplicate' };

const NO_ACTIVE_PIXEL = {
  code: 'no_active_pixel',
  message: 'the store has no enabled pixel: logged, not forwarded (a pixel added later does not resend it)',
};

// Row counts per multi-row INSERT: keeps bound parameters under SQLite's and PostgreSQL's limits.
const EVENT_CHUNK = 500;
const DELIVERY_CHUNK = 1000;

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
): Promise<StoreOutcome[]> {
  const outcomes: StoreOutcome[] = new Array(items.length);
  const firstIndexByKey = new Map<string, number>();
  const rows: Insertable<EventsTable>[] = [];
  const rowIndex: number[] = [];
  items.forEach((item, i) => {
    const key = dedupKey(item.eventName, item.eventId);
    if (firstIndexByKey.has(key)) {
      outcomes[i] = { status: 'duplicate' };
      return;
    }
    firstIndexByKey.set(key, i);
    const status: EventsTable['status'] = item.drop ? 'dropped' : tenant.forwarding && !item.skip ? 'queued' : 'skipped';
    const skip = item.skip ?? (status === 'skipped' ? { code: 'forwarding_off', message: 'the tenant master switch is off: logged, not forwarded' } : null);
    const clear = splitClearFields(item.event);
    // IP and user agent are kept only to be sent: an event that never will be is stored without them
    // (had_client_ip / had_user_agent still say they came).
    if (status !== 'queued') Object.assign(clear, { client_ip_address: null, client_user_agent: null });
    rows.push({
      id: newRowId(),
      tenant_id: tenant.id,
      event_name: item.eventName,
      event_id: item.eventId,
      source: item.source,
      order_id: orderIdOf(item.event),
      event_time: (item.event?.event_time ?? Math.floor(now / 1000)) * 1000,
      received_at: now,
      status,
      ...clear,
      decisions: JSON.stringify(item.decisions),
      drop_code: item.drop?.code ?? skip?.code ?? null,
      drop_message: item.drop?.message ?? skip?.message ?? null,
      simulated: item.simulated ? 1 : 0,
      ...(item.simulated && item.testEventCode ? { test_event_code: item.testEventCode } : {}),
      fbp: fbpOf(item.event),
    });
    rowIndex.push(i);
  });

  // The INSERT comes first: on SQLite a transaction that reads before it writes cannot wait for another
  // process's write lock (SQLITE_BUSY at once), so the pixel check below corrects statuses afterwards.
  const inserted = new Set<string>();
  for (const chunk of chunks(rows, EVENT_CHUNK)) {
    const res = await trx
      .insertInto('events')
      .values(chunk)
      .onConflict((oc) => oc.columns(['tenant_id', 'event_name', 'event_id']).doNothing())
      .returning('id')
      .execute();
    for (const r of res) inserted.add(r.id);
  }
  await recordRepeatChannels(trx, tenant.id, rows.filter((r) => !inserted.has(r.id)));
  await recordOrders(trx, tenant.id, items, now);
  const pixels = await trx
    .selectFrom('pixels')
    .select('id')
    .where('tenant_id', '=', tenant.id)
    .where('status', '!=', 'disabled')
    .execute();
  // An event is queued only if a pixel will take it; one that would go to none is skipped, with the reason,
  // and keeps no IP or user agent (it will never be sent). Corrected after the INSERT rather than by reading
  // the pixels first, so the transaction's first statement stays a write.
  const orphans: string[] = [];
  rows.forEach((row, k) => {
    if (row.status !== 'queued' || !inserted.has(row.id)) return;
    const only = (items[rowIndex[k] as number] as EventToStore).onlyPixelRowId;
    if (only === undefined ? pixels.length > 0 : pixels.some((p) => p.id === only)) return;
    row.status = 'skipped';
    row.drop_code = NO_ACTIVE_PIXEL.code;
    row.drop_message = NO_ACTIVE_PIXEL.message;
    orphans.push(row.id);
  });
  for (const chunk of chunks(orphans, DELIVERY_CHUNK)) {
    await trx
      .updateTable('events')
      .set({ status: 'skipped', drop_code: NO_ACTIVE_PIXEL.code, drop_message: NO_ACTIVE_PIXEL.message, client_ip_address: null, client_user_agent: null })
      .where('id', 'in', chunk)
      .execute();
  }
  // events_received is left out: it stays NULL until Meta answers.
  const deliveries: Insertable<DeliveriesTable>[] = [];
  rows.forEach((row, k) => {
    const i = rowIndex[k] as number;
    if (!inserted.has(row.id)) {
      outcomes[i] = { status: 'duplicate' };
      return;
    }
    if (row.status !== 'queued') {
      outcomes[i] = { status: 'accepted', rowId: row.id, eventStatus: row.status, notSent: { code: row.drop_code ?? 'not_sent', message: row.drop_message ?? 'not sent' } };
      return;
    }
    outcomes[i] = { status: 'accepted', rowId: row.id, eventStatus: row.status };
    const item = items[i] as EventToStore;
    const targets = item.onlyPixelRowId === undefined ? pixels : pixels.filter((p) => p.id === item.onlyPixelRowId);
    for (const pixel of targets) {
      deliveries.push({
        id: newRowId(),
        event_row_id: row.id,
        tenant_id: tenant.id,
        pixel_row_id: pixel.id,
        status: 'queued',
        attempts: 0,
        next_attempt_at: now,
        lease_until: null,
        lease_owner: null,
        last_error: null,
        fbtrace_id: null,
        created_at: now,
        updated_at: now,
      });
    }
  });
  for (const chunk of chunks(deliveries, DELIVERY_CHUNK)) {
    // No 'queued' history row: the delivery's created_at says it, and one row fewer per event is the cheapest write.
    await trx.insertInto('deliveries').values(chunk).execute();
  }
  return outcomes;
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
    .where('event_name', 'in', [...new Set(repeats.map((r) => r.event_name))])
    .where('event_id', 'in', [...new Set(repeats.map((r) => r.event_id))])
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
  for (const chunk of chunks([...orders.values()], EVENT_CHUNK)) {
    await trx.insertInto('orders').values(chunk).onConflict((oc) => oc.columns(['tenant_id', 'order_id']).doNothing()).execute();
  }
}

function fbpOf(event: MetaServerEvent | null): string | null {
  const fbp = event?.user_data.fbp;
  return typeof fbp === 'string' ? fbp : null;
}

/** Keeps IP and user agent out of the payload column so they can be erased with one UPDATE. */
function splitClearFields(event: MetaServerEvent | null) {
  if (!event) return { payload: '{}', client_ip_address: null, client_user_agent: null, had_client_ip: 0, had_user_agent: 0 };
  const { payload, clientIp: ip, userAgent: ua } = toStoredPayload(event);
  return {
    payload,
    client_ip_address: ip,
    client_user_agent: ua,
    // Whether they were sent outlives their erasure, so match quality can still count them (never the values).
    had_client_ip: ip === null ? 0 : 1,
    had_user_agent: ua === null ? 0 : 1,
  };
}

function orderIdOf(event: MetaServerEvent | null): string | null {
  const id = event?.custom_data?.order_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}
