// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { EventLogDelivery, EventLogItem } from '../../core/admin-api.js';
import { h } from './dom.js';
import { eventRow } from './event-row.js';

const PIXELS: Record<string, string> = { 'row-1': '111111111', 'row-2': '222222222' };
const pixelName = (id: string) => PIXELS[id] ?? id;

function delivery(pixelRowId: string, status: EventLogDelivery['status'], extra: Partial<EventLogDelivery> = {}): EventLogDelivery {
  return { pixelRowId, status, shown: status, pauseReason: null, attempts: 1, lastError: null, fbtraceId: null, eventsReceived: null, ...extra };
}

function event(extra: Partial<EventLogItem> = {}): EventLogItem {
  return {
    id: 'ev-1', eventName: 'Purchase', eventId: 'purchase:1001', source: 'webhook:shopify', orderId: '1001', eventTime: 1_700_000_000_000,
    receivedAt: 1_700_000_000_000, status: 'queued', dropCode: null, dropMessage: null, channels: ['webhook:shopify', 'browser'], simulated: false, deliveries: [], merge: null,
    ...extra,
  };
}

const row = (ev: EventLogItem) => eventRow(ev, pixelName, h('button', {}, 'Details'));
const cell = (tr: HTMLTableRowElement, sel: string) => tr.querySelector(sel)?.textContent ?? '';

describe('event log row', () => {
  it('shows time, event, order, every channel and each pixel\'s status in words', () => {
    const tr = row(event({ deliveries: [delivery('row-1', 'sent'), delivery('row-2', 'failed'), delivery('row-3', 'dead')] }));
    expect(tr.getAttribute('data-event')).toBe('ev-1');
    expect(cell(tr, 'td.when')).toBe(new Date(1_700_000_000_000).toLocaleString());
    expect(cell(tr, 'td.event')).toBe('Purchase');
    expect(cell(tr, 'td[data-label="Order"]')).toBe('1001');
    expect([...tr.querySelectorAll('.channel')].map((c) => c.textContent)).toEqual(['server (shopify)', 'browser']);
    const chips = [...tr.querySelectorAll('td.status-cell .status')];
    expect(chips.map((c) => c.textContent)).toEqual(['111111111: sent', '222222222: waiting to retry', 'row-3: failed — will not retry']);
    // The code stays as the detail: the chip's class and title.
    expect(chips[1]?.className).toBe('status failed');
    expect(chips[1]?.getAttribute('title')).toBe('status: failed');
    expect(tr.textContent).not.toContain('null');
  });

  it('says why an event was not sent, with its code beside', () => {
    const tr = row(event({ status: 'dropped', dropCode: 'no_consent', orderId: null, simulated: true }));
    expect(cell(tr, 'td.status-cell')).toBe('not sent: consent no_consent');
    expect(cell(tr, 'td[data-label="Order"]')).toBe('—');
    expect(cell(tr, 'td.event')).toBe('Purchase (simulated)');
  });

  it('names the pause reason of a paused pixel', () => {
    const tr = row(event({ deliveries: [delivery('row-1', 'queued', { shown: 'paused', pauseReason: 'token expired' })] }));
    expect(cell(tr, 'td.status-cell')).toBe('111111111: paused (token expired)');
  });

  it('says what the channel merge did: held, merged (value from), sent alone, late partner', () => {
    const merge = (m: EventLogItem['merge']) => cell(row(event({ merge: m })), 'td:nth-child(4) .merge');
    expect(merge(null)).toBe('');
    expect(merge({ state: 'held', label: 'held, waiting for its partner', holdUntil: 1, valueFrom: null, late: null })).toBe(' held, waiting for its partner');
    const merged = row(event({ merge: { state: 'merged', label: 'merged', holdUntil: null, valueFrom: 'webhook:shopify', late: null } })).querySelector('.merge');
    expect([merged?.textContent, merged?.getAttribute('title')]).toEqual([' merged', 'value from webhook:shopify']);
    const late = row(event({ merge: { state: 'late_partner', label: 'late partner', holdUntil: null, valueFrom: null, late: { channel: 'browser', adds: ['user_data.fbp'] } } })).querySelector('.merge');
    expect(late?.getAttribute('title')).toBe('browser came late; it would have added user_data.fbp');
  });
});
