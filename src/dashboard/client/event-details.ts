/**
 * What was sent for one event, as its details in the event log show it (pure DOM, unit-tested): the event,
 * its time, value and currency, contents, the customer identifiers present BY NAME (never a value), Meta's
 * answer per pixel, and the exact JSON sent (identifiers hashed, the IP masked), from
 * GET /api/v1/tenants/{id}/events/{eventId}/details.
 */
import type { EventDetails as SentDetails, PixelAnswer } from '../../core/overview-api.js';
import { h, statusChip, time, type Child } from './dom.js';
import { metaAnswerWords, statusWord } from './words.js';

/** "42.5 EUR", "42.5" without a currency, or null without a value. */
export function valueWords(value: number | null, currency: string | null): string | null {
  if (value === null) return null;
  return currency ? `${value} ${currency}` : String(value);
}

/** One content line: "SKU-1 × 2 at 10", from Meta's contents objects (anything else as compact JSON). */
export function contentWords(c: unknown): string {
  if (!c || typeof c !== 'object') return JSON.stringify(c);
  const o = c as Record<string, unknown>;
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : null;
  if (id === null) return JSON.stringify(c);
  const qty = typeof o.quantity === 'number' ? ` × ${o.quantity}` : '';
  const price = typeof o.item_price === 'number' ? ` at ${o.item_price}` : '';
  return id + qty + price;
}

const CLIENT_IP: Readonly<Record<SentDetails['clientFields']['ipAddress'], string>> = {
  shown_masked: 'IP address shown masked (its last part hidden).', erased: 'IP address erased after sending (it was sent).', absent: 'No IP address was received.',
};
const CLIENT_UA: Readonly<Record<SentDetails['clientFields']['userAgent'], string>> = {
  shown: 'User agent shown as sent.', erased: 'User agent erased after sending (it was sent).', absent: 'No user agent was received.',
};

/** Meta's answer for each pixel: its status in words, events_received and fbtrace_id (or the last error). */
function answersList(answers: readonly PixelAnswer[]): HTMLElement {
  if (!answers.length) return h('p', { 'data-testid': 'meta-answers' }, 'Not sent to any pixel.');
  return h('ul', { class: 'answers', 'data-testid': 'meta-answers' }, answers.map((a) => h('li', { 'data-pixel': a.pixelId ?? a.pixelRowId },
    h('strong', {}, `Pixel ${a.pixelName ? `${a.pixelName} (${a.pixelId ?? a.pixelRowId})` : a.pixelId ?? a.pixelRowId}: `),
    statusChip(a.status, statusWord(a.status)), ' ', h('span', { class: 'meta-answer' }, metaAnswerWords(a)))));
}

/**
 * The "what was sent" part of an event's details. The JSON is folded unless jsonOpen; onJsonToggle hears the
 * reader open or close it, so a live redraw of the log can keep it as the reader left it.
 */
export function sentDetails(d: SentDetails, jsonOpen = false, onJsonToggle?: (open: boolean) => void): Child[] {
  const json = h('details', { class: 'sent-json', open: jsonOpen }, h('summary', {}, 'The exact JSON sent to Meta'),
    h('p', { class: 'hint' }, 'Customer data is hashed (SHA-256) as Meta receives it. ', CLIENT_IP[d.clientFields.ipAddress], ' ', CLIENT_UA[d.clientFields.userAgent]),
    h('pre', {}, h('code', { 'data-testid': 'sent-json' }, JSON.stringify(d.sent, null, 2))));
  if (onJsonToggle) json.addEventListener('toggle', () => onJsonToggle(json.open));
  const value = valueWords(d.value, d.currency);
  return [
    h('h3', {}, 'What was sent'),
    h('dl', { class: 'sent' },
      h('dt', {}, 'Event'), h('dd', { 'data-testid': 'sent-event' }, d.eventName),
      h('dt', {}, 'Event time'), h('dd', {}, d.eventTime === null ? '—' : time(d.eventTime * 1000)),
      h('dt', {}, 'Value'), h('dd', { 'data-testid': 'sent-value' }, value ?? '—'),
      d.contents.length ? [h('dt', {}, 'Contents'), h('dd', { 'data-testid': 'sent-contents' }, d.contents.map((c, i) => [i ? ', ' : '', contentWords(c)]))] : null,
      h('dt', {}, 'Customer data sent'), h('dd', { 'data-testid': 'sent-identifiers' }, d.identifiers.length
        ? h('ul', { class: 'ids', 'aria-label': 'Customer data sent, by name' }, d.identifiers.map((n) => h('li', {}, n)))
        : 'none')),
    h('h3', {}, 'Meta\'s answer'),
    answersList(d.answers),
    json,
  ];
}
