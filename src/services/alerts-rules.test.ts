import { describe, expect, it } from 'vitest';
import { expectedInQuietWindow, MIN_EXPECTED_EVENTS, SIGNATURE_BURST, storeAlerts, type StoreFacts } from './alerts-rules.js';

const NOW = 1_800_000_000_000;

function facts(over: Partial<StoreFacts> = {}): StoreFacts {
  return {
    tenant: { id: 't1', name: 'Shop', status: 'active' },
    pixels: [{ id: 'p1', pixelId: '111', name: 'Shop pixel', status: 'active', pauseReason: null, updatedAt: NOW - 1000 }],
    dead: { count: 0, oldestAt: null },
    events: { lastReceivedAt: NOW - 60_000, inQuietWindow: 10, inBaseline: 2000 },
    signaturesRefusedLastHour: 0,
    ...over,
  };
}

describe('storeAlerts', () => {
  it('has nothing to say about a healthy store', () => {
    expect(storeAlerts(facts())).toEqual([]);
  });

  it('names a paused pixel with its reason and the request that sets a new token', () => {
    const [a] = storeAlerts(facts({ pixels: [{ id: 'p1', pixelId: '111', name: 'Shop pixel', status: 'paused', pauseReason: 'token: Error validating access token', updatedAt: NOW - 5000 }] }));
    expect(a).toMatchObject({ code: 'pixel_paused', severity: 'critical', pixelRowId: 'p1', since: NOW - 5000, fix: { method: 'POST', path: '/api/v1/pixels/p1/rotate', fields: ['accessToken'] } });
    expect(a?.message).toContain('"Shop pixel" (111) is paused: token: Error validating access token');
  });

  it('calls silence an alert only when the usual traffic makes silence unlikely', () => {
    // 2000 events in 7 days: about 36 per 3 hours.
    expect(storeAlerts(facts({ events: { lastReceivedAt: NOW - 4 * 3_600_000, inQuietWindow: 0, inBaseline: 2000 } })).map((a) => [a.code, a.since])).toEqual([['no_events', NOW - 4 * 3_600_000]]);
    // The threshold: MIN_EXPECTED_EVENTS expected in the window.
    const atThreshold = Math.ceil((MIN_EXPECTED_EVENTS * 7 * 24) / 3);
    expect(expectedInQuietWindow(atThreshold)).toBeGreaterThanOrEqual(MIN_EXPECTED_EVENTS);
    expect(storeAlerts(facts({ events: { lastReceivedAt: null, inQuietWindow: 0, inBaseline: atThreshold } }))).toHaveLength(1);
    expect(storeAlerts(facts({ events: { lastReceivedAt: null, inQuietWindow: 0, inBaseline: atThreshold - 1 } }))).toEqual([]);
    // One event in the window is enough.
    expect(storeAlerts(facts({ events: { lastReceivedAt: NOW, inQuietWindow: 1, inBaseline: 100_000 } }))).toEqual([]);
  });

  it('reports a burst of refused signatures from SIGNATURE_BURST on', () => {
    expect(storeAlerts(facts({ signaturesRefusedLastHour: SIGNATURE_BURST - 1 }))).toEqual([]);
    expect(storeAlerts(facts({ signaturesRefusedLastHour: SIGNATURE_BURST }))).toEqual([expect.objectContaining({ code: 'signature_refusals', severity: 'warning', count: SIGNATURE_BURST })]);
  });

  it('offers Retry all for dead deliveries', () => {
    const [a] = storeAlerts(facts({ dead: { count: 3, oldestAt: NOW - 10_000 } }));
    expect(a).toMatchObject({ code: 'dead_deliveries', count: 3, since: NOW - 10_000, fix: { label: 'Retry all', method: 'POST', path: '/api/v1/tenants/t1/replay' } });
    expect(a?.message).toMatch(/^3 deliveries died/);
  });

  it('puts critical alerts first and says nothing for a disabled store', () => {
    const all = facts({
      dead: { count: 1, oldestAt: NOW },
      signaturesRefusedLastHour: 50,
      events: { lastReceivedAt: null, inQuietWindow: 0, inBaseline: 5000 },
      pixels: [{ id: 'p1', pixelId: '111', name: null, status: 'paused', pauseReason: null, updatedAt: NOW }],
    });
    expect(storeAlerts(all).map((a) => a.code)).toEqual(['pixel_paused', 'no_events', 'signature_refusals', 'dead_deliveries']);
    expect(storeAlerts({ ...all, tenant: { ...all.tenant, status: 'disabled' } })).toEqual([]);
  });
});
