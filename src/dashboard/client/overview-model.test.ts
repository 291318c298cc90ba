import { describe, expect, it } from 'vitest';
import type { Alert } from '../../core/overview-api.js';
import { alertKey, duration, localMidnight, refusedBars, relativeTime, sortAlerts } from './overview-model.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('overview helpers', () => {
  it('says how long ago a time was, in whole units', () => {
    const now = Date.UTC(2026, 11, 6, 12);
    expect(relativeTime(now - 5_000, now)).toBe('just now');
    expect(relativeTime(now + 5_000, now)).toBe('just now');
    expect(relativeTime(now - MIN, now)).toBe('1 minute ago');
    expect(relativeTime(now - 59 * MIN, now)).toBe('59 minutes ago');
    expect(relativeTime(now - 3 * HOUR - 5 * MIN, now)).toBe('3 hours ago');
    expect(relativeTime(now - 49 * HOUR, now)).toBe('2 days ago');
  });

  it('writes a duration as a person reads it', () => {
    expect(duration(20_000)).toBe('less than a minute');
    expect(duration(12 * MIN)).toBe('12 min');
    expect(duration(3 * HOUR)).toBe('3 h');
    expect(duration(3 * HOUR + 5 * MIN)).toBe('3 h 5 min');
    expect(duration(24 * HOUR)).toBe('1 day');
    expect(duration(52 * HOUR)).toBe('2 days 4 h');
  });

  it("finds the viewer's midnight: today's start, never in the future nor a day back", () => {
    const now = Date.now();
    const midnight = localMidnight(now);
    expect(midnight).toBeLessThanOrEqual(now);
    expect(now - midnight).toBeLessThanOrEqual(24 * HOUR);
    expect(new Date(midnight).getHours()).toBe(0);
    expect(new Date(midnight).getMinutes()).toBe(0);
  });

  it('draws the refused hours newest first, scaled to the busiest, leaving out empty hours', () => {
    const bars = refusedBars([
      { hour: 1 * HOUR, origin_not_allowed: 1, signature_refused: 0, rate_limited: 0 },
      { hour: 2 * HOUR, origin_not_allowed: 0, signature_refused: 0, rate_limited: 0 },
      { hour: 3 * HOUR, origin_not_allowed: 10, signature_refused: 30, rate_limited: 60 },
    ]);
    expect(bars.map((b) => [b.hour, b.total, b.percent])).toEqual([[3 * HOUR, 100, 100], [1 * HOUR, 1, 2]]);
    expect(bars[0]?.counts).toEqual({ origin_not_allowed: 10, signature_refused: 30, rate_limited: 60 });
    expect(refusedBars([])).toEqual([]);
  });

  it('puts critical alerts first and keeps the order within a level; an alert is the same one by code, store and pixel', () => {
    const alert = (code: Alert['code'], severity: Alert['severity'], tenantId: string, pixelRowId: string | null = null): Alert =>
      ({ code, severity, tenantId, tenantName: tenantId, pixelRowId, message: '', since: null, count: null, fix: null });
    const sorted = sortAlerts([alert('dead_deliveries', 'warning', 'a'), alert('pixel_paused', 'critical', 'b', 'p1'), alert('signature_refusals', 'warning', 'c'), alert('no_events', 'critical', 'd')]);
    expect(sorted.map((a) => a.code)).toEqual(['pixel_paused', 'no_events', 'dead_deliveries', 'signature_refusals']);
    expect(alertKey(alert('pixel_paused', 'critical', 'b', 'p1'))).not.toBe(alertKey(alert('pixel_paused', 'critical', 'b', 'p2')));
    const changed: Alert = { ...alert('dead_deliveries', 'warning', 'a'), count: 3, message: 'x' };
    expect(alertKey(changed)).toBe(alertKey(alert('dead_deliveries', 'warning', 'a')));
  });
});
