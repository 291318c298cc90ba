/**
 * Compressed request bodies (src/http/request-encoding.ts): RudderStack's Node SDK gzips every batch by default, so
 * the drop-in endpoints read gzip (and deflate, brotli) bodies; the body limit holds for the decompressed size;
 * a corrupt body or a coding the relay does not read is a clear 4xx, never a 500.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import Analytics from '@rudderstack/rudder-sdk-node';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { signGeneric } from '../../src/sources/generic.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, type EmulatedStore, type TestRelay, useEmulatedStore } from '../helpers/relay.js';

const PIXEL = '222222222222';
const BODY_LIMIT = 64 * 1024;

describe.each(dialects)('compressed request bodies on $name', (dialect) => {
  const clock = steppedClock();
  let emulator: Emulator;
  let t: TestRelay;
  let tenant: EmulatedStore['tenant'];
  useEmulatedStore(dialect, clock, { [PIXEL]: { name: 'A', tokens: ['tok-A'] } }, (store) => ({ emulator, t, tenant } = store), { relay: { bodyLimitBytes: BODY_LIMIT } });

  async function drain() {
    for (let i = 0; i < 20 && (await t.relay.engine!.tick()) > 0; i++);
  }
  const sent = () => emulator.state.events({ pixelId: PIXEL }).map((r) => r.event);
  const event = (id: string) => ({ event: 'purchase', event_id: id, order_id: id, value: 10, currency: 'EUR', timestamp: Math.floor(clock.now() / 1000) - 60, user: { email: `${id}@example.com` } });
  const post = (url: string, headers: Record<string, string>, payload: Buffer | string) => t.relay.app.inject({ method: 'POST', url, headers, payload });
  const ingest = (encoding: string, payload: Buffer | string) =>
    post('/v1/events', { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json', 'content-encoding': encoding }, payload);

  it("RudderStack's Node SDK, gzip on as it ships, over real HTTP: every call delivered once", async () => {
    const url = await t.relay.app.listen({ host: '127.0.0.1', port: 0 });
    const errors: unknown[] = [];
    const rudder = new Analytics(tenant.ingestKey, { dataPlaneUrl: url, flushAt: 50, retryCount: 0, logLevel: 'error', errorHandler: (err: unknown) => void errors.push(err) });
    expect((rudder as unknown as { gzip: boolean }).gzip).toBe(true);
    const context = { ip: '203.0.113.9', userAgent: 'Mozilla/5.0', page: { url: 'https://shop.example.com/thanks' } };
    const timestamp = new Date(clock.now() - 60_000);
    rudder.track({ userId: 'cust-1', event: 'Order Completed', properties: { order_id: 'rs-1', total: 42.5, currency: 'EUR' }, context: { ...context, traits: { email: 'rs@example.com' } }, timestamp });
    rudder.track({ userId: 'cust-1', event: 'Product Added', properties: { product_id: 'SKU-1', price: 21.25, quantity: 2, currency: 'EUR' }, context, timestamp });
    rudder.page({ anonymousId: 'anon-1', name: 'Home', properties: { url: 'https://shop.example.com/' }, context, timestamp });
    await rudder.flush();
    expect(errors).toEqual([]);
    await drain();
    expect(sent().map((e) => e.event_name).sort()).toEqual(['AddToCart', 'PageView', 'Purchase']);
    expect(sent().find((e) => e.event_name === 'Purchase')).toMatchObject({ event_id: 'purchase:rs-1', custom_data: { value: 42.5, currency: 'EUR', order_id: 'rs-1' } });
  });

  it('gzip, x-gzip, deflate and brotli bodies are read as sent uncompressed; identity is no coding', async () => {
    const cases = [
      ['gzip', gzipSync],
      ['x-gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
      ['identity', (s: string) => Buffer.from(s)],
      ['GZIP', gzipSync],
    ] as const;
    for (const [encoding, compress] of cases) {
      const res = await ingest(encoding, compress(JSON.stringify({ events: [event(`z-${encoding}`)] })));
      expect([encoding, res.statusCode, res.json().results?.[0]?.status]).toEqual([encoding, 202, 'accepted']);
    }
    await drain();
    expect(sent()).toHaveLength(cases.length);
  });

  it("the body limit holds for the decompressed size: a small gzip that inflates past it is a 413, and the relay keeps serving", async () => {
    const bomb = gzipSync(JSON.stringify({ events: [{ ...event('bomb'), padding: 'x'.repeat(BODY_LIMIT * 16) }] }));
    expect(bomb.length).toBeLessThan(BODY_LIMIT / 8);
    const res = await ingest('gzip', bomb);
    expect([res.statusCode, res.json().error?.code]).toEqual([413, 'body_too_large']);
    expect((await ingest('gzip', gzipSync(JSON.stringify({ events: [event('after-bomb')] })))).statusCode).toBe(202);
  });

  it('a corrupt or truncated body is a 400 naming the coding; an unknown or stacked coding is a 415 before the body is read', async () => {
    const good = gzipSync(JSON.stringify({ events: [event('corrupt')] }));
    for (const [encoding, payload] of [
      ['gzip', Buffer.from('this is not gzip at all')],
      ['gzip', good.subarray(0, good.length - 12)],
      ['br', Buffer.from('not brotli')],
      ['deflate', good],
    ] as const) {
      const res = await ingest(encoding, payload);
      expect([encoding, res.statusCode, res.json().error?.code]).toEqual([encoding, 400, 'invalid_body']);
      expect(res.json().error.message).toContain(`Content-Encoding: ${encoding}`);
    }
    for (const encoding of ['zstd', 'compress', 'gzip, br', 'gzip, gzip']) {
      const res = await ingest(encoding, good);
      expect([encoding, res.statusCode, res.json().error?.code]).toEqual([encoding, 415, 'unsupported_media_type']);
      expect(res.json().error.message).toMatch(/gzip, x-gzip, deflate, br/);
    }
    // Nothing of the refused bodies was stored; a GET carrying the header (some proxies add it) is not refused.
    await drain();
    expect(sent()).toEqual([]);
    const list = await t.relay.app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-encoding': 'zstd' } });
    expect(list.statusCode).toBe(200);
  });

  it("the Graph endpoint and a generic webhook read gzip too; the webhook's signature is over the uncompressed body, as signed", async () => {
    const graph = await post(`/v24.0/${PIXEL}/events?access_token=${tenant.ingestKey}`, { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync(JSON.stringify({ data: [{ event_name: 'Lead', event_time: Math.floor(clock.now() / 1000) - 60, event_id: 'g-1', action_source: 'website', event_source_url: 'https://shop.example.com/', user_data: { em: 'lead@example.com', client_user_agent: 'Mozilla/5.0' } }] })));
    expect([graph.statusCode, graph.json()]).toEqual([200, expect.objectContaining({ events_received: 1 })]);

    const source = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/sources`, headers: ADMIN_HEADERS, payload: { platform: 'generic', secret: 'generic-secret-0123456789' } });
    expect(source.statusCode).toBe(201);
    const { id } = source.json() as { id: string };
    const body = JSON.stringify({ event: 'purchase', event_id: 'purchase:wh-1', order_id: 'wh-1', value: 5, currency: 'EUR', timestamp: Math.floor(clock.now() / 1000) - 60, user: { email: 'wh@example.com' } });
    const signature = signGeneric('generic-secret-0123456789', body, Math.floor(clock.now() / 1000));
    const webhook = await post(`/v1/webhooks/generic/${id}`, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-capi-relay-signature': signature, 'x-capi-relay-delivery-id': 'gz-1' }, gzipSync(body));
    expect(webhook.statusCode).toBeLessThan(300);
    await drain();
    expect(sent().map((e) => e.event_id).sort()).toEqual(['g-1', 'purchase:wh-1']);
  });
});
