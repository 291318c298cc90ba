/** One row of the event log: what a person reads of an event and its deliveries (pure DOM, unit-tested). */
import type { EventLogItem } from '../../core/admin-api.js';
import { h, statusChip, time } from './dom.js';
import { channelWord, DELIVERY_WORDS, eventWord } from './words.js';

export function channelChips(channels: readonly string[]): HTMLSpanElement[] {
  return channels.map((c) => { const w = channelWord(c); return h('span', { class: `channel ${w.kind}`, title: c }, w.text); });
}

/** The status cell's chips: one per pixel, or the event's own when it got no delivery (why, from its code). */
export function statusChips(ev: EventLogItem, pixelName: (rowId: string) => string): HTMLSpanElement[] {
  return ev.deliveries.length
    ? ev.deliveries.map((d) => statusChip(d.shown, `${pixelName(d.pixelRowId)}: ${DELIVERY_WORDS[d.shown]}${d.shown === 'paused' && d.pauseReason ? ` (${d.pauseReason})` : ''}`))
    : [statusChip(ev.status, eventWord(ev.status, ev.dropCode))];
}

/**
 * The row, with `toggle` (the Details button) in its last cell. The classes and labels lay it out as a block
 * on phones (styles.ts): time, event, then the rest.
 */
export function eventRow(ev: EventLogItem, pixelName: (rowId: string) => string, toggle: HTMLElement): HTMLTableRowElement {
  return h('tr', { 'data-event': ev.id }, h('td', { class: 'when' }, time(ev.receivedAt)),
    h('td', { class: 'event' }, ev.eventName, ev.simulated ? h('span', { class: 'hint' }, ' (simulated)') : null),
    h('td', { 'data-label': 'Order' }, ev.orderId ?? '—'),
    h('td', { class: 'opt' }, channelChips(ev.channels), mergeHint(ev)),
    h('td', { class: 'status-cell' }, statusChips(ev, pixelName), ev.dropCode ? h('span', { class: 'hint' }, ` ${ev.dropCode}`) : null),
    h('td', { class: 'history' }, toggle));
}

/** The channel merge's word for the row (issue 18): "held, waiting for its partner", "merged", "sent alone", "late partner". */
export function mergeHint(ev: EventLogItem): HTMLSpanElement | null {
  const m = ev.merge;
  if (!m) return null;
  const why = m.state === 'merged' && m.valueFrom ? `value from ${m.valueFrom}` : m.late ? `${m.late.channel} came late; it would have added ${m.late.adds.join(', ') || 'nothing'}` : m.label;
  return h('span', { class: 'hint merge', title: why }, ` ${m.label}`);
}
