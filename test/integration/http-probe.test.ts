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
    // Nothing here may reach a root or route error handler's 500 branch.
    expect(t.logs.filter((l) => l.includes('unhandled error'))).toEqual([]);
    await t?.close();
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
});
