/**
 * Findings of a black-box probe of the public HTTP surface (hostile input on every route), each kept as a
 * regression test: a 4xx in the route's own error envelope, never a 500, on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS as admin, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

const PIXEL = '123456789012345';

describe.each(dialects)('HTTP probe findings on $name', (dialect) => {
  let t: TestRelay;
  let tenant: { id: string; ingestKey: string; publishableKey: string };

  beforeAll(async () => {
    t = await startTestRelay(dialect, { logLevel: 'warn' });
    tenant = await createTenantViaApi(t, 'Probe');
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: PIXEL, accessToken: 'EAAB-probe-0123456789' });
  });
  afterAll(async () => {
    try {
      // Nothing here may reach a root or route error handler's 500 branch.
      expect(t.logs.filter((l) => l.includes('unhandled error'))).toEqual([]);
    } finally {
      await t?.close();
    }
  });

  it("the Graph endpoint answers Meta's code 100 (400), not a 500, to an empty JSON body, a form without a boundary or a refused query parameter", async () => {
    const url = `/v24.0/${PIXEL}/events?access_token=${tenant.ingestKey}`;
    for (const [path, contentType, payload] of [
      [url, 'application/json', ''],
      [url, 'multipart/form-data', 'data=[]'],
      [`${url}&x=%00`, 'application/json', '{"data":[]}'],
      [`${url}&x=${'a'.repeat(3000)}`, 'application/json', '{"data":[]}'],
    ] as const) {
      const res = await t.relay.app.inject({ method: 'POST', url: path, headers: { 'content-type': contentType }, payload });
      expect([path.slice(0, 80), contentType, res.statusCode]).toEqual([path.slice(0, 80), contentType, 400]);
      expect(res.json()).toMatchObject({ error: { type: 'OAuthException', code: 100, message: expect.stringMatching(/^Server Side Api Parameter Error: /), fbtrace_id: expect.any(String) } });
    }
  });

  it('a path that is not valid percent-encoding, or with a path parameter over 2,048 characters, is a 400 invalid_parameter in the relay envelope', async () => {
    const ingest = { authorization: `Bearer ${tenant.ingestKey}` };
    for (const [method, url, headers] of [
      ['GET', '/%zz', {}], ['GET', '/v1/events/%E0%A4%A', ingest], ['GET', `/api/v1/tenants/${tenant.id}%`, admin], ['POST', '/v1/webhooks/shopify/%', {}],
      ['POST', `/v24.0/%/events?access_token=${tenant.ingestKey}`, {}], ['GET', `/v1/events/${'a'.repeat(2049)}`, ingest], ['GET', `/api/v1/tenants/${'a'.repeat(2049)}`, admin],
    ] as const) {
      const res = await t.relay.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, ...(method === 'POST' ? { payload: '{}' } : {}) });
      expect([url.slice(0, 60), res.statusCode, res.json().error?.code]).toEqual([url.slice(0, 60), 400, 'invalid_parameter']);
      // The message names the rule, never the path it refused.
      expect(res.json().error.message).not.toContain('%');
    }
    // Between the router's old 100-character limit and 2,048: the route runs and answers for itself.
    const long = await t.relay.app.inject({ method: 'GET', url: `/v1/events/${'a'.repeat(150)}`, headers: ingest });
    expect([long.statusCode, long.json().error?.code]).toEqual([404, 'not_found']);
  });

  it('every /api/v1/tenants/{id}/… route answers 404 not_found for an unknown tenant (the pixel list answered 200 with none)', async () => {
    for (const path of ['', '/pixels', '/sources', '/switches', '/origins', '/snippet', '/events', '/audit', '/overview']) {
      const res = await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/00000000-0000-0000-0000-000000000000${path}`, headers: admin });
      expect([path, res.statusCode, res.json().error?.code]).toEqual([path, 404, 'not_found']);
    }
  });

  it('a cursor the relay did not issue is a 400 invalid_parameter on the event logs and the audit log (it restarted at the first page)', async () => {
    const ingest = { authorization: `Bearer ${tenant.ingestKey}` };
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const cursor of ['abc', '%FF', b64('x:y'), b64('123'), b64(':id'), b64('1e3:id'), b64('12:')]) {
      for (const [url, headers] of [['/v1/events', ingest], [`/api/v1/tenants/${tenant.id}/events`, admin]] as const) {
        const res = await t.relay.app.inject({ method: 'GET', url: `${url}?cursor=${cursor}`, headers });
        expect([url, cursor, res.statusCode, res.json().error?.code]).toEqual([url, cursor, 400, 'invalid_parameter']);
      }
    }
    for (const cursor of ['abc', b64('x'), b64('1.5'), b64('-3'), b64('1e3')]) {
      for (const url of ['/api/v1/audit', `/api/v1/tenants/${tenant.id}/audit`]) {
        const res = await t.relay.app.inject({ method: 'GET', url: `${url}?cursor=${cursor}`, headers: admin });
        expect([url, cursor, res.statusCode, res.json().error?.code]).toEqual([url, cursor, 400, 'invalid_parameter']);
      }
    }
    // An empty cursor (`cursor=`, as README's example writes it) is the first page, as before.
    for (const [url, headers] of [['/v1/events?cursor=', ingest], [`/api/v1/tenants/${tenant.id}/events?cursor=`, admin], ['/api/v1/audit?cursor=', admin]] as const) {
      expect([url, (await t.relay.app.inject({ method: 'GET', url, headers })).statusCode]).toEqual([url, 200]);
    }
    // The cursors the relay answers still page on.
    for (let i = 0; i < 3; i++) {
      const r = await t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { ...ingest, 'content-type': 'application/json' }, payload: { event: 'purchase', order_id: `cur-${i}`, value: 1, currency: 'EUR', user: { email: 'c@example.com' } } });
      expect(r.statusCode).toBe(202);
    }
    const first = (await t.relay.app.inject({ method: 'GET', url: '/v1/events?limit=2', headers: ingest })).json<{ items: unknown[]; nextCursor: string }>();
    expect(first.items).toHaveLength(2);
    const second = await t.relay.app.inject({ method: 'GET', url: `/v1/events?limit=2&cursor=${first.nextCursor}`, headers: ingest });
    expect([second.statusCode, second.json().items.length]).toEqual([200, 1]);
    // Two audited changes at least (the tenant's creation and this), so the first page of one has a next.
    await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin: 'https://shop.example' } });
    const audit = (await t.relay.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1', headers: admin })).json<{ nextCursor: string }>();
    const next = await t.relay.app.inject({ method: 'GET', url: `/api/v1/audit?limit=1&cursor=${audit.nextCursor}`, headers: admin });
    expect([next.statusCode, next.json().items.length]).toEqual([200, 1]);
  });

  it('a body or query with thousands of unknown keys gets a short message naming the first few (it listed every one: 3.8 MB for a 1.8 MB body)', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const body = JSON.stringify(Object.fromEntries(keys.map((k) => [k, 1])));
    for (const [method, url] of [['PUT', `/api/v1/tenants/${tenant.id}/policy`], ['PUT', `/api/v1/tenants/${tenant.id}/snippet`], ['POST', `/api/v1/tenants/${tenant.id}/forget`]] as const) {
      const res = await t.relay.app.inject({ method, url, headers: { ...admin, 'content-type': 'application/json' }, payload: body });
      expect([url, res.statusCode, res.json().error?.code]).toEqual([url, 400, 'invalid_body']);
      expect(res.json().error.message).toMatch(/Unrecognized keys: "k0", "k1", "k2" and 4997 more$/);
    }
    const query = await t.relay.app.inject({ method: 'GET', url: `/v1/events?${keys.slice(0, 800).map((k) => `${k}=1`).join('&')}`, headers: { authorization: `Bearer ${tenant.ingestKey}` } });
    expect([query.statusCode, query.json().error?.code, query.json().error?.message]).toEqual([400, 'invalid_parameter', 'Unrecognized keys: "k0", "k1", "k2" and 797 more']);
    // One unknown key reads as before.
    const one = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/forget`, headers: admin, payload: { email: 'a@b.co', nope: 1 } });
    expect(one.json().error?.message).toBe('body: Unrecognized key: "nope"');
  });

  it('a blank tenant name or source secret is a 400 invalid_body, not a store named " " or a secret anyone can guess', async () => {
    const blank = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload: { name: '   ' } });
    expect([blank.statusCode, blank.json().error?.code, blank.json().error?.message]).toEqual([400, 'invalid_body', 'body name: must not be blank']);
    const trimmed = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload: { name: '  Shop  ' } });
    expect(trimmed.statusCode).toBe(201);
    expect((await t.relay.tenants.getTenant(trimmed.json().id)).name).toBe('Shop');
    const secret = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/sources`, headers: admin, payload: { platform: 'generic', secret: ' \t ' } });
    expect([secret.statusCode, secret.json().error?.code, secret.json().error?.message]).toEqual([400, 'invalid_body', 'body secret: must not be blank']);
  });

  it('the same Meta pixel twice in one store is a 409 already_exists (each event would go to it twice); a disabled twin does not count', async () => {
    const add = () => t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/pixels`, headers: admin, payload: { pixelId: PIXEL, accessToken: 'EAAB-probe-twin-0123456789' } });
    const twin = await add();
    expect([twin.statusCode, twin.json().error?.code]).toEqual([409, 'already_exists']);
    const [first] = (await t.relay.tenants.listPixels(tenant.id)).filter((p) => p.pixelId === PIXEL);
    const disable = (id: string, status: string) => t.relay.app.inject({ method: 'POST', url: `/api/v1/pixels/${id}/status`, headers: admin, payload: { status } });
    expect((await disable(first!.id, 'disabled')).statusCode).toBe(200);
    const again = await add();
    expect(again.statusCode).toBe(201);
    // Enabling the old one again would make the twin: refused the same way.
    const back = await disable(first!.id, 'active');
    expect([back.statusCode, back.json().error?.code]).toEqual([409, 'already_exists']);
    expect((await t.relay.tenants.listPixels(tenant.id)).filter((p) => p.pixelId === PIXEL && p.status === 'active')).toHaveLength(1);
  });

  it('an unknown key that is not a plain field name (an e-mail address used as a key) is counted, never repeated', async () => {
    const email = 'pii.canary.probe@example.org';
    const forget = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/forget`, headers: admin, payload: { [email]: true } });
    expect([forget.statusCode, forget.json().error?.code, forget.json().error?.message]).toEqual([400, 'invalid_body', 'body: an unrecognized key (not shown: not plain field names)']);
    const policy = await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/policy`, headers: admin, payload: { [email]: 1, nope: 2 } });
    expect(policy.json().error?.message).toBe('policy: Unrecognized keys: "nope" and 1 more');
    const query = await t.relay.app.inject({ method: 'GET', url: `/v1/events?${encodeURIComponent(email)}=1`, headers: { authorization: `Bearer ${tenant.ingestKey}` } });
    expect([query.statusCode, query.json().error?.code]).toEqual([400, 'invalid_parameter']);
    for (const res of [forget, policy, query]) expect(res.body).not.toContain('pii.canary');
  });
});
