/**
 * Pure helpers of the Overview page and the alerts banner: relative times, durations, the refused-traffic bars,
 * the order and identity of alerts. No DOM and no requests, so they are unit-tested on their own.
 */
import type { Alert, HourlyRefused, RefusedReason } from '../../core/overview-api.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const unit = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago": how long before `now` the time `at` was. */
export function relativeTime(at: number, now: number): string {
  const ago = now - at;
  if (ago < MINUTE) return 'just now';
  if (ago < HOUR) return `${unit(Math.floor(ago / MINUTE), 'minute')} ago`;
  if (ago < DAY) return `${unit(Math.floor(ago / HOUR), 'hour')} ago`;
  return `${unit(Math.floor(ago / DAY), 'day')} ago`;
}

/** A duration as a person reads it: "less than a minute", "12 min", "3 h 5 min", "2 days 4 h". */
export function duration(ms: number): string {
  if (ms < MINUTE) return 'less than a minute';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < DAY) {
    const m = Math.floor((ms % HOUR) / MINUTE);
    return `${Math.floor(ms / HOUR)} h${m ? ` ${m} min` : ''}`;
  }
  const h = Math.floor((ms % DAY) / HOUR);
  return `${unit(Math.floor(ms / DAY), 'day')}${h ? ` ${h} h` : ''}`;
}

/**
 * The start of the viewer's day (their local midnight), the overview's "today". The API takes at most 24 hours
 * back: in the last hour of a 25-hour day (clocks set back), today starts 24 hours ago.
 */
export function localMidnight(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return Math.max(d.getTime(), now - DAY);
}

export const REFUSED_REASONS: readonly RefusedReason[] = ['origin_not_allowed', 'signature_refused', 'rate_limited'];

export interface RefusedBar {
  hour: number;
  counts: Record<RefusedReason, number>;
  total: number;
  /** The bar's length, in percent of the busiest hour (at least 2 so one refusal still shows). */
  percent: number;
}

/** The hours with refusals as bars, newest first, each scaled to the busiest hour. */
export function refusedBars(hourly: readonly HourlyRefused[]): RefusedBar[] {
  const rows = hourly.map((h) => {
    const counts = { origin_not_allowed: h.origin_not_allowed, signature_refused: h.signature_refused, rate_limited: h.rate_limited };
    return { hour: h.hour, counts, total: REFUSED_REASONS.reduce((n, r) => n + counts[r], 0) };
  }).filter((r) => r.total > 0);
  const max = Math.max(1, ...rows.map((r) => r.total));
  return rows.sort((a, b) => b.hour - a.hour).map((r) => ({ ...r, percent: Math.max(2, Math.round((r.total / max) * 100)) }));
}

/** Most severe first (critical before warning), otherwise in the relay's order. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  const rank = (a: Alert) => (a.severity === 'critical' ? 0 : 1);
  return alerts.map((a, i) => ({ a, i })).sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i).map((x) => x.a);
}

/** What makes an alert the same one from one check to the next (its figures and wording may change). */
export const alertKey = (a: Pick<Alert, 'code' | 'tenantId' | 'pixelRowId'>): string => `${a.code}|${a.tenantId}|${a.pixelRowId ?? ''}`;
