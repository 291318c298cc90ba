/**
 * Signed webhooks at their edges, through the real HTTP route: a signature at exactly the tolerance (whole seconds,
 * as the platform's own library judges it) while the relay clock is part-way through a second; a body re-serialized
 * after signing; and one delivery retried three times at once and once more later, which Meta must get once.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../../src/sources/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { deliveryStatusCounts } from '../helpers/delivery-states.js';
import { waitUntil } from '../helpers/processes.js';
import { ADMIN_HEADERS as admin, addPixelViaApi, createTenantViaApi, startEmulatedRelay, startTestRelay, type EmulatedRelay, type TestRelay } from '../helpers/relay.js';

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

const SHOPIFY_SECRET = 'shopify-edges-secret';
const WOO_SECRET = 'woo-edges-secret';
const PIXEL = '616161616161';
const TOKEN = 'EAAB-retries-token-0123';

describe.each(dialects)('one webhook delivery retried, on $name', (dialect) => {
  let t: EmulatedRelay;
  let base: string;
  const sources: Record<string, string> = {};

  beforeAll(async () => {
    t = await startEmulatedRelay(dialect, { emulator: { pixels: { [PIXEL]: { name: 'Retries', tokens: [TOKEN] } } } });
    base = await t.relay.listen();
    const tenantId = (await createTenantViaApi(t, 'Retries')).id;
    await addPixelViaApi(t, tenantId, { pixelId: PIXEL, accessToken: TOKEN });
    for (const [platform, secret] of [['shopify', SHOPIFY_SECRET], ['woocommerce', WOO_SECRET], ['stripe', STRIPE_SECRET], ['generic', GENERIC_SECRET]] as const) {
      const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/sources`, headers: admin, payload: { platform, secret } });
      expect(res.statusCode).toBe(201);
      sources[platform] = res.json().id;
    }
  });
  afterAll(async () => t?.close());

  /** One attempt as the platform makes it, over HTTP: `sign` runs per attempt (Stripe and the generic sender re-sign). */
  interface Platform {
    name: string;
    eventId: string;
    body: string;
    sign(body: string): Record<string, string>;
  }
  const now = () => Math.floor(Date.now() / 1000);
  const iso = new Date(Date.now() - 60_000).toISOString();
  const b64 = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64');
  const platforms = (tag: string): Platform[] => [
    {
      name: 'shopify',
      // A 64-bit order id beyond 2^53, written as Shopify writes it.
      eventId: 'purchase:820982911946154508',
      body: `{"id":820982911946154508,"email":"retry-${tag}@example.com","total_price":"10.00","currency":"EUR","created_at":"${iso}","line_items":[{"product_id":1,"quantity":1,"price":"10.00","title":"Caf\u00e9"}]}`,
      sign: (body) => ({ 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': `wh-${tag}`, 'x-shopify-hmac-sha256': b64(SHOPIFY_SECRET, body) }),
    },
    {
      name: 'woocommerce',
      eventId: 'purchase:4711',
      body: JSON.stringify({ id: 4711, status: 'processing', total: '10.00', currency: 'EUR', date_created_gmt: iso.slice(0, 19), billing: { email: `retry-${tag}@example.com` }, line_items: [] }),
      sign: (body) => ({ 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-delivery-id': `d-${tag}`, 'x-wc-webhook-source': 'https://shop.example.com/', 'x-wc-webhook-signature': b64(WOO_SECRET, body) }),
    },
    {
      name: 'stripe',
      eventId: 'purchase:pi_retry_1',
      body: JSON.stringify({ id: 'evt_retry_1', type: 'payment_intent.succeeded', created: now() - 60, data: { object: { id: 'pi_retry_1', amount_received: 1000, currency: 'eur', created: now() - 60, receipt_email: `retry-${tag}@example.com` } } }),
      // Stripe signs every attempt afresh; during a secret roll the header lists a v1 per secret.
      sign: (body) => {
        const ts = now();
        const v1 = (secret: string) => createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
        return { 'stripe-signature': `t=${ts},v1=${v1('whsec_rolled_out')},v1=${v1(STRIPE_SECRET)}` };
      },
    },
    {
      name: 'generic',
      eventId: 'order-1001-paid:0',
      body: JSON.stringify({ event: 'generate_lead', url: 'https://shop.example.com/contact', user: { email: `retry-${tag}@example.com` } }),
      sign: (body) => ({ 'x-capi-relay-signature': signGeneric(GENERIC_SECRET, body, now()), 'x-capi-relay-delivery-id': 'order-1001-paid' }),
    },
  ];
  const send = (p: Platform, body: string, headers: Record<string, string>) =>
    fetch(`${base}/v1/webhooks/${p.name}/${sources[p.name]}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const atMeta = (id: string) => t.emulator.state.events({ pixelId: PIXEL }).filter((r) => r.event.event_id === id);

  it('refuses a body re-serialized after signing (whitespace, unicode escapes) on every platform, storing nothing', async () => {
    for (const p of platforms('reserialized')) {
      const headers = p.sign(p.body);
      const reserialized = [JSON.stringify(JSON.parse(p.body), null, 1), JSON.stringify(JSON.parse(p.body)).replace(/@/g, '\\u0040')];
      for (const body of reserialized) {
        expect(body).not.toBe(p.body);
        const res = await send(p, body, headers);
        expect(res.status, `${p.name}: ${body}`).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('signature_invalid');
      }
    }
    const rows = await t.relay.store.db.selectFrom('events').select('event_id').execute();
    expect(rows).toEqual([]);
  });

  it('sends a delivery retried three times at once, then once more after it was delivered, to Meta once', async () => {
    for (const p of platforms('retried')) {
      const answers = await Promise.all([1, 2, 3].map(() => send(p, p.body, p.sign(p.body))));
      // The same signed bytes while the first copy is still being processed (generic: the signature is its
      // replay key) are asked to come back (409 delivery_in_progress, Retry-After), never told "duplicate" early.
      const statuses = answers.map((r) => r.status);
      expect(statuses, p.name).toContain(200);
      expect(statuses.every((s) => s === 200 || (p.name === 'generic' && s === 409)), `${p.name}: ${statuses.join()}`).toBe(true);
      for (const r of answers.filter((a) => a.status === 409)) {
        expect([r.headers.get('retry-after'), ((await r.json()) as { error: { code: string } }).error.code]).toEqual(['5', 'delivery_in_progress']);
      }
      await waitUntil(() => atMeta(p.eventId).length > 0, 20_000, () => `${p.name}: ${p.eventId} never reached the emulator`, 50);
      const later = await send(p, p.body, p.sign(p.body));
      expect(later.status, p.name).toBe(200);
    }
    // Anything sent twice would be at the emulator by now: every queued event has been delivered.
    await waitUntil(async () => Object.keys(await deliveryStatusCounts(t.relay.store)).join() === 'sent', 20_000, () => 'deliveries not all sent', 50);
    for (const p of platforms('retried')) {
      expect(atMeta(p.eventId), p.name).toHaveLength(1);
      const rows = await t.relay.store.db.selectFrom('events').select('event_id').where('event_id', '=', p.eventId).execute();
      expect(rows, p.name).toHaveLength(1);
    }
  });
});
