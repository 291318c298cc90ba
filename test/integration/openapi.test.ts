/**
 * /openapi.json: a valid OpenAPI 3.1 document (checked by @readme/openapi-parser), generated from the contracts
 * the routes declare, covering every route the real app registers (its onRoute hook) but the listed exclusions.
 * Real answers of the running relay are checked against the document's own schemas (ajv, draft 2020-12), and
 * input the document calls invalid is answered with the relay's 4xx error envelope.
 */
import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/http/route-contract.js';
import { signGeneric } from '../../src/sources/index.js';
import { clientModuleNames } from '../../src/dashboard/client-assets.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, ADMIN_TOKEN, ENCRYPTION_KEY, startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';

/** Routes deliberately left out of the document: the dashboard page, its styles and scripts (one per client module). */
const EXCLUDED = [
  'GET /',
  'GET /dashboard/app.css',
  'GET /dashboard/reports.css',
  'GET /dashboard/vendor/chart.umd.min.js',
  ...clientModuleNames().map((name) => `GET /dashboard/${name}.js`),
];

const PIXEL = '123456789012';
const TOKEN = 'EAAB-openapi-token';

type Json = Record<string, unknown>;
interface Operation {
  parameters?: { name: string; in: string; schema: Json }[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}
interface Doc {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

describe('/openapi.json', () => {
  let t: EmulatedRelay;
  let doc: Doc;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  /** Paths whose every documented method the scenario below called, with each status it saw. */
  const seen = new Map<string, Set<number>>();

  function schemaCheck(schema: Json, value: unknown): string | null {
    const check = ajv.compile({ ...schema, components: doc.components });
    return check(value) ? null : ajv.errorsText(check.errors);
  }

  function operation(method: string, template: string): Operation {
    const op = doc.paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${template} is not in the document`);
    return op;
  }

  /** Calls a documented route and checks the answer's status, content type and body against the document. */
  async function call(method: string, template: string, opts: { params?: Record<string, string>; query?: string; headers?: Record<string, string>; payload?: unknown } = {}): Promise<LightMyRequestResponse> {
    const url = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(opts.params?.[name] ?? ''));
    const res = await t.relay.app.inject({
      method: method as 'GET',
      url: `${url}${opts.query ?? ''}`,
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.payload !== undefined ? { payload: opts.payload as string } : {}),
    });
    const response = operation(method, template).responses[String(res.statusCode)];
    expect(response, `${method} ${template} answered ${res.statusCode}, which the document does not list: ${res.body.slice(0, 300)}`).toBeDefined();
    if (!response?.content) {
      expect(res.body, `${method} ${template} ${res.statusCode} has no documented body`).toBe('');
    } else {
      const type = String(res.headers['content-type'] ?? '').split(';')[0] as string;
      const media = response.content[type];
      expect(media, `${method} ${template} ${res.statusCode} answered ${type}, documented: ${Object.keys(response.content).join(', ')}`).toBeDefined();
      if (type === 'application/json') expect(schemaCheck(media!.schema, res.json()), `${method} ${template} ${res.statusCode} body: ${res.body.slice(0, 300)}`).toBeNull();
    }
    const key = `${method} ${template}`;
    seen.set(key, (seen.get(key) ?? new Set()).add(res.statusCode));
    return res;
  }

  beforeAll(async () => {
    t = await startEmulatedRelay(dialects[0]!, {
      emulator: { pixels: { [PIXEL]: { name: 'OpenAPI pixel', tokens: [TOKEN] } } },
      relay: { publicUrl: 'https://relay.example.com', graphVersion: 'v24.0' },
    });
    const res = await t.relay.app.inject('/openapi.json');
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => t?.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await validate(structuredClone(doc) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
    // The validator does reject a broken document (a parameter in no known place).
    const broken = structuredClone(doc);
    broken.paths['/healthz']!.get!.parameters = [{ name: 'x', in: 'nowhere', schema: {} }];
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it('describes every route the app registers, except the listed static assets', () => {
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)));
    // HEAD routes are the twins Fastify adds to every GET route (exposeHeadRoutes): the GET documents them.
    const routes = registeredRoutes(t.relay.app).filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(40);
    const missing = routes
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
      .filter((key) => !documented.has(key) && !EXCLUDED.includes(key));
    expect(missing).toEqual([]);
    // The exclusions are real routes (a renamed asset must not leave a stale entry behind), and are not documented.
    const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const key of EXCLUDED) {
      expect(registered.has(key), key).toBe(true);
      expect(documented.has(key), key).toBe(false);
    }
  });

  it('names its server, security schemes and error envelope, and holds no secret', async () => {
    expect(doc.servers).toEqual([{ url: 'https://relay.example.com' }]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminToken', 'csrfToken', 'dashboardSession', 'ga4ApiSecret', 'graphAccessToken', 'ingestKey', 'publishableKey', 'segmentWriteKey']);
    expect(doc.components.schemas.Error).toBeDefined();
    expect(operation('GET', '/api/v1/tenants').responses['401']).toBeDefined();
    const body = JSON.stringify(doc);
    for (const secret of [ADMIN_TOKEN, ENCRYPTION_KEY, TOKEN]) expect(body).not.toContain(secret);
    // Public: no credential needed.
    expect((await t.relay.app.inject({ url: '/openapi.json', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(200);
  });

  it('has a section with one curl example per operation in docs/api.md, which the README links with the document', () => {
    const page = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const sections = new Map(page.split(/^### /m).slice(1).map((part) => [part.split('\n')[0]!.trim(), part]));
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.filter((op) => !/```sh\n[^`]*\bcurl\b/.test(sections.get(op) ?? ''))).toEqual([]);
    expect([...sections.keys()].filter((heading) => !operations.includes(heading))).toEqual([]);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('/openapi.json');
    expect(readme).toContain('(docs/api.md)');
  });

  it('answers bad input the document calls invalid with the 4xx error envelope', async () => {
    const createTenant = operation('POST', '/api/v1/tenants').requestBody!.content['application/json']!.schema;
    expect(schemaCheck(createTenant, { name: '' })).not.toBeNull();
    expect(schemaCheck(createTenant, { name: 'S', extra: 1 })).not.toBeNull();
    for (const payload of [{ name: '' }, { name: 'S', extra: 1 }]) {
      const res = await call('POST', '/api/v1/tenants', { headers: ADMIN_HEADERS, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_body');
    }
    const limit = operation('GET', '/api/v1/audit').parameters!.find((p) => p.name === 'limit')!.schema;
    expect(schemaCheck(limit, 0)).not.toBeNull();
    const res = await call('GET', '/api/v1/audit', { headers: ADMIN_HEADERS, query: '?limit=0' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_parameter', message: expect.stringContaining('limit') });
    const kind = operation('POST', '/api/v1/tenants/{id}/keys/{kind}/rotate').parameters!.find((p) => p.name === 'kind')!.schema;
    expect(schemaCheck(kind, 'admin')).not.toBeNull();
    const tenant = (await call('POST', '/api/v1/tenants', { headers: ADMIN_HEADERS, payload: { name: 'Kinds' } })).json();
    const wrongKind = await call('POST', '/api/v1/tenants/{id}/keys/{kind}/rotate', { headers: ADMIN_HEADERS, params: { id: tenant.id, kind: 'admin' } });
    expect(wrongKind.statusCode).toBe(400);
    expect(wrongKind.json().error.code).toBe('invalid_parameter');
  });

  it('answers as documented on every route a store uses, from setup to reports', async () => {
    const admin = ADMIN_HEADERS;
    const json = { ...admin, 'content-type': 'application/json' };
    await call('GET', '/healthz');
    await call('GET', '/readyz');
    await call('GET', '/metrics');
    await call('GET', '/openapi.json');
    expect((await call('GET', '/api/v1/tenants')).statusCode).toBe(401);

    const tenant = (await call('POST', '/api/v1/tenants', { headers: admin, payload: { name: 'Documented store' } })).json();
    const id = tenant.id as string;
    await call('GET', '/api/v1/tenants', { headers: admin });
    await call('GET', '/api/v1/tenants/{id}', { headers: admin, params: { id } });
    expect((await call('GET', '/api/v1/tenants/{id}', { headers: admin, params: { id: 'nope' } })).statusCode).toBe(404);
    await call('GET', '/api/v1/relay-info', { headers: admin });
    await call('PUT', '/api/v1/tenants/{id}/policy', { headers: admin, params: { id }, payload: {} });
    await call('POST', '/api/v1/tenants/{id}/status', { headers: admin, params: { id }, payload: { status: 'active' } });
    await call('POST', '/api/v1/tenants/{id}/forwarding', { headers: admin, params: { id }, payload: { forwarding: true } });

    const pixel = (await call('POST', '/api/v1/tenants/{id}/pixels', { headers: admin, params: { id }, payload: { pixelId: PIXEL, accessToken: TOKEN } })).json();
    const pixelRow = pixel.id as string;
    await call('GET', '/api/v1/tenants/{id}/pixels', { headers: admin, params: { id } });
    await call('PUT', '/api/v1/pixels/{id}/settings', { headers: admin, params: { id: pixelRow }, payload: { testEventCode: 'TEST123' } });
    await call('POST', '/api/v1/pixels/{id}/rotate', { headers: admin, params: { id: pixelRow }, payload: { accessToken: TOKEN } });
    await call('POST', '/api/v1/pixels/{id}/status', { headers: admin, params: { id: pixelRow }, payload: { status: 'active' } });
    await call('POST', '/api/v1/pixels/{id}/test-connection', { headers: admin, params: { id: pixelRow } });
    await call('POST', '/api/v1/pixels/{id}/simulate', { headers: admin, params: { id: pixelRow }, payload: { eventName: 'Purchase' } });

    const ingest = { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' };
    const now = Math.floor(Date.now() / 1000);
    const event = { event: 'purchase', event_id: 'purchase:D1', order_id: 'D1', value: 10, currency: 'EUR', timestamp: now - 60, user: { email: 'ann@example.com', ip: '203.0.113.9', user_agent: 'Mozilla/5.0', fbp: 'fb.1.1700000000000.42' } };
    await call('POST', '/v1/events', { headers: ingest, payload: { events: [event, { event: 'purchase' }] } });
    expect((await call('POST', '/v1/events', { headers: { ...ingest, authorization: 'Bearer cr_ingest_wrong' }, payload: event })).statusCode).toBe(401);
    expect((await call('POST', '/v1/events', { headers: ingest, payload: '{' })).statusCode).toBe(400);
    const page = (await call('GET', '/v1/events', { headers: ingest })).json();
    await call('GET', '/v1/events/{id}', { headers: ingest, params: { id: page.items[0].id } });
    await call('GET', '/api/v1/tenants/{id}/events', { headers: admin, params: { id } });
    await call('GET', '/api/v1/tenants/{id}/events/{eventId}', { headers: admin, params: { id, eventId: page.items[0].id } });
    await call('GET', '/api/v1/tenants/{id}/events/{eventId}/details', { headers: admin, params: { id, eventId: page.items[0].id } });
    await call('GET', '/api/v1/tenants/{id}/overview', { headers: admin, params: { id } });
    await call('GET', '/api/v1/tenants/{id}/alerts', { headers: admin, params: { id } });
    await call('GET', '/api/v1/alerts', { headers: admin });
    await call('GET', '/api/v1/tenants/{id}/setup', { headers: admin, params: { id } });
    await call('GET', '/api/v1/tenants/{id}/keys/publishable', { headers: admin, params: { id } });

    const source = (await call('POST', '/api/v1/tenants/{id}/sources', { headers: admin, params: { id }, payload: { platform: 'generic', secret: 'generic-secret' } })).json();
    await call('GET', '/api/v1/tenants/{id}/sources', { headers: admin, params: { id } });
    const raw = JSON.stringify({ ...event, event_id: 'purchase:W1', order_id: 'W1' });
    const signed = { 'content-type': 'application/json', 'x-capi-relay-signature': signGeneric('generic-secret', Buffer.from(raw), Math.floor(Date.now() / 1000)), 'x-capi-relay-delivery-id': 'dlv-1' };
    await call('POST', '/v1/webhooks/{platform}/{sourceId}', { params: { platform: 'generic', sourceId: source.id }, headers: signed, payload: raw });
    await call('POST', '/v1/webhooks/{platform}/{sourceId}', { params: { platform: 'generic', sourceId: source.id }, headers: signed, payload: raw });
    expect((await call('POST', '/v1/webhooks/{platform}/{sourceId}', { params: { platform: 'generic', sourceId: source.id }, headers: { 'content-type': 'application/json' }, payload: raw })).statusCode).toBe(401);
    await call('POST', '/api/v1/sources/{id}/rotate-secret', { headers: admin, params: { id: source.id }, payload: { secret: 'generic-secret-2' } });
    await call('POST', '/api/v1/sources/{id}/status', { headers: admin, params: { id: source.id }, payload: { status: 'disabled' } });
    await call('GET', '/api/v1/tenants/{id}/switches', { headers: admin, params: { id } });
    await call('PUT', '/api/v1/tenants/{id}/switches', { headers: admin, params: { id }, payload: { Lead: false } });
    await call('POST', '/api/v1/tenants/{id}/imports', { headers: { ...admin, 'content-type': 'text/csv' }, params: { id }, query: '?dry_run=1', payload: `email,event_time,value,currency,order_id\nc@example.com,${now - 60},5,EUR,C-1\n,x,1,EUR,C-2\n` });

    await call('GET', '/api/v1/tenants/{id}/snippet', { headers: admin, params: { id } });
    await call('PUT', '/api/v1/tenants/{id}/snippet', { headers: admin, params: { id }, payload: { loadPixel: true } });
    await call('POST', '/api/v1/tenants/{id}/origins', { headers: admin, params: { id }, payload: { origin: 'https://shop.example.com' } });
    await call('POST', '/api/v1/tenants/{id}/origins', { headers: admin, params: { id }, payload: { origin: 'https://old.example.com' } });
    await call('GET', '/api/v1/tenants/{id}/origins', { headers: admin, params: { id } });
    await call('DELETE', '/api/v1/tenants/{id}/origins', { headers: json, params: { id }, payload: { origin: 'https://old.example.com' } });
    await call('GET', '/sdk.js', { query: `?key=${tenant.publishableKey}` });
    await call('GET', '/api/v1/tenants/{id}/shopify-pixel', { headers: admin, params: { id }, query: `?key=${tenant.publishableKey}` });
    await call('OPTIONS', '/v1/collect', { headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } });
    const origin = { origin: 'https://shop.example.com', 'content-type': 'text/plain' };
    await call('POST', '/v1/collect', { headers: origin, payload: JSON.stringify({ key: tenant.publishableKey, event: 'ViewContent', fbp: 'fb.1.1700000000000.42' }) });
    expect((await call('POST', '/v1/collect', { headers: { ...origin, origin: 'https://evil.example' }, payload: '{}' })).statusCode).toBe(403);

    const basic = { authorization: `Basic ${Buffer.from(`${tenant.ingestKey}:`).toString('base64')}`, 'content-type': 'application/json' };
    await call('POST', '/v1/identify', { headers: basic, payload: { userId: 'u1', traits: { email: 'ann@example.com' } } });
    await call('POST', '/v1/track', { headers: basic, payload: { userId: 'u1', event: 'Product Viewed', properties: { product_id: 'p1', price: 5, currency: 'EUR' } } });
    await call('POST', '/v1/page', { headers: basic, payload: { userId: 'u1', name: 'Home' } });
    await call('POST', '/v1/batch', { headers: basic, payload: { batch: [{ type: 'track', userId: 'u1', event: 'Order Completed', properties: { order_id: 'S1', total: 5, currency: 'EUR' } }] } });
    const ga4 = `?measurement_id=G-1&api_secret=${tenant.ingestKey}`;
    const mp = { client_id: 'c1', events: [{ name: 'purchase', params: { transaction_id: 'M1', value: 5, currency: 'EUR' } }] };
    await call('POST', '/debug/mp/collect', { query: ga4, headers: { 'content-type': 'application/json' }, payload: mp });
    await call('POST', '/mp/collect', { query: ga4, headers: { 'content-type': 'application/json' }, payload: mp });
    const graphEvent = { event_name: 'Purchase', event_time: now - 60, event_id: 'purchase:G1', action_source: 'website', event_source_url: 'https://shop.example.com/', user_data: { em: ['ann@example.com'], client_user_agent: 'Mozilla/5.0' }, custom_data: { value: 5, currency: 'EUR' } };
    await call('POST', '/{version}/{pixelId}/events', { params: { version: 'v24.0', pixelId: PIXEL }, headers: { 'content-type': 'application/json' }, payload: { data: [graphEvent], access_token: tenant.ingestKey } });
    expect((await call('POST', '/{version}/{pixelId}/events', { params: { version: 'v24.0', pixelId: PIXEL }, query: '?access_token=cr_ingest_wrong', headers: { 'content-type': 'application/json' }, payload: { data: [graphEvent] } })).statusCode).toBe(401);

    for (const report of ['events-per-hour', 'acceptance-summary', 'attribution', 'match-quality']) {
      await call('GET', `/api/v1/tenants/{id}/reports/${report}`, { headers: admin, params: { id } });
    }
    await call('GET', '/api/v1/tenants/{id}/reports/attribution', { headers: admin, params: { id }, query: '?format=csv' });
    await call('GET', '/api/v1/tenants/{id}/reports/acceptance', { headers: admin, params: { id }, query: '?order_id=D1' });
    expect((await call('GET', '/api/v1/tenants/{id}/reports/acceptance-summary', { headers: admin, params: { id }, query: '?from=2&to=1' })).statusCode).toBe(400);

    await call('POST', '/api/v1/tenants/{id}/replay', { headers: admin, params: { id }, payload: {} });
    await call('POST', '/api/v1/tenants/{id}/forget', { headers: admin, params: { id }, payload: { email: 'nobody@example.com' } });
    await call('POST', '/api/v1/tenants/{id}/events/clear', { headers: admin, params: { id } });
    await call('GET', '/api/v1/tenants/{id}/audit', { headers: admin, params: { id } });
    await call('GET', '/api/v1/audit', { headers: admin });
    await call('POST', '/api/v1/tenants/{id}/keys/{kind}/rotate', { headers: admin, params: { id, kind: 'publishable' } });

    const login = await call('POST', '/dashboard/login', { headers: { 'content-type': 'application/json' }, payload: { password: ADMIN_TOKEN } });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const session = (await call('GET', '/dashboard/session', { headers: { cookie } })).json();
    expect((await call('POST', '/api/v1/tenants/{id}/forwarding', { headers: { cookie }, params: { id }, payload: { forwarding: true } })).statusCode).toBe(403);
    await call('POST', '/dashboard/logout', { headers: { cookie, 'x-csrf-token': session.csrfToken } });
    expect((await call('GET', '/dashboard/session', { headers: { cookie } })).statusCode).toBe(401);

    // Every documented operation was called at least once above with an answer the document lists.
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.filter((op) => !seen.has(op))).toEqual([]);
  });
});
