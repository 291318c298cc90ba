import { describe, expect, it } from 'vitest';
import { deliveryTimeline } from './delivery-timeline.js';

describe('deliveryTimeline', () => {
  it('puts queued, recorded failures and the send back in time order, per pixel', () => {
    const deliveries = [
      { id: 'd1', pixel_row_id: 'p1', status: 'sent' as const, created_at: 100, updated_at: 400, fbtrace_id: 'AbC', events_received: 1000 },
      { id: 'd2', pixel_row_id: 'p2', status: 'dead' as const, created_at: 100, updated_at: 300, fbtrace_id: null, events_received: null },
    ];
    const history = [
      { delivery_id: 'd1', status: 'failed', at: 200, detail: 'HTTP 503' },
      { delivery_id: 'd2', status: 'dead', at: 300, detail: 'Invalid parameter' },
      { delivery_id: 'other', status: 'failed', at: 250, detail: 'not this event' },
    ];
    expect(deliveryTimeline(deliveries, history)).toEqual([
      { pixelRowId: 'p1', status: 'queued', at: 100, detail: null },
      { pixelRowId: 'p2', status: 'queued', at: 100, detail: null },
      { pixelRowId: 'p1', status: 'failed', at: 200, detail: 'HTTP 503' },
      { pixelRowId: 'p2', status: 'dead', at: 300, detail: 'Invalid parameter' },
      { pixelRowId: 'p1', status: 'sent', at: 400, detail: 'fbtrace_id AbC, events_received 1000 (for its request)' },
    ]);
  });

  it('says nothing was sent while a delivery is still queued', () => {
    const timeline = deliveryTimeline([{ id: 'd', pixel_row_id: 'p', status: 'queued', created_at: 5, updated_at: 5, fbtrace_id: null, events_received: null }], []);
    expect(timeline.map((e) => e.status)).toEqual(['queued']);
  });
});
