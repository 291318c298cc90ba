import { describe, expect, it } from 'vitest';
import { attributeOrders, attributionCsv, clickValidFor, revenueByChannel } from './attribution.js';
import type { ClickRow, OrderRow } from './rows.js';

const DAY = 24 * 3_600_000;
const T = Date.UTC(2026, 10, 20, 10);
const click = (kind: ClickRow['kind'], firstSeenAt: number, clickId = `${kind}-${firstSeenAt}`, fbp = 'B'): ClickRow =>
  ({ fbp, kind, clickId, firstSeenAt });
const order = (orderId: string, p: Partial<OrderRow> = {}): OrderRow =>
  ({ orderId, total: 50, currency: 'EUR', createdAt: T, fbp: 'B', ...p });

describe('click windows', () => {
  it.each([
    ['fbclid', 28 * DAY - 1, true],
    ['fbclid', 28 * DAY, true],
    ['fbclid', 28 * DAY + 1, false],
    ['gclid', 90 * DAY - 1, true],
    ['gclid', 90 * DAY, true],
    ['gclid', 90 * DAY + 1, false],
  ] as const)('%s seen %i ms before the order: valid=%s', (kind, age, valid) => {
    expect(clickValidFor(click(kind, T - age), T)).toBe(valid);
    const [row] = attributeOrders([order('o')], [click(kind, T - age)]);
    expect(row?.channel).toBe(valid ? (kind === 'fbclid' ? 'meta' : 'google') : 'none');
  });

  it('never credits a click seen after the order, but credits one at the same millisecond', () => {
    expect(clickValidFor(click('fbclid', T + 1), T)).toBe(false);
    expect(clickValidFor(click('fbclid', T), T)).toBe(true);
  });
});

describe('attributeOrders', () => {
  it('credits the latest valid click and keeps other valid clicks as assists', () => {
    const clicks = [
      click('fbclid', T - 3 * DAY, 'fb-old'),
      click('gclid', T - DAY, 'g-new'),
      click('fbclid', T - 40 * DAY, 'fb-expired'),
      click('fbclid', T - DAY, 'fb-other-browser', 'X'),
    ];
    const [row] = attributeOrders([order('o1')], clicks);
    expect(row?.channel).toBe('google');
    expect(row?.click?.clickId).toBe('g-new');
    expect(row?.assists.map((a) => a.clickId)).toEqual(['fb-old']);
  });

  it('sends orders without fbp or without clicks to none', () => {
    const rows = attributeOrders([order('a', { fbp: null }), order('b', { fbp: 'nobody' })], [click('fbclid', T - DAY)]);
    expect(rows.map((r) => r.channel)).toEqual(['none', 'none']);
  });
});

describe('revenueByChannel', () => {
  it('counts each order once, per currency, without float drift', () => {
    const clicks = [click('fbclid', T - DAY, 'f', 'M'), click('gclid', T - 2 * DAY, 'g', 'M'), click('gclid', T - DAY, 'g2', 'G')];
    const rows = attributeOrders([
      order('1', { fbp: 'M', total: 0.1 }),
      order('2', { fbp: 'M', total: 0.2 }),
      order('3', { fbp: 'G', total: 30 }),
      order('4', { fbp: null, total: 5, currency: 'usd' }),
      order('5', { fbp: null, total: 7 }),
    ], clicks);
    const rev = revenueByChannel(rows);
    expect(rev).toEqual([
      { channel: 'meta', currency: 'EUR', orders: 2, revenue: 0.3 },
      { channel: 'google', currency: 'EUR', orders: 1, revenue: 30 },
      { channel: 'none', currency: 'EUR', orders: 1, revenue: 7 },
      { channel: 'none', currency: 'USD', orders: 1, revenue: 5 },
    ]);
    // Orders 1 and 2 also carry a Google assist, yet revenue adds up to the orders' totals exactly once.
    expect(rows[0]?.assists.map((a) => a.kind)).toEqual(['gclid']);
    expect(rev.reduce((s, r) => s + r.orders, 0)).toBe(5);
    expect(rev.reduce((s, r) => s + r.revenue, 0)).toBeCloseTo(0.1 + 0.2 + 30 + 5 + 7, 9);
  });
});

describe('attributionCsv', () => {
  it('writes a header and quotes commas, quotes and line breaks', () => {
    const rows = attributeOrders(
      [order('A,1', { total: 12.5 }), order('say "hi"\nnow', { fbp: null })],
      [click('fbclid', T - DAY, 'IwAR,x'), click('gclid', T - 2 * DAY, 'Cj0')],
    );
    expect(attributionCsv(rows).split('\r\n')).toEqual([
      'order_id,created_at,total,currency,channel,click_kind,click_id,click_seen_at,assists',
      `"A,1",2026-11-20T10:00:00.000Z,12.5,EUR,meta,fbclid,"IwAR,x",2026-11-19T10:00:00.000Z,gclid:Cj0`,
      `"say ""hi""\nnow",2026-11-20T10:00:00.000Z,50,EUR,none,,,,`,
      '',
    ]);
  });

  it('neutralizes spreadsheet formulas in text cells', () => {
    const rows = attributeOrders([order('=HYPERLINK("x")', { fbp: null, total: -3 })], []);
    expect(attributionCsv(rows).split('\r\n')[1]).toBe(`"'=HYPERLINK(""x"")",2026-11-20T10:00:00.000Z,-3,EUR,none,,,,`);
  });
});
