/**
 * One best event per conversion (issue 18): the browser's copy (POST /v1/collect) and the server's (POST /v1/events)
 * of one Purchase, through the real HTTP server, on SQLite and PostgreSQL, delivered to the Graph API emulator.
 * The clock is the test's: it steps it, and runs the relay's workers (the sweeper of held events, delivery) itself,
 * so "not sent yet" and "never twice" are checked at a given time instead of after a sleep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/transform/hash.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS as admin, startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';

const ORIGIN = 'https://shop.example';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140';
const FBP = 'fb.1.1700000000000.1234567890';
const FBC = 'fb.1.1700000000000.AbC123xyz';

describe.each(dialects)('channel merge on $name', (dialect) => {
  let t: EmulatedRelay;
  let tenant: { id: string; ingestKey: string; publishableKey: string };
  let pixelId: string;
  let nextPixel = 700_000_000_001;
  const clock = steppedClock();
  afterEach(async () => t?.close());

  /** A store with a pixel, the shop's origin, this policy, and both channels already seen reporting Purchases. */
  async function setup(policy: Record<string, unknown>) {
    clock.set(Date.now());
    t = await startEmulatedRelay(dialect, { emulator: { allowAnyPixel: true, now: clock.now }, clock: clock.now });
    // Not listening: the workers `serve` starts (delivery, the sweeper of held events) run when the test says (work()).
    tenant = await t.relay.tenants.createTenant('Store', policy);
    pixelId = String(nextPixel++);
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId, accessToken: 'tok-merge-0123456789' });
    expect((await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin: ORIGIN } })).statusCode).toBe(201);
    // The first order reported from both sides teaches the relay that this store has both (not held: not yet known).
    // Another visitor (its own fbp), so the orders below have a browser session of their own.
    expect(await browser('purchase:prime', { consent: true, fbp: 'fb.1.1700000000000.999', order_id: 'prime' })).toBe('accepted');
    expect(await server('purchase:prime')).toBe('duplicate');
    await work();
    expect(sent('purchase:prime')).toHaveLength(1);
  }

  /** What the relay's workers do at the clock's time: one pass of the sweeper of held events, then delivery until nothing is due. */
  async function work() {
    await t.relay.holds.runOnce();
    for (let i = 0; i < 20 && (await t.relay.engine!.tick()) > 0; i++);
  }

  /** Moves the clock on by `ms` and lets the workers do what is due by then. */
  async function later(ms: number) {
    clock.advance(ms);
    await work();
  }

  async function browser(eventId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await t.relay.app.inject({
      method: 'POST',
      url: '/v1/collect',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA },
      payload: JSON.stringify({ key: tenant.publishableKey, event: 'Purchase', event_id: eventId, url: `${ORIGIN}/thanks`, fbp: FBP, fbc: FBC, value: 30, currency: 'EUR', consent: true, ...extra }),
      remoteAddress: '203.0.113.7',
    });
    expect(res.statusCode).toBe(202);
    return (res.json() as { results: { status: string }[] }).results[0]!.status;
  }

  async function server(eventId: string): Promise<string> {
    const res = await t.relay.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${tenant.ingestKey}` },
      payload: {
        events: [
          {
            event: 'purchase', event_id: eventId, order_id: eventId.replace('purchase:', ''), value: 35, currency: 'EUR', timestamp: Math.floor(clock.now() / 1000) - 2,
            url: `${ORIGIN}/admin/orders`, items: [{ id: 'sku-1', quantity: 2, price: 17.5 }],
            user: { email: 'jane@example.com', city: 'Lyon', id: 'customer-42' },
          },
        ],
      },
    });
    expect(res.statusCode).toBe(202);
    return (res.json() as { results: { status: string }[] }).results[0]!.status;
  }

  const sent = (eventId: string) => t.emulator.state.events({ pixelId }).filter((e) => e.event.event_id === eventId);
  const row = (eventId: string) =>
    t.relay.store.db.selectFrom('events').select(['seq', 'status', 'channels', 'merge_outcome', 'merge_detail', 'hold_until']).where('tenant_id', '=', tenant.id).where('event_id', '=', eventId).executeTakeFirstOrThrow();

  /** What the event log (GET /api/v1/tenants/{id}/events) says of the event's merge. */
  async function logMerge(eventId: string) {
    const res = await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant.id}/events?limit=50`, headers: admin });
    expect(res.statusCode).toBe(200);
    return (res.json() as { items: { eventId: string; merge: unknown }[] }).items.find((i) => i.eventId === eventId)?.merge;
  }

  function expectMerged(eventId: string) {
    const events = sent(eventId);
    expect(events).toHaveLength(1);
    const e = events[0]!.event as { user_data: Record<string, unknown>; custom_data: Record<string, unknown>; event_source_url: string };
    // The server's value, contents and customer; the browser's cookies, device and page.
    expect(e.custom_data).toMatchObject({ value: 35, currency: 'EUR', order_id: '1002', contents: [{ id: 'sku-1', quantity: 2, item_price: 17.5 }] });
    expect(e.user_data.em).toEqual([sha256Hex('jane@example.com')]);
    expect(e.user_data.ct).toEqual([sha256Hex('lyon')]);
    expect(e.user_data.external_id).toEqual([sha256Hex('customer-42')]);
    expect(e.user_data).toMatchObject({ fbp: FBP, fbc: FBC, client_ip_address: '203.0.113.7', client_user_agent: UA });
    expect(e.event_source_url).toBe(`${ORIGIN}/thanks`);
  }

  it('browser first, then the server: one merged Purchase as soon as the server copy comes', async () => {
    await setup({ channelMerge: { windowSeconds: 30 } });
    expect(await browser('purchase:1002')).toBe('accepted');
    const held = await row('purchase:1002');
    expect(held.seq).toBeNull();
    expect(Number(held.hold_until)).toBeGreaterThan(clock.now() + 20_000);
    expect(await logMerge('purchase:1002')).toMatchObject({ state: 'held', label: 'held, waiting for its partner' });
    await later(1500);
    expect(sent('purchase:1002')).toHaveLength(0);
    expect(await server('purchase:1002')).toBe('accepted');
    // Sent at once, not at the end of the 30 s window: the clock has not moved.
    await work();
    expectMerged('purchase:1002');
    const merged = await row('purchase:1002');
    expect(merged.seq).not.toBeNull();
    expect(merged.merge_outcome).toBe('merged');
    expect(JSON.parse(merged.merge_detail!)).toEqual({ browser: 'browser', server: 'api', valueFrom: 'api' });
    expect(JSON.parse(merged.channels)).toEqual(['browser', 'api']);
    // The event log and the acceptance report say "merged", and whose value was sent.
    expect(await logMerge('purchase:1002')).toEqual({ state: 'merged', label: 'merged', holdUntil: null, valueFrom: 'api', late: null });
    const chain = await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant.id}/reports/acceptance?order_id=1002`, headers: admin });
    const purchase = (chain.json() as { steps: { eventName: string; merge: { label: string }; reconciliation: { server: { value: number; valueFrom: string; valueMatches: boolean } } }[] }).steps.find((st) => st.eventName === 'Purchase')!;
    expect(purchase.merge.label, chain.body).toBe('merged');
    expect(purchase.reconciliation.server).toMatchObject({ value: 35, valueFrom: 'api', valueMatches: true });
    // A third copy changes nothing, nor does the end of the window.
    expect(await server('purchase:1002')).toBe('duplicate');
    await later(1500);
    expect(sent('purchase:1002')).toHaveLength(1);
    await later(30_000);
    expect(sent('purchase:1002')).toHaveLength(1);
  });

  it('server first, then the browser: the same one merged Purchase', async () => {
    await setup({ channelMerge: { windowSeconds: 30 } });
    expect(await server('purchase:1002')).toBe('accepted');
    expect((await row('purchase:1002')).seq).toBeNull();
    await later(1500);
    expect(sent('purchase:1002')).toHaveLength(0);
    expect(await browser('purchase:1002')).toBe('accepted');
    await work();
    expectMerged('purchase:1002');
    expect(JSON.parse((await row('purchase:1002')).merge_detail!)).toEqual({ browser: 'browser', server: 'api', valueFrom: 'api' });
  });

  it('no partner: sent alone when the window ends; a partner after that is recorded, not sent', async () => {
    await setup({ channelMerge: { windowSeconds: 60, eventWindowSeconds: { Purchase: 2 } } });
    const started = clock.now();
    expect(await server('purchase:1003')).toBe('accepted');
    expect(Number((await row('purchase:1003')).hold_until)).toBe(started + 2_000);
    // Held until its 2 s window ends: not sent a second before, sent once it has.
    await later(1_000);
    expect(sent('purchase:1003')).toHaveLength(0);
    await later(1_000);
    expect(sent('purchase:1003')).toHaveLength(1);
    const alone = await row('purchase:1003');
    expect(alone.merge_outcome).toBe('sent_alone');
    expect(await logMerge('purchase:1003')).toMatchObject({ state: 'sent_alone', label: 'sent alone' });
    expect(sent('purchase:1003')[0]!.event).toMatchObject({ custom_data: { value: 35 } });
    expect((sent('purchase:1003')[0]!.event as { user_data: Record<string, unknown> }).user_data.fbp).toBeUndefined();

    expect(await browser('purchase:1003')).toBe('duplicate');
    await later(1500);
    expect(sent('purchase:1003')).toHaveLength(1);
    expect(await logMerge('purchase:1003')).toMatchObject({ state: 'late_partner', label: 'late partner', late: { channel: 'browser' } });
    const late = JSON.parse((await row('purchase:1003')).merge_detail!) as { late: { channel: string; adds: string[] } };
    expect(late.late.channel).toBe('browser');
    expect(late.late.adds).toEqual(expect.arrayContaining(['user_data.fbp', 'user_data.fbc', 'event_source_url']));
    // Names, never values.
    expect(JSON.stringify(late)).not.toContain(FBP);
  });

  it('a window of 0 turns merging off: the first copy is sent at once and the second is a duplicate', async () => {
    await setup({ channelMerge: { windowSeconds: 0 } });
    expect(await browser('purchase:1004')).toBe('accepted');
    expect((await row('purchase:1004')).seq).not.toBeNull();
    expect(await server('purchase:1004')).toBe('duplicate');
  });

  it('consent refused in the browser: the server copy is sent, merged, without the browser identifiers', async () => {
    await setup({ consent: { advertisingCategory: 'marketing', withoutConsent: 'drop' }, channelMerge: { windowSeconds: 30 } });
    // Refused: the browser copy is kept back (no_consent), and held for its partner.
    expect(await browser('purchase:1002', { consent: false })).toBe('skipped');
    expect((await row('purchase:1002')).seq).toBeNull();
    expect(await server('purchase:1002')).toBe('accepted');
    await work();
    expect(sent('purchase:1002')).toHaveLength(1);
    const e = sent('purchase:1002')[0]!.event as { user_data: Record<string, unknown>; custom_data: Record<string, unknown> };
    expect(e.custom_data).toMatchObject({ value: 35, currency: 'EUR' });
    expect(e.user_data.em).toEqual([sha256Hex('jane@example.com')]);
    expect(e.user_data.fbp).toBeUndefined();
    expect(e.user_data.fbc).toBeUndefined();
    expect(e.user_data.client_ip_address).toBeUndefined();
    const merged = await row('purchase:1002');
    expect([merged.status, merged.merge_outcome]).toEqual(['queued', 'merged']);
  });

  it('an erasure request while an event is held deletes it: it is never sent', async () => {
    await setup({ channelMerge: { windowSeconds: 60, eventWindowSeconds: { Purchase: 2 } } });
    expect(await server('purchase:1005')).toBe('accepted');
    expect((await row('purchase:1005')).seq).toBeNull();
    const forget = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/forget`, headers: admin, payload: { email: 'jane@example.com' } });
    expect(forget.statusCode).toBe(200);
    expect((forget.json() as { removed: { events: number } }).removed.events).toBeGreaterThanOrEqual(1);
    // Past the end of its 2 s window: the sweeper finds nothing to release.
    await later(3500);
    expect(sent('purchase:1005')).toHaveLength(0);
    expect(await t.relay.store.db.selectFrom('events').select('id').where('tenant_id', '=', tenant.id).where('event_id', '=', 'purchase:1005').executeTakeFirst()).toBeUndefined();
  });
});
