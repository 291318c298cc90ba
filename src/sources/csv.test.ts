import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvEventStream, DEFAULT_CSV_MAPPING, parseCsvMapping, rowToEvent, type CsvRowResult } from './csv.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const opts = { now: NOW };

async function collect(text: string, extra: Partial<Parameters<typeof csvEventStream>[1]> = {}): Promise<{ line: number; result: CsvRowResult }[]> {
  const out: { line: number; result: CsvRowResult }[] = [];
  for await (const r of csvEventStream(Readable.from([Buffer.from(text)]), { ...opts, ...extra })) out.push(r);
  return out;
}

describe('rowToEvent', () => {
  const row = { email: 'a@example.com', phone: '+33612345678', first_name: 'Ada', last_name: 'L', city: 'Paris', state: '', zip: '75001', country: 'FR', event_name: 'Purchase', event_time: '2026-01-09 10:30', value: '49,90', currency: 'eur', order_id: 'POS-1' };

  it('maps a good row with defaults (physical_store, no event_id for an order\'s Purchase, UTC date)', () => {
    // The order's Purchase is named by the store's Purchase template in the transform, as the webhook names it.
    expect(rowToEvent(row, 2, DEFAULT_CSV_MAPPING, opts)).toEqual({
      ok: true,
      event: {
        event: 'purchase',
        timestamp: Date.parse('2026-01-09T10:30:00Z') / 1000,
        action_source: 'physical_store',
        value: 49.9,
        currency: 'EUR',
        order_id: 'POS-1',
        user: { email: 'a@example.com', phone: '+33612345678', first_name: 'Ada', last_name: 'L', city: 'Paris', zip: '75001', country: 'FR' },
      },
    });
  });

  it('accepts unix seconds, ISO dates, and maps standard and custom names', () => {
    const lead = rowToEvent({ ...row, event_name: 'Lead', event_time: '1767960000', value: '', order_id: '' }, 3, DEFAULT_CSV_MAPPING, opts);
    expect(lead).toMatchObject({ ok: true, event: { event: 'generate_lead', timestamp: 1767960000 } });
    const custom = rowToEvent({ ...row, event_name: 'StoreVisit', event_time: '2026-01-09T10:30:00+01:00' }, 4, DEFAULT_CSV_MAPPING, { ...opts, actionSource: 'other' });
    expect(custom).toMatchObject({ ok: true, event: { event: 'StoreVisit', integrations: { facebook: { event_name: 'StoreVisit' } }, timestamp: Date.parse('2026-01-09T09:30:00Z') / 1000, action_source: 'other' } });
  });

  it('keeps csv:{order_id} for other events with an order id, and an event_id column as given', () => {
    expect(rowToEvent({ ...row, event_name: 'StoreVisit' }, 2, DEFAULT_CSV_MAPPING, opts)).toMatchObject({ ok: true, event: { event_id: 'csv:POS-1', order_id: 'POS-1' } });
    expect(rowToEvent({ ...row, event_id: 'pos-42' }, 2, DEFAULT_CSV_MAPPING, opts)).toMatchObject({ ok: true, event: { event_id: 'pos-42' } });
  });

  it('derives a stable row hash id when there is no order id', () => {
    const a = rowToEvent({ ...row, order_id: '' }, 2, DEFAULT_CSV_MAPPING, opts);
    const b = rowToEvent({ ...row, order_id: '' }, 9, DEFAULT_CSV_MAPPING, opts);
    const c = rowToEvent({ ...row, order_id: '', value: '10' }, 2, DEFAULT_CSV_MAPPING, opts);
    expect(a.ok && a.event.event_id).toMatch(/^csv:[0-9a-f]{32}$/);
    expect(a.ok && a.event.event_id).toBe(b.ok && b.event.event_id);
    expect(a.ok && a.event.event_id).not.toBe(c.ok && c.event.event_id);
  });

  it('reports bad rows with their line number', () => {
    const bad = (patch: Record<string, string>, o = opts): CsvRowResult => rowToEvent({ ...row, ...patch }, 7, DEFAULT_CSV_MAPPING, o);
    expect(bad({ event_time: '' })).toEqual({ ok: false, line: 7, reason: 'event_time is empty' });
    expect(bad({ event_time: 'yesterday' })).toMatchObject({ ok: false, line: 7, reason: expect.stringContaining('neither unix seconds') as unknown });
    expect(bad({ event_time: '2027-01-01' })).toMatchObject({ reason: expect.stringContaining('future') as unknown });
    expect(bad({ value: '1.234,50' })).toMatchObject({ reason: expect.stringContaining('not a non-negative number') as unknown });
    expect(bad({ currency: 'euro' })).toMatchObject({ reason: expect.stringContaining('3-letter') as unknown });
    expect(bad({ currency: '' })).toMatchObject({ reason: 'value given without a currency' });
    expect(bad({ currency: '' }, { ...opts, currency: 'eur' } as typeof opts)).toMatchObject({ ok: true, event: { currency: 'EUR' } });
    expect(bad({ value: '' })).toMatchObject({ reason: 'a purchase needs a value' });
    expect(bad({ email: '', phone: '', last_name: '' })).toMatchObject({ reason: expect.stringContaining('no customer identifier') as unknown });
  });

  it('applies col=field overrides', () => {
    const mapping = parseCsvMapping(['E-Mail=email', 'Total=value', 'Date=event_time']);
    const r = rowToEvent({ 'E-Mail': 'b@example.com', email: 'ignored@example.com', Total: '5', Date: '2026-01-01', currency: 'USD' }, 2, mapping, opts);
    expect(r).toMatchObject({ ok: true, event: { value: 5, user: { email: 'b@example.com' } } });
    expect(() => parseCsvMapping(['x=nope'])).toThrow(/unknown field/);
    expect(() => parseCsvMapping(['=email'])).toThrow(/column=field/);
  });
});

describe('csvEventStream', () => {
  it('streams good and bad rows with file line numbers', async () => {
    const text = [
      '\uFEFFemail,event_time,value,currency,order_id',
      'a@example.com,2026-01-09 10:00,10.00,USD,1',
      '',
      'b@example.com,not-a-date,5,USD,2',
      'c@example.com,1767960000,7.5,USD',
      '"d@example.com",2026-01-08,3,USD,4',
    ].join('\n');
    const rows = await collect(text);
    expect(rows.map((r) => [r.line, r.result.ok])).toEqual([[2, true], [4, false], [5, false], [6, true]]);
    expect(rows[1]?.result).toMatchObject({ ok: false, line: 4, reason: expect.stringContaining('neither unix seconds') as unknown });
    expect(rows[3]?.result).toMatchObject({ ok: true, event: { order_id: '4', value: 3 } });
  });

  it('supports another delimiter and throws on malformed CSV', async () => {
    const rows = await collect('email;event_time;value;currency\na@example.com;1767960000;1;USD\n', { delimiter: ';' });
    expect(rows[0]?.result.ok).toBe(true);
    await expect(collect('email,event_time\n"a@example.com,1767960000\n')).rejects.toThrow();
  });

  it('reads a large input lazily', async () => {
    function* lines(): Generator<string> {
      yield 'email,event_time,value,currency\n';
      for (let i = 0; i < 20000; i++) yield `u${i}@example.com,1767960000,${i},USD\n`;
    }
    let n = 0;
    for await (const r of csvEventStream(Readable.from(lines()), opts)) {
      if (r.result.ok) n++;
      if (n === 100) break; // stopping early must not hang or throw
    }
    expect(n).toBe(100);
  });
});
