import { describe, expect, it } from 'vitest';
import type { DeliveryState } from './delivery-state.js';
import { deliveryTimeline } from './delivery-timeline.js';

const state = (over: Partial<DeliveryState>): DeliveryState => ({
  eventRowId: 'e', seq: 1, pixelRowId: 'p', status: 'queued', attempts: 0, lastError: null, fbtraceId: null, eventsReceived: null,
  queuedAt: 100, updatedAt: 100, claimedAt: null, claims: 0, replayed: false, ...over,
});

describe('deliveryTimeline', () => {
  it('puts queued and each pixel’s outcome in time order, with Meta’s answer and earlier failures', () => {
    const timeline = deliveryTimeline([
      state({ pixelRowId: 'p1', status: 'sent', attempts: 2, updatedAt: 400, claimedAt: 350, claims: 2, fbtraceId: 'AbC', eventsReceived: 1000 }),
      state({ pixelRowId: 'p2', status: 'dead', attempts: 1, updatedAt: 300, lastError: 'Invalid parameter' }),
    ]);
    expect(timeline).toEqual([
      { pixelRowId: 'p1', status: 'queued', at: 100, detail: null },
      { pixelRowId: 'p2', status: 'queued', at: 100, detail: null },
      { pixelRowId: 'p2', status: 'dead', at: 300, detail: 'Invalid parameter; after 1 attempt' },
      { pixelRowId: 'p1', status: 'sent', at: 400, detail: 'fbtrace_id AbC, events_received 1000 (for its request); 1 earlier attempt failed' },
    ]);
  });

  it('shows a retry waiting with its error, a send in flight, and a replay', () => {
    expect(deliveryTimeline([state({ status: 'failed', attempts: 3, updatedAt: 200, lastError: 'HTTP 503' })]).map((e) => [e.status, e.detail])).toEqual([
      ['queued', null],
      ['failed', 'HTTP 503; attempt 3, retrying'],
    ]);
    expect(deliveryTimeline([state({ status: 'sending', claimedAt: 150, updatedAt: 150, claims: 1 })]).map((e) => [e.status, e.at])).toEqual([
      ['queued', 100],
      ['sending', 150],
    ]);
    expect(deliveryTimeline([state({ status: 'queued', replayed: true, updatedAt: 900 })]).map((e) => [e.status, e.at, e.detail])).toEqual([
      ['queued', 100, null],
      ['queued', 900, 'replayed'],
    ]);
  });

  it('says nothing was sent while a delivery is still queued', () => {
    expect(deliveryTimeline([state({})]).map((e) => e.status)).toEqual(['queued']);
  });
});
