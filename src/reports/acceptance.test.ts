import { describe, expect, it } from 'vitest';
import { acceptanceChain, reconcile } from './acceptance.js';
import { acceptanceSummary } from './acceptance-summary.js';
import type { EventRow, OrderRow } from './rows.js';

const T0 = Date.UTC(2026, 10, 1, 12);
const HOUR = 3_600_000;
let n = 0;
function ev(p: Partial<EventRow> & Pick<EventRow, 'eventName' | 'source'>): EventRow {
  n++;
  return {
    id: `r${n}`, eventId: `e${n}`, orderId: null, eventTime: T0, receivedAt: T0, status: 'done',
    userDataKeys: [], value: null, currency: null,
    deliveries: [{ pixelRowId: 'px1', status: 'sent', fbtraceId: `t${n}`, lastError: null }], ...p,
  };
}
const order = (orderId: string, p: Partial<OrderRow> = {}): OrderRow =>
  ({ orderId, total: 100, currency: 'EUR', createdAt: T0, ...p });
const purchase = (orderId: string, source: string, p: Partial<EventRow> = {}): EventRow =>
  ev({ eventName: 'Purchase', source, orderId, eventId: `purchase:${orderId}`, value: 100, currency: 'EUR', ...p });

describe('reconcile', () => {
  it('accepts a difference up to 0.01 and compares currency case-insensitively', () => {
    expect(reconcile({ value: 100.01, currency: 'eur' }, order('o'))).toMatchObject({ valueMatches: true, currencyMatches: true });
    expect(reconcile({ value: 99.99, currency: 'EUR' }, order('o')).valueMatches).toBe(true);
    expect(reconcile({ value: 100.02, currency: 'EUR' }, order('o')).valueMatches).toBe(false);
    expect(reconcile({ value: null, currency: null }, order('o'))).toMatchObject({ valueMatches: false, currencyMatches: false });
    expect(reconcile({ value: 100, currency: 'USD' }, order('o')).currencyMatches).toBe(false);
  });
});

describe('acceptanceChain', () => {
  it('lays out the funnel of one order with its session, dedup and per-pixel delivery', () => {
    const o = order('1001', { fbp: 'fb.1.1.1' });
    const events = [
      ev({ eventName: 'ViewContent', source: 'browser', fbp: 'fb.1.1.1', eventTime: T0 - HOUR }),
      ev({ eventName: 'ViewContent', source: 'browser', fbp: 'fb.1.1.1', eventTime: T0 - HOUR + 5 }),
      ev({ eventName: 'AddToCart', source: 'browser', fbp: 'fb.1.1.1', eventTime: T0 - 30 }),
      ev({ eventName: 'AddToCart', source: 'browser', fbp: 'other', eventTime: T0 - 30 }),
      purchase('1001', 'browser', { fbp: 'fb.1.1.1' }),
      purchase('1001', 'webhook:shopify', {
        value: 90, currency: 'eur',
        deliveries: [
          { pixelRowId: 'px1', status: 'sent', fbtraceId: 'x', lastError: null },
          { pixelRowId: 'px2', status: 'failed', fbtraceId: null, lastError: 'timeout' },
        ],
      }),
    ];
    const { steps } = acceptanceChain(events, { orderId: '1001' }, o);
    expect(steps.map((s) => [s.eventName, s.dedup, s.browserCount, s.serverCount])).toEqual([
      ['ViewContent', 'browser-only', 2, 0],
      ['AddToCart', 'browser-only', 1, 0],
      ['InitiateCheckout', 'missing', 0, 0],
      ['Purchase', 'matched', 1, 1],
    ]);
    const p = steps[3];
    expect(p?.delivered).toEqual([
      { pixelRowId: 'px1', browser: 'sent', server: 'sent' },
      { pixelRowId: 'px2', browser: null, server: 'failed' },
    ]);
    expect(p?.reconciliation?.browser).toMatchObject({ valueMatches: true, currencyMatches: true });
    expect(p?.reconciliation?.server).toMatchObject({ valueMatches: false, currencyMatches: true });
  });

  it('reports different event ids as no dedup and selects a browser session by fbp', () => {
    const events = [
      purchase('2', 'browser', { eventId: 'abc', fbp: 'S' }),
      purchase('2', 'api', { eventId: 'purchase:2', fbp: 'S' }),
    ];
    const { steps } = acceptanceChain(events, { fbp: 'S' });
    expect(steps[3]?.dedup).toBe('different-ids');
    expect(steps[3]?.reconciliation).toBeUndefined();
  });
});

describe('acceptanceSummary', () => {
  const orders = [
    order('ok'), order('nobrowser'), order('noserver'), order('late'), order('nodedup'),
    order('value'), order('currency'), order('nothing'), order('outside', { createdAt: T0 - 10 * 24 * HOUR }),
  ];
  const events = [
    purchase('ok', 'browser'), purchase('ok', 'webhook:shopify'),
    purchase('nobrowser', 'api'),
    purchase('noserver', 'browser'),
    purchase('late', 'browser'), purchase('late', 'api', { receivedAt: T0 + HOUR + 1 }),
    purchase('nodedup', 'browser', { eventId: 'random-1' }), purchase('nodedup', 'api'),
    purchase('value', 'browser', { value: 95 }), purchase('value', 'api'),
    purchase('currency', 'browser'), purchase('currency', 'api', { currency: 'USD', deliveries: [] }),
    purchase('stray', 'api'),
  ];
  const s = acceptanceSummary(orders, events, { from: T0 - 24 * HOUR, to: T0 + 24 * HOUR });
  const diag = (k: string) => s.diagnoses.find((d) => d.symptom === k);

  it('counts orders, Purchases sent, dedup rate and mismatches', () => {
    expect(s.orders).toBe(8);
    expect(s.ordersWithPurchase).toBe(7);
    expect(s.purchasesSent).toBe(11);
    expect(s.dedupedOrders).toBe(4); // ok, late, value, currency
    expect(s.dedupRate).toBeCloseTo(4 / 7);
    expect(s.mismatches).toBe(2);
    expect(s.purchasesWithoutOrder).toBe(1);
  });

  it('diagnoses each symptom with examples and a first check', () => {
    expect(diag('browser_missing')).toMatchObject({ count: 2, exampleOrderIds: ['nobrowser', 'nothing'] });
    expect(diag('server_missing')).toMatchObject({ count: 2, exampleOrderIds: ['noserver', 'nothing'] });
    expect(diag('server_late')).toMatchObject({ count: 1, exampleOrderIds: ['late'] });
    expect(diag('no_dedup')).toMatchObject({ count: 1, exampleOrderIds: ['nodedup'] });
    expect(diag('value_mismatch')).toMatchObject({ count: 1, exampleOrderIds: ['value'] });
    expect(diag('currency_mismatch')).toMatchObject({ count: 1, exampleOrderIds: ['currency'] });
    for (const d of s.diagnoses) expect(d.firstCheck.length).toBeGreaterThan(20);
  });

  it('treats a server Purchase exactly one hour after the order as on time', () => {
    const r = acceptanceSummary([order('a')], [purchase('a', 'api', { receivedAt: T0 + HOUR })], { from: T0, to: T0 + 1 });
    expect(r.diagnoses.find((d) => d.symptom === 'server_late')?.count).toBe(0);
    expect(r.dedupRate).toBe(0);
  });

  it('limits examples and answers null dedup rate without Purchases', () => {
    const many = Array.from({ length: 8 }, (_, i) => order(`m${i}`));
    const r = acceptanceSummary(many, [], { from: T0, to: T0 + 1, exampleLimit: 3 });
    expect(r.dedupRate).toBeNull();
    expect(r.diagnoses[0]).toMatchObject({ symptom: 'browser_missing', count: 8, exampleOrderIds: ['m0', 'm1', 'm2'] });
  });
});

describe('one row reported by both channels (events.channels)', () => {
  const merged = (orderId: string, p: Partial<EventRow> = {}): EventRow =>
    purchase(orderId, 'browser', { channels: ['browser', 'webhook:shopify'], ...p });

  it('is the deduplicated pair itself: matched, counted once per channel', () => {
    const { steps } = acceptanceChain([merged('m1')], { orderId: 'm1' }, order('m1', { source: 'webhook:shopify' }));
    const p = steps[3]!;
    expect([p.dedup, p.browserCount, p.serverCount]).toEqual(['matched', 1, 1]);
    expect(p.browserEvent).toBe(p.serverEvent);
    expect(p.delivered).toEqual([{ pixelRowId: 'px1', browser: 'sent', server: 'sent' }]);
    expect(p.reconciliation?.browser).toEqual(p.reconciliation?.server);
  });

  it('shows a missing channel when the server never repeated the browser event', () => {
    const { steps } = acceptanceChain([purchase('b1', 'browser', { channels: ['browser'] })], { orderId: 'b1' });
    expect(steps[3]?.dedup).toBe('browser-only');
    expect(steps[3]?.serverEvent).toBeNull();
  });

  it('does not reconcile against an order only the browser reported', () => {
    const { steps } = acceptanceChain([purchase('b2', 'browser')], { orderId: 'b2' }, order('b2', { source: 'browser' }));
    expect(steps[3]?.reconciliation).toBeUndefined();
  });

  it('summarizes merged rows as deduplicated, and dates a late server report from the order', () => {
    const orders = [
      order('m', { source: 'webhook:shopify', reportedAt: T0 + 10 }),
      order('late', { source: 'webhook:shopify', reportedAt: T0 + HOUR + 1 }),
      order('edge', { source: 'webhook:shopify', reportedAt: T0 + HOUR }),
      order('browser-only', { source: 'browser', total: 1, currency: 'USD' }),
    ];
    const events = [merged('m'), merged('late'), merged('edge'), purchase('browser-only', 'browser')];
    const s = acceptanceSummary(orders, events, { from: T0, to: T0 + 1 });
    const count = (k: string) => s.diagnoses.find((d) => d.symptom === k)?.count;
    expect(s.dedupedOrders).toBe(3);
    expect(s.dedupRate).toBe(3 / 4);
    expect(count('server_late')).toBe(1);
    expect(count('server_missing')).toBe(1);
    expect(count('browser_missing')).toBe(0);
    // The browser-only order's own figures (1 USD vs the event's 100 EUR) are not a mismatch: there is no store total.
    expect([count('value_mismatch'), count('currency_mismatch'), s.mismatches]).toEqual([0, 0, 0]);
  });

  it('flags value and currency mismatches of a merged row against the store order', () => {
    const s = acceptanceSummary(
      [order('v', { source: 'webhook:shopify', total: 100.02 }), order('c', { source: 'webhook:shopify', currency: 'usd' })],
      [merged('v'), merged('c')],
      { from: T0, to: T0 + 1 },
    );
    const ids = (k: string) => s.diagnoses.find((d) => d.symptom === k)?.exampleOrderIds;
    expect(ids('value_mismatch')).toEqual(['v']);
    expect(ids('currency_mismatch')).toEqual(['c']);
    expect(s.mismatches).toBe(2);
  });
});
