import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../../src/sources/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, startTestRelay, type TestRelay } from '../helpers/relay.js';

const FIXTURES = new URL('../../../shared/fixtures/', import.meta.url);
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function fixture(name: string): { headers: Record<string, string>; body: Buffer } {
  return {
    headers: JSON.parse(readFileSync(new URL(`${name}.headers.json`, FIXTURES), 'utf8')) as Record<string, string>,
    body: readFileSync(new URL(`${name}.json`, FIXTURES)),
  };
}

const PLATFORMS = [
  { platform: 'shopify', secret: 'capi-relay-test-shopify-secret', fixture: 'shopify-orders-create', at: Date.parse('2022-01-01T00:10:00Z'),
    expect: { value: 404.95, currency: 'USD', orderId: '820982911946154508', email: 'jon@example.com' }, tamper: ['404.95', '4.95'] },
  { platform: 'woocommerce', secret: 'capi-relay-test-woo-secret', fixture: 'woocommerce-order-created', at: Date.parse('2017-03-22T19:30:00Z'),
    expect: { value: 29.35, currency: 'USD', orderId: '727', email: 'john.doe@example.com' }, tamper: ['"total": "29.35"', '"total": "0.01"'] },
  { platform: 'stripe', secret: 'whsec_capi_relay_test', fixture: 'stripe-payment-intent-succeeded', at: 1648320033 * 1000,
    expect: { value: 20, currency: 'USD', orderId: 'pi_000000000000000000000000', email: undefined }, tamper: ['"amount": 2000', '"amount": 1'] },
] as const;

describe.each(dialects)('webhooks on $name', (dialect) => {
  let t: TestRelay;
  let tenantId: string;
  const clock = steppedClock();
  const sourceIds: Record<string, string> = {};

  async function events(source?: string) {
    let q = t.relay.store.db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId);
    if (source) q = q.where('source', '=', source);
    return q.execute();
  }
  function post(platform: string, id: string, headers: Record<string, string>, body: Buffer | string) {
    return t.relay.app.inject({ method: 'POST', url: `/v1/webhooks/${platform}/${id}`, headers, payload: body });
  }

  beforeAll(async () => {
    t = await startTestRelay(dialect, {}, clock.now);
    tenantId = (await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload: { name: 'Hooks' } })).json().id;
    for (const [platform, secret] of [...PLATFORMS.map((p) => [p.platform, p.secret] as const), ['generic', 'generic-secret'] as const]) {
      const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/sources`, headers: admin, payload: { platform, secret } });
      expect(res.statusCode).toBe(201);
      expect(res.json().webhookUrl).toMatch(new RegExp(`/v1/webhooks/${platform}/${res.json().id}$`));
      sourceIds[platform] = res.json().id;
    }
  });
  afterAll(async () => t?.close());

  describe.each(PLATFORMS)('$platform', (p) => {
    it('rejects a tampered body with 401 and stores nothing', async () => {
      clock.set(p.at);
      const f = fixture(p.fixture);
      const tampered = f.body.toString('utf8').replace(p.tamper[0], p.tamper[1]);
      expect(tampered).not.toBe(f.body.toString('utf8'));
      const res = await post(p.platform, sourceIds[p.platform]!, f.headers, tampered);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('signature_invalid');
      expect(await events(`webhook:${p.platform}`)).toHaveLength(0);
    });

    it('accepts the signed fixture and stores the Meta event; a retry is a duplicate', async () => {
      clock.set(p.at);
      const f = fixture(p.fixture);
      const res = await post(p.platform, sourceIds[p.platform]!, f.headers, f.body);
      expect(res.statusCode).toBe(200);
      const [result] = res.json().results;
      expect(result.status).toBe('accepted');
      const rows = await events(`webhook:${p.platform}`);
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(row.event_name).toBe('Purchase');
      expect(row.order_id).toBe(p.expect.orderId);
      const payload = JSON.parse(row.payload);
      expect(payload.custom_data).toMatchObject({ value: p.expect.value, currency: p.expect.currency, order_id: p.expect.orderId });
      if (p.expect.email) {
        expect(payload.user_data.em).toEqual([sha256(p.expect.email.trim().toLowerCase())]);
        expect(row.payload).not.toContain(p.expect.email);
      }
      const again = await post(p.platform, sourceIds[p.platform]!, f.headers, f.body);
      expect(again.statusCode).toBe(200);
      expect(again.json().results[0].status).toBe('duplicate');
      expect(await events(`webhook:${p.platform}`)).toHaveLength(1);
    });
  });

  it('answers the unsigned WooCommerce ping with 200 and stores nothing', async () => {
    const before = (await events()).length;
    const res = await post('woocommerce', sourceIds.woocommerce!, { 'content-type': 'application/x-www-form-urlencoded' }, 'webhook_id=12');
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ignored');
    expect(await events()).toHaveLength(before);
  });

  it('keeps the IP when given (generic source), and answers 404 for unknown or mismatched sources', async () => {
    clock.set(Date.now());
    const body = JSON.stringify({
      event: 'purchase', event_id: 'g-1', timestamp: Math.floor(Date.now() / 1000) - 60, url: 'https://shop.example.com/thanks',
      value: 10, currency: 'EUR', order_id: 'G1', user: { email: 'Ann@Example.com', ip: '203.0.113.9', user_agent: 'Mozilla/5.0' },
    });
    const res = await post('generic', sourceIds.generic!, { 'content-type': 'application/json', 'x-capi-relay-signature': signGeneric('generic-secret', body) }, body);
    expect(res.json().results[0].status).toBe('accepted');
    const [row] = await events('webhook:generic');
    expect(row?.client_ip_address).toBe('203.0.113.9');
    expect(JSON.parse(row!.payload).user_data.em).toEqual([sha256('ann@example.com')]);
    // Verification runs over the raw bytes whatever the content type, even none at all.
    const bare = await t.relay.app.inject({ method: 'POST', url: `/v1/webhooks/generic/${sourceIds.generic}`, headers: { 'x-capi-relay-signature': signGeneric('generic-secret', body) }, payload: Buffer.from(body) });
    expect(bare.statusCode).toBe(200);
    expect(bare.json().results[0].status).toBe('duplicate');
    expect((await post('generic', 'nope', { 'content-type': 'application/json' }, '{}')).statusCode).toBe(404);
    expect((await post('shopify', sourceIds.generic!, { 'content-type': 'application/json' }, '{}')).statusCode).toBe(404);
    expect((await post('magento', sourceIds.generic!, { 'content-type': 'application/json' }, '{}')).statusCode).toBe(404);
  });

  it('keeps an unmappable delivery as a PII-free Unmappable row and answers 200', async () => {
    clock.set(Date.now());
    const body = JSON.stringify({ event: 'purchase', event_id: 'bad-1', surprise: 'jane@example.com' });
    const headers = { 'content-type': 'application/json', 'x-capi-relay-signature': signGeneric('generic-secret', body), 'x-capi-relay-delivery-id': 'dlv-1' };
    const res = await post('generic', sourceIds.generic!, headers, body);
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0].status).toBe('rejected');
    const rows = (await events('webhook:generic')).filter((r) => r.event_name === 'Unmappable');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'dropped', event_id: 'dlv-1', drop_code: 'unknown_key' });
    expect(JSON.stringify(rows[0])).not.toContain('jane@example.com');
    const notJson = 'not json at all';
    const r2 = await post('generic', sourceIds.generic!, { 'content-type': 'text/plain', 'x-capi-relay-signature': signGeneric('generic-secret', notJson) }, notJson);
    expect(r2.statusCode).toBe(200);
    expect(r2.json().results[0]).toMatchObject({ status: 'accepted', code: 'invalid_json', event_id: `sha256:${sha256(notJson)}` });
    const log = (await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenantId}/events?event_name=Unmappable`, headers: admin })).json();
    expect(log.items).toHaveLength(2);
  });

  it('accepts the previous secret after a rotation, and stops at a disabled source', async () => {
    clock.set(Date.parse('2022-01-01T00:10:00Z'));
    const rot = await t.relay.app.inject({ method: 'POST', url: `/api/v1/sources/${sourceIds.shopify}/rotate-secret`, headers: admin, payload: { secret: 'new-shopify-secret' } });
    expect(rot.statusCode).toBe(200);
    const f = fixture('shopify-orders-create');
    expect((await post('shopify', sourceIds.shopify!, f.headers, f.body)).statusCode).toBe(200);
    await t.relay.app.inject({ method: 'POST', url: `/api/v1/sources/${sourceIds.shopify}/status`, headers: admin, payload: { status: 'disabled' } });
    expect((await post('shopify', sourceIds.shopify!, f.headers, f.body)).statusCode).toBe(404);
    expect(t.logs.join('')).not.toContain('capi-relay-test-shopify-secret');
  });
});
