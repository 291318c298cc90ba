/**
 * Stripe webhooks signed by Stripe's own Node library (`stripe.webhooks.generateTestHeaderString`, the scheme its
 * servers use), not by the relay's test code: what the library signs, the relay accepts; what the library's own
 * `constructEvent` refuses (a changed body, a wrong secret, a stale timestamp), the relay refuses too.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS as admin, addPixelViaApi, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

const SECRET = 'whsec_library_test_0123456789';
const NOW = Date.parse('2026-03-02T10:00:00Z') + 250;
const NOW_S = Math.floor(NOW / 1000);
const stripe = new Stripe('sk_test_library_only_signs');

describe.each(dialects)("Stripe's library signing, on $name", (dialect) => {
  let t: TestRelay;
  let sourceId: string;
  const clock = steppedClock(NOW);

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false }, clock.now);
    const tenantId = (await createTenantViaApi(t, 'Stripe library')).id;
    await addPixelViaApi(t, tenantId, { pixelId: '123456789012345', accessToken: 'EAAB-stripe-lib-0123' });
    const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/sources`, headers: admin, payload: { platform: 'stripe', secret: SECRET } });
    expect(res.statusCode).toBe(201);
    sourceId = res.json().id;
  });
  afterAll(async () => t?.close());

  const paymentSucceeded = (pi: string) =>
    JSON.stringify({ id: `evt_${pi}`, object: 'event', type: 'payment_intent.succeeded', created: NOW_S - 30, data: { object: { id: pi, object: 'payment_intent', amount_received: 4250, currency: 'eur', created: NOW_S - 30, receipt_email: 'Lib.Buyer@Example.com' } } });
  const header = (payload: string, opts: { secret?: string; timestamp?: number } = {}) =>
    stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? SECRET, timestamp: opts.timestamp ?? NOW_S });
  const send = (payload: string, signature: string) =>
    t.relay.app.inject({ method: 'POST', url: `/v1/webhooks/stripe/${sourceId}`, headers: { 'content-type': 'application/json', 'stripe-signature': signature }, payload });
  /** Stripe's own verdict on the same request, at the relay's clock and default tolerance (300 s). */
  const stripeAccepts = (payload: string, signature: string) => {
    try {
      stripe.webhooks.constructEvent(payload, signature, SECRET, 300, undefined, NOW);
      return true;
    } catch {
      return false;
    }
  };

  it('accepts a payment_intent.succeeded the library signed, as a Purchase of 42.50 EUR', async () => {
    const body = paymentSucceeded('pi_lib_1');
    const res = await send(body, header(body));
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([expect.objectContaining({ status: 'accepted', event_id: 'purchase:pi_lib_1' })]);
  });

  it("refuses what the library's own constructEvent refuses, with the same verdict", async () => {
    const body = paymentSucceeded('pi_lib_2');
    const cases: [string, string, string][] = [
      ['a body changed after signing', body.replace('4250', '4251'), header(body)],
      ['another secret', body, header(body, { secret: 'whsec_someone_else' })],
      ['signed 301 s ago', body, header(body, { timestamp: NOW_S - 301 })],
    ];
    for (const [what, payload, signature] of cases) {
      const res = await send(payload, signature);
      expect([what, res.statusCode], what).toEqual([what, 401]);
      expect(stripeAccepts(payload, signature), what).toBe(false);
    }
    // The edge Stripe's library accepts (exactly 300 s, whole seconds) the relay accepts too.
    const edge = header(body, { timestamp: NOW_S - 300 });
    expect(stripeAccepts(body, edge)).toBe(true);
    expect((await send(body, edge)).statusCode).toBe(200);
  });
});
