/**
 * Last-click attribution of orders to Meta (fbclid) or Google (gclid) clicks seen on the same browser (fbp),
 * revenue per channel without double counting, and a CSV export.
 */
import { csvField, csvLines } from './csv.js';
import type { ClickRow, OrderRow } from './rows.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long a click can be credited, from its first sighting; the edge itself is inside the window. */
export const CLICK_WINDOW_MS: Readonly<Record<ClickRow['kind'], number>> = {
  fbclid: 28 * DAY_MS,
  gclid: 90 * DAY_MS,
};

export type Channel = 'meta' | 'google' | 'none';

const CHANNEL_OF: Record<ClickRow['kind'], Channel> = { fbclid: 'meta', gclid: 'google' };

/** One order with the click credited for it (latest valid click) and the other valid clicks as assists. */
export interface AttributedOrder {
  orderId: string;
  createdAt: number;
  total: number;
  currency: string;
  channel: Channel;
  click: ClickRow | null;
  assists: ClickRow[];
}

/** True when the click was seen on or before the order and at most its window before it (inclusive). */
export function clickValidFor(click: ClickRow, orderAt: number): boolean {
  const age = orderAt - click.firstSeenAt;
  return age >= 0 && age <= CLICK_WINDOW_MS[click.kind];
}

// Latest first; equal times break by kind then id so the answer never depends on input order.
function byRecency(a: ClickRow, b: ClickRow): number {
  return b.firstSeenAt - a.firstSeenAt || a.kind.localeCompare(b.kind) || a.clickId.localeCompare(b.clickId);
}

/** Credits each order to the latest valid click of its browser; orders without fbp or valid click go to `none`. */
export function attributeOrders(orders: readonly OrderRow[], clicks: readonly ClickRow[]): AttributedOrder[] {
  const byFbp = new Map<string, ClickRow[]>();
  for (const c of clicks) {
    const list = byFbp.get(c.fbp);
    if (list) list.push(c);
    else byFbp.set(c.fbp, [c]);
  }
  return orders.map((o): AttributedOrder => {
    const valid = (o.fbp ? byFbp.get(o.fbp) ?? [] : [])
      .filter((c) => clickValidFor(c, o.createdAt))
      .sort(byRecency);
    const [click = null, ...assists] = valid;
    return {
      orderId: o.orderId,
      createdAt: o.createdAt,
      total: o.total,
      currency: o.currency.trim().toUpperCase(),
      channel: click ? CHANNEL_OF[click.kind] : 'none',
      click,
      assists,
    };
  });
}

/** Revenue of one channel in one currency. */
export interface ChannelRevenue {
  channel: Channel;
  currency: string;
  orders: number;
  revenue: number;
}

/** Sums revenue per channel and currency; each order counts once, for its credited channel only. */
export function revenueByChannel(rows: readonly AttributedOrder[]): ChannelRevenue[] {
  // Sum in cents so many small totals do not drift (0.1 + 0.2); currencies are never added together.
  const acc = new Map<string, { channel: Channel; currency: string; orders: number; cents: number }>();
  for (const r of rows) {
    const k = `${r.channel}\u0000${r.currency}`;
    let a = acc.get(k);
    if (!a) acc.set(k, (a = { channel: r.channel, currency: r.currency, orders: 0, cents: 0 }));
    a.orders++;
    a.cents += Math.round(r.total * 100);
  }
  const order: Channel[] = ['meta', 'google', 'none'];
  return [...acc.values()]
    .map(({ cents, ...a }) => ({ ...a, revenue: cents / 100 }))
    .sort((a, b) => order.indexOf(a.channel) - order.indexOf(b.channel) || a.currency.localeCompare(b.currency));
}

/** The CSV header of `attributionCsv`. */
export const ATTRIBUTION_CSV_HEADER = [
  'order_id', 'created_at', 'total', 'currency', 'channel', 'click_kind', 'click_id', 'click_seen_at', 'assists',
] as const;

const iso = (ms: number): string => new Date(ms).toISOString();

/** Writes attributed orders as RFC 4180 CSV (header, CRLF, quoted where needed, formula-safe text). */
export function attributionCsv(rows: readonly AttributedOrder[]): string {
  const lines: string[][] = [[...ATTRIBUTION_CSV_HEADER]];
  for (const r of rows) {
    lines.push([
      csvField(r.orderId),
      csvField(iso(r.createdAt)),
      csvField(r.total, false),
      csvField(r.currency),
      csvField(r.channel),
      csvField(r.click?.kind),
      csvField(r.click?.clickId),
      csvField(r.click ? iso(r.click.firstSeenAt) : null),
      // Assists in one cell, `kind:id` separated by `;`, latest first.
      csvField(r.assists.map((a) => `${a.kind}:${a.clickId}`).join(';')),
    ]);
  }
  return csvLines(lines);
}
