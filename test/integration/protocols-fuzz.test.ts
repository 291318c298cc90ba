import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ERRORS } from '../../src/http/errors.js';
import { dialects } from '../helpers/databases.js';
import { startTestRelay, type TestRelay } from '../helpers/relay.js';

/**
 * The drop-in protocol endpoints under random bodies: never a 5xx, every error coded (the relay's registry on the
 * Segment and GA4 routes, Meta's numeric code on the Graph route), every Segment call answered.
 */
const PIXEL = '123456789012345';
const RUNS = 40;
const SEED = 17;

// Bodies shaped like each protocol's, with random values and random extra structure.
const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 4 }));
const segmentCall = fc.record({ type: fc.oneof(fc.constantFrom('track', 'page', 'identify', 'group', 'x'), anyValue), userId: anyValue, anonymousId: anyValue, event: fc.oneof(fc.constantFrom('Order Completed', 'Product Added'), anyValue), messageId: anyValue, properties: fc.oneof(fc.dictionary(fc.constantFrom('order_id', 'total', 'revenue', 'currency', 'products', 'price', 'quantity', 'product_id'), anyValue), anyValue), context: anyValue, traits: anyValue, timestamp: anyValue }, { requiredKeys: [] });
const graphEvent = fc.record({ event_name: anyValue, event_time: anyValue, event_id: anyValue, action_source: anyValue, user_data: anyValue, custom_data: anyValue }, { requiredKeys: [] });
const ga4Body = fc.record({ client_id: anyValue, user_id: anyValue, events: fc.oneof(fc.array(fc.record({ name: fc.oneof(fc.constantFrom('purchase', 'page_view'), anyValue), params: anyValue }, { requiredKeys: [] }), { maxLength: 30 }), anyValue), user_data: anyValue, consent: anyValue, timestamp_micros: anyValue }, { requiredKeys: [] });

describe.each(dialects)('fuzz of the drop-in protocol endpoints on $name', (dialect) => {
  let t: TestRelay;
  let tenant: { id: string; ingestKey: string };
  beforeAll(async () => {
    t = await startTestRelay(dialect, { logLevel: 'warn' });
    tenant = await t.relay.tenants.createTenant('Fuzz');
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'EAAB-fuzz' });
  });
  afterAll(async () => t?.close());

  const send = (url: string, headers: Record<string, string>, body: unknown) =>
    t.relay.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const relayCoded = (status: number, body: string) => status < 400 || Object.hasOwn(HTTP_ERRORS, (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? '');

  it('Segment /v1/batch and /v1/track', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${tenant.ingestKey}:`).toString('base64')}` };
    await fc.assert(fc.asyncProperty(fc.array(segmentCall, { maxLength: 20 }), segmentCall, async (batch, one) => {
      const b = await send('/v1/batch', auth, { batch });
      expect(b.statusCode).toBeLessThan(500);
      expect(relayCoded(b.statusCode, b.body)).toBe(true);
      if (b.statusCode === 200) expect(b.json().results).toHaveLength(batch.length);
      const o = await send('/v1/track', auth, one);
      expect(o.statusCode).toBeLessThan(500);
      expect(relayCoded(o.statusCode, o.body)).toBe(true);
    }), { numRuns: RUNS, seed: SEED });
  });

  it('GA4 /mp/collect and /debug/mp/collect', async () => {
    const q = `?measurement_id=G-1&api_secret=${encodeURIComponent(tenant.ingestKey)}`;
    await fc.assert(fc.asyncProperty(ga4Body, async (body) => {
      const c = await send(`/mp/collect${q}`, {}, body);
      expect(c.statusCode).toBeLessThan(500);
      expect(relayCoded(c.statusCode, c.body)).toBe(true);
      const d = await send(`/debug/mp/collect${q}`, {}, body);
      expect(d.statusCode).toBe(200);
      expect(Array.isArray(d.json().validationMessages)).toBe(true);
    }), { numRuns: RUNS, seed: SEED });
  });

  it('Graph /{version}/{pixel_id}/events', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.array(graphEvent, { maxLength: 10 }), anyValue), anyValue, async (data, code) => {
      const r = await send(`/v24.0/${PIXEL}/events`, {}, { data, access_token: tenant.ingestKey, test_event_code: code });
      expect(r.statusCode).toBeLessThan(500);
      const body = r.json();
      if (r.statusCode === 200) expect(body).toMatchObject({ events_received: expect.any(Number), messages: expect.any(Array), fbtrace_id: expect.any(String) });
      else expect(body.error).toMatchObject({ code: expect.any(Number), message: expect.any(String), fbtrace_id: expect.any(String) });
    }), { numRuns: RUNS, seed: SEED });
    expect(t.logs.filter((l) => l.includes('unhandled error'))).toEqual([]);
  });
});
