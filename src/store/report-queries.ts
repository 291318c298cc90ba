/**
 * Reads the store into the pure reports' input rows (src/reports/rows.ts), always for one tenant and one
 * period, and always bounded: a big store never loads its whole history. Counting per hour is done in SQL.
 * Simulated (Test Events) rows never count. Runs unchanged on SQLite and PostgreSQL.
 */
import type { Selectable } from 'kysely';
import type { ChainKey, ClickRow, DeliveryRow, EventRow, OrderRow } from '../reports/index.js';
import type { HourCounts, HourlyStatus } from '../reports/answers.js';
import type { Store } from './database.js';
import { parseChannels } from './channels.js';
import { mergeStateOf } from '../core/channel-merge.js';
import { WEB_WINDOW_MS } from '../delivery/event-window.js';
import { chunks } from './chunks.js';
import { countStatusesPerHour, readDeliveryStates } from './delivery-state.js';
import { CLICK_WINDOW_MS } from './clicks.js';
import type { DeliveryStatus, EventsTable, OrdersTable } from './schema.js';

/** A reporting period in Unix ms: `from` inclusive, `to` exclusive. */
export interface Period {
  from: number;
  to: number;
}

/** A bounded read: `truncated` says the limit was reached and the report covers the most recent rows only. */
export interface Bounded<T> {
  rows: T;
  truncated: boolean;
}

const HOUR_MS = 3_600_000;
// Meta takes events up to 7 days old, so an order's Purchase events lie within 7 days of it.
const ORDER_EVENT_MARGIN_MS = WEB_WINDOW_MS;
// gclid, the longest click window (90 days), bounds how far back clicks are read.
const LONGEST_CLICK_WINDOW_MS = CLICK_WINDOW_MS.gclid;
// Rows per `IN (…)` list: under SQLite's and PostgreSQL's bound-parameter limits.
const IN_CHUNK = 500;

const EVENT_COLUMNS = [
  'id', 'seq', 'event_name', 'event_id', 'source', 'order_id', 'event_time', 'received_at', 'status', 'payload',
  'had_client_ip', 'had_user_agent', 'channels', 'fbp', 'hold_until', 'merge_outcome', 'merge_detail',
] as const;
type EventColumns = Pick<Selectable<EventsTable>, (typeof EVENT_COLUMNS)[number]>;

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

/** IP and user agent still kept for an event (event_clear_fields), read only for rows stored without the 0/1 flags. */
type KeptClearFields = { ip: boolean; ua: boolean };

/**
 * Whether an event carried an IP / user agent: the 0/1 flag when recorded; else (rows older than the flags) true
 * while the value is still kept, and unknown once delivery erased it.
 */
function clearFieldPresence(flag: number | null | undefined, kept: boolean | undefined): boolean | null {
  if (flag === 0 || flag === 1) return flag === 1;
  return kept ? true : null;
}

/** The kept clear fields of the rows that have no 0/1 flags (stored before the flags existed). */
async function keptClearFields(store: Store, tenantId: string, rows: readonly EventColumns[]): Promise<Map<number, KeptClearFields>> {
  const out = new Map<number, KeptClearFields>();
  const legacy = rows.filter((r) => !(r.had_client_ip === 0 || r.had_client_ip === 1) || !(r.had_user_agent === 0 || r.had_user_agent === 1));
  for (const seqs of chunks(legacy.map((r) => Number(r.seq)), IN_CHUNK)) {
    const kept = await store.db
      .selectFrom('event_clear_fields')
      .select(['seq', 'client_ip_address', 'client_user_agent'])
      .where('tenant_id', '=', tenantId)
      .where('seq', 'in', seqs)
      .execute();
    for (const k of kept) out.set(Number(k.seq), { ip: k.client_ip_address !== null, ua: k.client_user_agent !== null });
  }
  return out;
}

/** Report rows of stored events, with their deliveries when given. */
async function toEventRows(store: Store, tenantId: string, rows: readonly EventColumns[], deliveries?: Map<string, DeliveryRow[]>): Promise<EventRow[]> {
  const kept = await keptClearFields(store, tenantId, rows);
  return rows.map((r) => toEventRow(r, deliveries?.get(r.id) ?? [], kept.get(Number(r.seq))));
}

/** Maps one stored event (payload parsed for its user_data keys, value and currency) to a report row. */
function toEventRow(r: EventColumns, deliveries: DeliveryRow[], kept: KeptClearFields | undefined): EventRow {
  let payload: { user_data?: Record<string, unknown>; custom_data?: Record<string, unknown> } = {};
  try {
    payload = JSON.parse(r.payload) as typeof payload;
  } catch {
    // A row without a readable payload still counts as an event, with no identifiers.
  }
  const userDataKeys = Object.entries(payload.user_data ?? {}).filter(([, v]) => present(v)).map(([k]) => k);
  const unknownKeys: string[] = [];
  for (const [key, presence] of [
    ['client_ip_address', clearFieldPresence(r.had_client_ip, kept?.ip)],
    ['client_user_agent', clearFieldPresence(r.had_user_agent, kept?.ua)],
  ] as const) {
    if (presence === null) unknownKeys.push(key);
    else if (presence) userDataKeys.push(key);
  }
  const { value, currency } = payload.custom_data ?? {};
  return {
    id: r.id,
    eventName: r.event_name,
    eventId: r.event_id,
    source: r.source,
    channels: parseChannels(r.channels, r.source),
    orderId: r.order_id,
    eventTime: Number(r.event_time),
    receivedAt: Number(r.received_at),
    status: r.status,
    userDataKeys,
    unknownKeys,
    value: typeof value === 'number' ? value : null,
    currency: typeof currency === 'string' ? currency : null,
    fbp: r.fbp,
    deliveries,
    merge: mergeStateOf(r),
  };
}

/** Attaches each event's deliveries (read per chunk of events). */
async function withDeliveries(store: Store, tenantId: string, rows: EventColumns[]): Promise<EventRow[]> {
  const states = await readDeliveryStates(store, tenantId, rows.map((r) => r.id));
  const deliveries = new Map<string, DeliveryRow[]>();
  for (const [id, list] of states) deliveries.set(id, list.map((d) => ({ pixelRowId: d.pixelRowId, status: d.status, fbtraceId: d.fbtraceId, lastError: d.lastError })));
  return toEventRows(store, tenantId, rows, deliveries);
}

/** The most recent `limit` sendable events of the period (match quality is a share: a recent sample is enough). */
export async function readMatchQualityEvents(store: Store, tenantId: string, period: Period, limit: number): Promise<Bounded<EventRow[]>> {
  const rows = await store.db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('received_at', '>=', period.from)
    .where('received_at', '<', period.to)
    .where('simulated', '=', 0)
    // Only what goes to Meta: dropped and skipped events are never sent.
    .where('status', 'in', ['queued', 'done'])
    .orderBy('received_at', 'desc')
    .limit(limit + 1)
    .execute();
  return { rows: await toEventRows(store, tenantId, rows.slice(0, limit)), truncated: rows.length > limit };
}

export type { HourCounts, HourlyStatus };

const HOURLY_STATUSES: readonly HourlyStatus[] = ['queued', 'sending', 'sent', 'failed', 'dropped', 'dead', 'skipped'];

/** Events received per hour by status, counted in SQL; every hour of the period is present, empty ones as zeros. */
export async function readEventsPerHour(store: Store, tenantId: string, period: Period): Promise<HourCounts[]> {
  const rows = await countStatusesPerHour(store, tenantId, period, HOUR_MS);
  const first = Math.floor(period.from / HOUR_MS);
  const last = Math.ceil(period.to / HOUR_MS) - 1;
  const out: HourCounts[] = [];
  for (let h = first; h <= last; h++) out.push({ hour: h * HOUR_MS, ...Object.fromEntries(HOURLY_STATUSES.map((s) => [s, 0])) } as HourCounts);
  for (const r of rows) {
    const slot = out[Number(r.hour) - first];
    // `done` is an event status of stores older than migration 0021 only (carried over as `queued`): read as sent.
    const status = (r.status === 'done' ? 'sent' : r.status) as HourlyStatus;
    if (slot && HOURLY_STATUSES.includes(status)) slot[status] += Number(r.n);
  }
  return out;
}

/** The orders of a period, plus whether a limit cut them short. */
export interface PeriodOrders {
  orders: OrderRow[];
  truncated: boolean;
}

/** The orders and Purchase events (with their deliveries) of a period, plus whether a limit cut them short. */
export interface OrdersAndPurchases extends PeriodOrders {
  purchases: EventRow[];
}

/** Orders placed in the period with their Purchase events and each Purchase's deliveries (the acceptance summary). */
export async function readOrdersAndPurchases(store: Store, tenantId: string, period: Period, limit: number): Promise<OrdersAndPurchases> {
  return readPeriodOrders(store, tenantId, period, limit, true);
}

/** Orders placed in the period, without reading their Purchases' deliveries (attribution needs only the orders). */
export async function readOrders(store: Store, tenantId: string, period: Period, limit: number): Promise<PeriodOrders> {
  const { orders, truncated } = await readPeriodOrders(store, tenantId, period, limit, false);
  return { orders, truncated };
}

/**
 * Orders placed in the period with their Purchase events. The store's orders (first server Purchase) come
 * with their reconcilable total; an order id only a browser Purchase carries becomes a `browser` order (the
 * server never reported it). `createdAt` is the order's Purchase time; `reportedAt` the first server report.
 * `deliveries: false` leaves every Purchase's `deliveries` empty and saves one query per chunk of Purchases.
 */
async function readPeriodOrders(store: Store, tenantId: string, period: Period, limit: number, deliveries: boolean): Promise<OrdersAndPurchases> {
  const purchaseRows = await store.db
    .selectFrom('events')
    .select(EVENT_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .where('event_name', '=', 'Purchase')
    .where('simulated', '=', 0)
    // Bounded by arrival (an event arrives at most 7 days after its time). Purchases are a small share of a store's
    // events, so SQLite and PostgreSQL both read them by the dedup index's (tenant_id, event_name) and filter these.
    .where('received_at', '>=', period.from - ORDER_EVENT_MARGIN_MS)
    .where('received_at', '<', period.to + 2 * ORDER_EVENT_MARGIN_MS)
    .orderBy('received_at', 'desc')
    .limit(limit + 1)
    .execute();
  const storeOrders = await store.db
    .selectFrom('orders')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    // created_at is when the server reported the order: within the period, or at most 7 days after it.
    .where('created_at', '>=', period.from)
    .where('created_at', '<', period.to + ORDER_EVENT_MARGIN_MS)
    .orderBy('created_at', 'desc')
    .limit(limit + 1)
    .execute();
  const kept = purchaseRows.slice(0, limit);
  const purchases = deliveries ? await withDeliveries(store, tenantId, kept) : await toEventRows(store, tenantId, kept);
  const firstPurchaseAt = new Map<string, EventRow>();
  for (const p of purchases) {
    if (p.orderId === null) continue;
    const seen = firstPurchaseAt.get(p.orderId);
    if (!seen || p.eventTime < seen.eventTime) firstPurchaseAt.set(p.orderId, p);
  }
  const orders: OrderRow[] = storeOrders.slice(0, limit).map((o) => storeOrderRow(o, firstPurchaseAt.get(o.order_id)));
  const known = new Set(orders.map((o) => o.orderId));
  for (const [orderId, p] of firstPurchaseAt) {
    const order = known.has(orderId) ? null : browserOrderRow(orderId, p);
    if (order) orders.push(order);
  }
  await attachBrowsers(store, tenantId, orders, firstPurchaseAt);
  return { orders, purchases, truncated: purchaseRows.length > limit || storeOrders.length > limit };
}

/** An order as the store reported it (first server Purchase), timed by its first Purchase when one was read. */
function storeOrderRow(o: Selectable<OrdersTable>, firstPurchase: EventRow | undefined): OrderRow {
  const reportedAt = Number(o.created_at);
  return { orderId: o.order_id, total: Number(o.total), currency: o.currency, createdAt: firstPurchase?.eventTime ?? reportedAt, reportedAt, source: o.source };
}

/** An order only a browser Purchase named (the server never reported it); null when that Purchase has no value. */
function browserOrderRow(orderId: string, purchase: EventRow): OrderRow | null {
  if (purchase.value === null || purchase.currency === null) return null;
  return { orderId, total: purchase.value, currency: purchase.currency, createdAt: purchase.eventTime, source: 'browser' };
}

/** Sets each order's browser (fbp): the first browser that reported it (order_browsers), else its Purchase's fbp. */
async function attachBrowsers(store: Store, tenantId: string, orders: OrderRow[], purchaseOf: Map<string, EventRow>): Promise<void> {
  const fbpOf = new Map<string, string>();
  for (const ids of chunks(orders.map((o) => o.orderId), IN_CHUNK)) {
    const rows = await store.db
      .selectFrom('order_browsers')
      .select(['order_id', 'fbp'])
      .where('tenant_id', '=', tenantId)
      .where('order_id', 'in', ids)
      .orderBy('created_at')
      .execute();
    for (const r of rows) if (!fbpOf.has(r.order_id)) fbpOf.set(r.order_id, r.fbp);
  }
  for (const o of orders) o.fbp = fbpOf.get(o.orderId) ?? purchaseOf.get(o.orderId)?.fbp ?? null;
}

/** The clicks seen on the orders' browsers, from the longest click window before the period up to its end. */
export async function readClicks(store: Store, tenantId: string, orders: readonly OrderRow[], period: Period): Promise<ClickRow[]> {
  const fbps = [...new Set(orders.map((o) => o.fbp).filter((f): f is string => !!f))];
  const out: ClickRow[] = [];
  for (const part of chunks(fbps, IN_CHUNK)) {
    const rows = await store.db
      .selectFrom('click_ids')
      .select(['fbp', 'kind', 'click_id', 'first_seen_at'])
      .where('tenant_id', '=', tenantId)
      .where('fbp', 'in', part)
      .where('first_seen_at', '>=', period.from - LONGEST_CLICK_WINDOW_MS)
      .where('first_seen_at', '<', period.to)
      .execute();
    // Order times come from event_time, which has whole seconds (Meta's unit): compare clicks at the same
    // resolution, or a click a few ms before the order in the same second would look like one after it.
    for (const r of rows) out.push({ fbp: r.fbp, kind: r.kind, clickId: r.click_id, firstSeenAt: Math.floor(Number(r.first_seen_at) / 1000) * 1000 });
  }
  return out;
}

/** The events of one acceptance chain, and its order when the key is an order id. */
export interface ChainInput {
  events: EventRow[];
  order: OrderRow | null;
  truncated: boolean;
}

/** Reads one order's events (with its browser session's funnel before it) or one browser session's events. */
export async function readChain(store: Store, tenantId: string, key: ChainKey, limit: number): Promise<ChainInput> {
  const base = () => store.db.selectFrom('events').select(EVENT_COLUMNS).where('tenant_id', '=', tenantId).where('simulated', '=', 0);
  if ('fbp' in key) {
    const rows = await base().where('fbp', '=', key.fbp).orderBy('event_time', 'desc').limit(limit + 1).execute();
    return { events: await withDeliveries(store, tenantId, rows.slice(0, limit)), order: null, truncated: rows.length > limit };
  }
  const own = await base().where('order_id', '=', key.orderId).orderBy('event_time').limit(limit + 1).execute();
  const ownEvents = await withDeliveries(store, tenantId, own.slice(0, limit));
  const purchase = ownEvents.filter((e) => e.eventName === 'Purchase').sort((a, b) => a.eventTime - b.eventTime)[0];
  const stored = await store.db.selectFrom('orders').selectAll().where('tenant_id', '=', tenantId).where('order_id', '=', key.orderId).executeTakeFirst();
  const order = stored ? storeOrderRow(stored, purchase) : purchase ? browserOrderRow(key.orderId, purchase) : null;
  if (!order) return { events: ownEvents, order: null, truncated: own.length > limit };
  await attachBrowsers(store, tenantId, [order], new Map(purchase ? [[key.orderId, purchase]] : []));
  if (!order.fbp) return { events: ownEvents, order, truncated: own.length > limit };
  // The funnel before checkout carries no order id: take the browser's events up to the order.
  const session = await base()
    .where('fbp', '=', order.fbp)
    .where('order_id', 'is', null)
    .where('event_time', '<=', order.createdAt)
    .orderBy('event_time', 'desc')
    .limit(limit + 1)
    .execute();
  return {
    events: [...ownEvents, ...(await withDeliveries(store, tenantId, session.slice(0, limit)))],
    order,
    truncated: own.length > limit || session.length > limit,
  };
}
