// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { EventDetails } from '../../core/overview-api.js';
import { h } from './dom.js';
import { contentWords, sentDetails, valueWords } from './event-details.js';
import { metaAnswerWords, setupStateWord } from './words.js';

function details(extra: Partial<EventDetails> = {}): EventDetails {
  return {
    id: 'ev-1', eventName: 'Purchase', eventId: 'purchase:1001', eventTime: 1_700_000_000, receivedAt: 1_700_000_000_500, status: 'done',
    source: 'api', channels: ['api'], channelClass: 'server', simulated: false, value: 42.5, currency: 'EUR',
    contents: [{ id: 'SKU-1', quantity: 2, item_price: 21.25 }], identifiers: ['Email', 'Phone', 'ZIP code'],
    sent: { event_name: 'Purchase', user_data: { em: ['a'.repeat(64)] }, custom_data: { value: 42.5, currency: 'EUR' } },
    clientFields: { ipAddress: 'erased', userAgent: 'absent' },
    answers: [{ pixelRowId: 'row-1', pixelId: '111111111', pixelName: 'Shop pixel', status: 'sent', attempts: 1, fbtraceId: 'AbC123xyz', eventsReceived: 1, lastError: null, updatedAt: 1 }],
    ...extra,
  };
}
const render = (d: EventDetails) => h('div', {}, sentDetails(d));
const byTestId = (el: HTMLElement, id: string) => el.querySelector(`[data-testid="${id}"]`)?.textContent;

describe('event details: what was sent', () => {
  it('shows the value with its currency, the contents and the customer data by name', () => {
    const el = render(details());
    expect(byTestId(el, 'sent-value')).toBe('42.5 EUR');
    expect(byTestId(el, 'sent-contents')).toBe('SKU-1 × 2 at 21.25');
    expect([...el.querySelectorAll('ul.ids li')].map((li) => li.textContent)).toEqual(['Email', 'Phone', 'ZIP code']);
    expect(byTestId(el, 'meta-answers')).toBe('Pixel Shop pixel (111111111): sent events_received 1, fbtrace_id AbC123xyz');
    expect(JSON.parse(byTestId(el, 'sent-json') ?? '')).toEqual(details().sent);
    expect(el.querySelector('.sent-json .hint')?.textContent).toContain('IP address erased after sending');
  });

  it('says so when nothing was sent, without writing null anywhere', () => {
    const el = render(details({ value: null, currency: null, contents: [], identifiers: [], answers: [], eventTime: null }));
    expect(byTestId(el, 'sent-value')).toBe('—');
    expect(byTestId(el, 'sent-identifiers')).toBe('none');
    expect(byTestId(el, 'meta-answers')).toBe('Not sent to any pixel.');
    expect(el.querySelector('[data-testid="sent-contents"]')).toBeNull();
    expect(el.textContent).not.toContain('null');
  });

  it('writes values and contents plainly', () => {
    expect(valueWords(10, null)).toBe('10');
    expect(valueWords(null, 'EUR')).toBeNull();
    expect(contentWords({ id: 7 })).toBe('7');
    expect(contentWords({ name: 'no id' })).toBe('{"name":"no id"}');
  });
});

describe('setup and answer words', () => {
  it('names checklist states and Meta\'s answers as a person reads them', () => {
    expect(['done', 'todo', 'problem'].map((s) => setupStateWord(s as 'done'))).toEqual(['done', 'to do', 'problem']);
    expect(metaAnswerWords({ status: 'failed', fbtraceId: null, eventsReceived: null, lastError: 'HTTP 500', attempts: 3 })).toBe('HTTP 500, 3 attempts');
    expect(metaAnswerWords({ status: 'queued', fbtraceId: null, eventsReceived: null, lastError: null, attempts: 0 })).toBe('no answer yet');
  });
});

describe('event details: the JSON fold', () => {
  it('opens as asked and reports the reader opening it', () => {
    const seen: boolean[] = [];
    const el = h('div', {}, sentDetails(details(), true, (open) => seen.push(open)));
    const fold = el.querySelector('details.sent-json') as HTMLDetailsElement;
    expect(fold.open).toBe(true);
    expect((h('div', {}, sentDetails(details())).querySelector('details.sent-json') as HTMLDetailsElement).open).toBe(false);
    // The browser fires "toggle" when the reader folds it (happy-dom when open changes; once more by hand here).
    fold.open = false;
    fold.dispatchEvent(new Event('toggle'));
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([false]));
  });
});
