/**
 * Issue 18's figure (docs/reports.md, "Match quality before and after merging"): one scripted mix of traffic sent
 * to two stores of one relay, one with merging off (window 0) and one with it on, and the match-quality report's
 * identifiers per Purchase of each. 40 orders: a quarter reported by the browser only, a quarter by the server
 * only, half by both (browser first or server first, alternately), each visitor also viewing the product.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { waitUntil } from '../helpers/processes.js';
import { ADMIN_HEADERS as admin, startTestRelay, type TestRelay } from '../helpers/relay.js';

const ORIGIN = 'https://shop.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140';
const ORDERS = 40;

interface Identifier { identifier: string; share: number | null }
interface EventType { eventName: string; events: number; score: number; coverage: Identifier[] }

describe.each(dialects.slice(0, 1))('match quality before and after merging ($name)', (dialect) => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false });
    await t.relay.listen();
  });
  afterAll(async () => t?.close());

  async function scriptedDay(policy: Record<string, unknown>): Promise<EventType> {
    const tenant = await t.relay.tenants.createTenant(`Store ${JSON.stringify(policy)}`, policy);
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: String(800_000_000_000 + Math.floor(Math.random() * 1e6)), accessToken: 'tok-quality-0123456789' });
    expect((await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin: ORIGIN } })).statusCode).toBe(201);
    const browser = (order: number, event = 'Purchase') =>
      t.relay.app.inject({
        method: 'POST', url: '/v1/collect', remoteAddress: `198.51.100.${order % 250}`,
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA },
        payload: JSON.stringify({
          key: tenant.publishableKey, event, ...(event === 'Purchase' ? { event_id: `purchase:${order}`, order_id: String(order), value: 30, currency: 'EUR' } : {}),
          url: `${ORIGIN}/p/${order}`, fbp: `fb.1.1700000000000.${order}`, fbc: `fb.1.1700000000000.click${order}`, consent: true,
        }),
      });
    const server = (order: number) =>
      t.relay.app.inject({
        method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` },
        payload: { event: 'purchase', event_id: `purchase:${order}`, order_id: String(order), value: 35, currency: 'EUR', url: `${ORIGIN}/thanks`, user: { email: `c${order}@example.com`, phone: `+3361234${String(order).padStart(4, '0')}`, city: 'Lyon', id: `customer-${order}` } },
      });
    // The first order from both sides: from then on the store is known to report Purchases from both.
    await browser(0);
    await server(0);
    for (let order = 1; order <= ORDERS; order++) {
      await browser(order, 'ViewContent');
      const kind = order % 4;
      if (kind === 0) await browser(order);
      else if (kind === 1) await server(order);
      else if (kind === 2) {
        await browser(order);
        await server(order);
      } else {
        await server(order);
        await browser(order);
      }
    }
    // Copies without a partner go out alone when their window ends.
    const held = async () => Number((await t.relay.store.db.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', tenant.id).where('seq', 'is', null).executeTakeFirstOrThrow()).n);
    await waitUntil(async () => (await held()) === 0, 30_000, async () => `${await held()} still held`);
    const res = await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant.id}/reports/match-quality`, headers: admin });
    expect(res.statusCode).toBe(200);
    return (res.json() as { eventTypes: EventType[] }).eventTypes.find((e) => e.eventName === 'Purchase')!;
  }

  it('carries more identifiers per Purchase once merged', async () => {
    const before = await scriptedDay({ channelMerge: { windowSeconds: 0 } });
    const after = await scriptedDay({ channelMerge: { windowSeconds: 2 } });
    const share = (e: EventType, id: string) => e.coverage.find((i) => i.identifier === id)?.share ?? 0;
    const ids = ['em', 'ph', 'external_id', 'ct', 'fbp', 'fbc', 'client_ip_address', 'client_user_agent'];
    const pct = (x: number) => `${Math.round(x * 100)} %`;
    // The figure of docs/reports.md, printed for the record.
    console.log(['| Purchase | events | score | ' + ids.join(' | ') + ' |', `| before (window 0) | ${before.events} | ${before.score} | ${ids.map((i) => pct(share(before, i))).join(' | ')} |`, `| after (window 2 s) | ${after.events} | ${after.score} | ${ids.map((i) => pct(share(after, i))).join(' | ')} |`].join('\n'));
    expect(after.events).toBe(before.events);
    // Both-sides orders: before, the first copy only; after, the union. Every identifier is at least as well covered.
    for (const id of ids) expect(share(after, id)).toBeGreaterThanOrEqual(share(before, id));
    for (const id of ['em', 'fbp', 'fbc', 'client_ip_address']) expect(share(after, id)).toBeGreaterThan(share(before, id));
    expect(after.score).toBeGreaterThan(before.score);
  });
});
