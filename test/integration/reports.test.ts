import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { allDeliveryStates } from '../helpers/delivery-states.js';
import { waitUntil } from '../helpers/processes.js';
import { ADMIN_HEADERS as admin, startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';

const ORIGIN = 'https://shop.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140';
const PIXEL = '444444444444';
const TOKEN = 'tok-reports-0123456789';
const DAY = 86_400_000;

describe.each(dialects)('report API on $name', (dialect) => {
  let t: EmulatedRelay;
  let shop: { id: string; ingestKey: string; publishableKey: string };
  let idle: { id: string; ingestKey: string; publishableKey: string };
  const clickAt = Date.now() - DAY;
  const fbp = 'fb.1.1700000000000.1111111111';
  const fbc = `fb.1.${clickAt}.AbC123xyz`;

  function get(url: string, headers: Record<string, string> = admin) {
    return t.relay.app.inject({ method: 'GET', url, headers });
  }
  function collect(key: string, body: Record<string, unknown>) {
    return t.relay.app.inject({
      method: 'POST', url: '/v1/collect',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA },
      payload: JSON.stringify({ key, url: `${ORIGIN}/p`, consent: true, ...body }),
    });
  }
  function serverPurchase(key: string, orderId: string, value: number, extra: Record<string, unknown> = {}) {
    return t.relay.app.inject({
      method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${key}` },
      payload: { event: 'purchase', order_id: orderId, value, currency: 'EUR', url: `${ORIGIN}/thanks`, user: { email: `c${orderId}@example.com`, user_agent: UA }, ...extra },
    });
  }
  const report = (tenantId: string, path: string) => get(`/api/v1/tenants/${tenantId}/reports/${path}`);

  beforeAll(async () => {
    t = await startEmulatedRelay(dialect, { emulator: { pixels: { [PIXEL]: { name: 'Reports pixel', tokens: [TOKEN] } } } });
    t.relay.engine?.start();
    // Merging off (issue 18): this store's orders are the reports' fixture of what each channel sent on its own
    // (a browser value that differs from the order, ids that differ); channel-merge.test.ts covers merging.
    shop = await t.relay.tenants.createTenant('Shop', { channelMerge: { windowSeconds: 0 } });
    idle = await t.relay.tenants.createTenant('No pixel yet');
    await t.relay.tenants.addPixel({ tenantId: shop.id, pixelId: PIXEL, accessToken: TOKEN });
    for (const id of [shop.id, idle.id]) {
      const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${id}/origins`, headers: admin, payload: { origin: ORIGIN } });
      expect(res.statusCode).toBe(201);
    }
    const k = shop.publishableKey;
    // Order 1001: the full funnel in the browser, then the server's copy of the Purchase (same event_id).
    for (const [event, extra] of [['ViewContent', { value: 42.5 }], ['AddToCart', { value: 42.5 }], ['InitiateCheckout', { value: 42.5 }]] as const) {
      expect((await collect(k, { event, currency: 'EUR', fbp, fbc, ...extra })).statusCode).toBe(202);
    }
    expect((await collect(k, { event: 'Purchase', order_id: '1001', value: 42.5, currency: 'EUR', fbp, fbc, user: { email: 'jane@example.com' } })).json().results[0].status).toBe('accepted');
    expect((await serverPurchase(shop.ingestKey, '1001', 42.5)).json().results[0].status).toBe('duplicate');
    // 1002: browser says 45, the store says 50. 1003: browser only. 1004: server only. 1005: ids differ.
    await collect(k, { event: 'Purchase', order_id: '1002', value: 45, currency: 'EUR', fbp });
    await serverPurchase(shop.ingestKey, '1002', 50);
    await collect(k, { event: 'Purchase', order_id: '1003', value: 10, currency: 'EUR', fbp: 'fb.1.1700000000000.3333' });
    await serverPurchase(shop.ingestKey, '1004', 20);
    await collect(k, { event: 'Purchase', order_id: '1005', event_id: 'random-1005', value: 30, currency: 'EUR', fbp: 'fb.1.1700000000000.5555' });
    await serverPurchase(shop.ingestKey, '1005', 30);
    // The idle tenant has no pixel: its events are skipped (no_active_pixel), not queued forever.
    for (const r of [await collect(idle.publishableKey, { event: 'ViewContent', fbp }), await collect(idle.publishableKey, { event: 'AddToCart', fbp, value: 1, currency: 'EUR' })]) {
      expect(r.json().results[0]).toMatchObject({ status: 'skipped', code: 'no_active_pixel' });
    }

    // Wait until every shop event reached the emulator (9 rows: 4 funnel + 1002..1005 Purchases, 1005 twice)
    // and the relay has recorded Meta's answer: the emulator receives a batch before the relay marks it sent.
    const settled = async () => {
      const open = (await allDeliveryStates(t.relay.store, shop.id)).filter((d) => ['queued', 'sending', 'failed'].includes(d.status));
      return t.emulator.state.events({ pixelId: PIXEL }).length >= 9 && open.length === 0;
    };
    await waitUntil(settled, 15_000, async () => {
      const rows = await t.relay.store.db.selectFrom('events').select(['event_name', 'event_id', 'source', 'status', 'drop_code', 'channels']).execute();
      return `delivered ${t.emulator.state.events({ pixelId: PIXEL }).length} of 9: ${JSON.stringify(rows)} ${JSON.stringify(t.emulator.state.rejections())}`;
    }, 50);
  });
  afterAll(async () => t?.close());

  it('shows one order reported by both channels as a matched pair that reconciles, with its funnel', async () => {
    const res = await report(shop.id, 'acceptance?order_id=1001');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.order).toMatchObject({ orderId: '1001', total: 42.5, currency: 'EUR', source: 'api', fbp });
    expect(body.steps.map((s: { eventName: string; dedup: string }) => [s.eventName, s.dedup])).toEqual([
      ['ViewContent', 'browser-only'], ['AddToCart', 'browser-only'], ['InitiateCheckout', 'browser-only'], ['Purchase', 'matched'],
    ]);
    const purchase = body.steps[3];
    expect(purchase.browserEvent.eventId).toBe('purchase:1001');
    expect(purchase.browserEvent.channels).toEqual(['browser', 'api']);
    expect(purchase.serverEvent.eventId).toBe('purchase:1001');
    expect(purchase.reconciliation.server).toMatchObject({ valueMatches: true, currencyMatches: true });
    expect(purchase.delivered).toEqual([{ pixelRowId: expect.any(String), browser: 'sent', server: 'sent' }]);
    // No user data in the answer: identifiers are not part of the acceptance view.
    expect(JSON.stringify(body)).not.toContain('userDataKeys');
  });

  it('shows a value mismatch, a missing channel and different ids; looks a session up by fbp', async () => {
    const mismatch = (await report(shop.id, 'acceptance?order_id=1002')).json().steps[3];
    expect(mismatch.reconciliation.browser).toMatchObject({ value: 45, orderTotal: 50, valueMatches: false, currencyMatches: true });
    expect((await report(shop.id, 'acceptance?order_id=1003')).json().steps[3]).toMatchObject({ dedup: 'browser-only', serverEvent: null });
    expect((await report(shop.id, 'acceptance?order_id=1004')).json().steps[3]).toMatchObject({ dedup: 'server-only', browserEvent: null });
    expect((await report(shop.id, 'acceptance?order_id=1005')).json().steps[3].dedup).toBe('different-ids');
    const session = (await report(shop.id, `acceptance?fbp=${encodeURIComponent(fbp)}`)).json();
    expect(session.order).toBeNull();
    expect(session.steps.map((s: { dedup: string }) => s.dedup)).toEqual(['browser-only', 'browser-only', 'browser-only', 'matched']);
  });

  it('summarizes the period with the signal-loss diagnosis', async () => {
    const res = await report(shop.id, 'acceptance-summary');
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({ orders: 5, ordersWithPurchase: 5, dedupedOrders: 2, mismatches: 1, truncated: false });
    const diag = Object.fromEntries(s.diagnoses.map((d: { symptom: string; exampleOrderIds: string[] }) => [d.symptom, d.exampleOrderIds.sort()]));
    expect(diag).toMatchObject({
      browser_missing: ['1004'], server_missing: ['1003'], no_dedup: ['1005'], value_mismatch: ['1002'], currency_mismatch: [], server_late: [],
    });
    expect(s.diagnoses.every((d: { firstCheck: string }) => d.firstCheck.length > 20)).toBe(true);
  });

  it('credits the order to its Meta click, exports CSV', async () => {
    const tables = vi.spyOn(t.relay.store.db, 'selectFrom');
    const res = await report(shop.id, 'attribution');
    const read = tables.mock.calls.map(([from]) => String(from));
    tables.mockRestore();
    // Attribution needs orders, Purchases and clicks; reading deliveries would be work for nothing.
    expect(read).toContain('orders');
    expect(read).not.toContain('deliveries');
    const body = res.json();
    const byId = Object.fromEntries(body.orders.map((o: { orderId: string }) => [o.orderId, o]));
    // Clicks are compared at event_time's resolution: whole seconds.
    expect(byId['1001']).toMatchObject({ channel: 'meta', click: { kind: 'fbclid', clickId: 'AbC123xyz', firstSeenAt: Math.floor(clickAt / 1000) * 1000 } });
    expect(byId['1002'].channel).toBe('meta');
    expect(byId['1004'].channel).toBe('none');
    expect(body.revenue).toEqual([
      { channel: 'meta', currency: 'EUR', orders: 2, revenue: 92.5 },
      { channel: 'none', currency: 'EUR', orders: 3, revenue: 60 },
    ]);
    const csv = await report(shop.id, 'attribution?format=csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="attribution-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe('order_id,created_at,total,currency,channel,click_kind,click_id,click_seen_at,assists');
    expect(lines.find((l) => l.startsWith('1001,'))).toMatch(/^1001,[^,]+,42\.5,EUR,meta,fbclid,AbC123xyz,/);
    expect(lines).toHaveLength(7); // header, 5 orders, final CRLF
  });

  it('measures match quality beside Meta\'s own score, and says why Meta\'s is unavailable', async () => {
    const res = await report(shop.id, 'match-quality');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const purchase = body.eventTypes.find((e: { eventName: string }) => e.eventName === 'Purchase');
    const share = (id: string) => purchase.coverage.find((c: { identifier: string }) => c.identifier === id).share;
    // Six Purchase rows: 1001 (browser, with email), 1002/1003/1005 from the browser without one, 1004/1005 from the server with one.
    expect(purchase.events).toBe(6);
    expect(share('em')).toBe(0.5);
    expect(share('fbp')).toBe(4 / 6);
    expect(typeof purchase.score).toBe('number');
    expect(body.meta.status).toBe('available');
    const meta = body.meta.comparison.find((c: { eventName: string }) => c.eventName === 'Purchase');
    expect(meta.metaScore).toEqual(expect.any(Number));
    expect(meta.localScore).toBe(purchase.score);

    await t.relay.tenants.addPixel({ tenantId: idle.id, pixelId: '555555555555', accessToken: 'tok-unknown-0123456789' });
    const idleBody = (await report(idle.id, 'match-quality')).json();
    expect(idleBody.meta).toMatchObject({ status: 'unavailable', datasetId: '555555555555' });
    expect(idleBody.meta.reason).toMatch(/^the access token is invalid or expired/);
    // With a pixel, new events are queued (the pixel's token is refused, so they wait, paused, and keep IP and user agent).
    await collect(idle.publishableKey, { event: 'ViewContent', fbp });
    await collect(idle.publishableKey, { event: 'AddToCart', fbp, value: 1, currency: 'EUR' });
    await waitUntil(async () => {
      const busy = (await allDeliveryStates(t.relay.store, idle.id)).filter((d) => d.status !== 'queued');
      const pixel = await t.relay.store.db.selectFrom('pixels').select('status').where('tenant_id', '=', idle.id).executeTakeFirstOrThrow();
      return busy.length === 0 && pixel.status === 'paused';
    }, 15_000, async () => 'the idle pixel was not paused with its deliveries queued', 50);
    const queued = (await report(idle.id, 'match-quality')).json();
    // Events still queued keep IP and user agent, so their coverage is known.
    const view = queued.eventTypes.find((e: { eventName: string }) => e.eventName === 'ViewContent');
    expect(view.coverage.find((c: { identifier: string }) => c.identifier === 'client_ip_address')).toMatchObject({ share: 1, known: 1 });
    expect(view.coverage.find((c: { identifier: string }) => c.identifier === 'client_user_agent')).toMatchObject({ share: 1, known: 1 });
  });

  it('counts events per hour by status in SQL, every hour present', async () => {
    const res = await report(idle.id, 'events-per-hour');
    const { hours } = res.json();
    // 24 h from now: the first and last hours are partial, so 24 or 25 slots.
    expect([24, 25]).toContain(hours.length);
    const total = (s: string) => hours.reduce((n: number, h: Record<string, number>) => n + (h[s] ?? 0), 0);
    // Two skipped before the pixel was added (not resent), two queued after it.
    expect(total('skipped')).toBe(2);
    expect(total('queued')).toBe(2);
    expect(total('sent')).toBe(0);
    const shopHours = (await report(shop.id, 'events-per-hour')).json().hours;
    expect(shopHours.reduce((n: number, h: { sent: number }) => n + h.sent, 0)).toBe(9);
  });

  it('validates its input with registered codes', async () => {
    const code = async (path: string, tenantId = shop.id) => {
      const res = await report(tenantId, path);
      return [res.statusCode, res.json().error?.code];
    };
    expect(await code('acceptance')).toEqual([400, 'invalid_parameter']);
    expect(await code('acceptance?order_id=1&fbp=x')).toEqual([400, 'invalid_parameter']);
    expect(await code('acceptance?order_id=nope')).toEqual([404, 'not_found']);
    expect(await code('match-quality?from=yesterday')).toEqual([400, 'invalid_parameter']);
    expect(await code('match-quality?surprise=1')).toEqual([400, 'invalid_parameter']);
    expect(await code('match-quality?pixel=not-mine')).toEqual([404, 'not_found']);
    expect(await code('attribution?format=xml')).toEqual([400, 'invalid_parameter']);
    expect(await code('acceptance-summary?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).toEqual([400, 'invalid_period']);
    expect(await code('events-per-hour?from=0&to=3000000000')).toEqual([400, 'invalid_period']);
    expect(await code('acceptance-summary', '00000000-0000-0000-0000-000000000000')).toEqual([404, 'not_found']);
    expect((await get(`/api/v1/tenants/${shop.id}/reports/acceptance-summary`, {})).statusCode).toBe(401);
  });
});
