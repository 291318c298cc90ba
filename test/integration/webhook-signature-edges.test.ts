/**
 * Signed webhooks at their edges, through the real HTTP route: a signature at exactly the tolerance (whole seconds,
 * as the platform's own library judges it) while the relay clock is part-way through a second.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../../src/sources/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS as admin, addPixelViaApi, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

const STRIPE_SECRET = 'whsec_edges_test';
const GENERIC_SECRET = 'generic-edges-secret';
// Half a second into a whole second: the relay clock is rarely on a second's edge.
const NOW = Date.parse('2026-01-01T00:00:00Z') + 500;
const NOW_S = Math.floor(NOW / 1000);

describe.each(dialects)('webhook signatures at their edges on $name', (dialect) => {
  let t: TestRelay;
  let tenantId: string;
  const clock = steppedClock(NOW);
  const sources: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false }, clock.now);
    tenantId = (await createTenantViaApi(t, 'Edges')).id;
    await addPixelViaApi(t, tenantId, { pixelId: '123456789012345', accessToken: 'EAAB-edges-token-0123' });
    for (const [platform, secret] of [['stripe', STRIPE_SECRET], ['generic', GENERIC_SECRET]] as const) {
      const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/sources`, headers: admin, payload: { platform, secret } });
      expect(res.statusCode).toBe(201);
      sources[platform] = res.json().id;
    }
  });
  afterAll(async () => t?.close());

  const post = (platform: string, headers: Record<string, string>, body: string) =>
    t.relay.app.inject({ method: 'POST', url: `/v1/webhooks/${platform}/${sources[platform]}`, headers: { 'content-type': 'application/json', ...headers }, payload: body });
  const stripeEvent = (pi: string) =>
    JSON.stringify({ id: `evt_${pi}`, type: 'payment_intent.succeeded', created: NOW_S - 60, data: { object: { id: pi, object: 'payment_intent', amount_received: 1250, currency: 'eur', created: NOW_S - 60, receipt_email: 'edge@example.com' } } });
  const stripeSig = (body: string, ts: number) => `t=${ts},v1=${createHmac('sha256', STRIPE_SECRET).update(`${ts}.${body}`).digest('hex')}`;

  it('takes a signature exactly the tolerance old or ahead, in whole seconds, and refuses one a second beyond', async () => {
    clock.set(NOW);
    for (const [offset, status] of [[-300, 200], [300, 200], [-301, 401], [301, 401]] as const) {
      const stripeBody = stripeEvent(`pi_edge_${offset < 0 ? 'm' : 'p'}${Math.abs(offset)}`);
      const stripe = await post('stripe', { 'stripe-signature': stripeSig(stripeBody, NOW_S + offset) }, stripeBody);
      expect(stripe.statusCode, `stripe ${offset}: ${stripe.body}`).toBe(status);
      const genericBody = JSON.stringify({ event: 'generate_lead', event_id: `edge-${offset}`, user: { email: 'edge@example.com' } });
      const generic = await post('generic', { 'x-capi-relay-signature': signGeneric(GENERIC_SECRET, genericBody, NOW_S + offset) }, genericBody);
      expect(generic.statusCode, `generic ${offset}: ${generic.body}`).toBe(status);
      if (status === 401) {
        expect(stripe.json().error.code).toBe('timestamp_out_of_tolerance');
        expect(generic.json().error.code).toBe('timestamp_out_of_tolerance');
      }
    }
  });
});
