import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument, openApiPath } from './openapi.js';
import { describeRoute, type RegisteredRoute } from './route-contract.js';

type Json = Record<string, any>;

const thing = z.object({ id: z.string(), size: z.number().int().default(1) }).meta({ id: 'Thing' });
const create = describeRoute({ summary: 'Create a thing', tags: ['Admin: tenants'], auth: 'admin', body: z.strictObject({ name: z.string().min(1) }), responses: { 201: { description: 'created', schema: thing } } });
const list = describeRoute({ summary: 'List things', tags: ['Ingest'], auth: 'ingest', query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(10), tag: z.array(z.string()).optional() }), responses: { 200: { description: 'things', schema: z.object({ items: z.array(thing) }) } } });
const routes: RegisteredRoute[] = [
  { method: 'POST', url: '/api/v1/tenants/:id/things', description: create.description },
  { method: 'GET', url: '/v1/things', description: list.description },
  { method: 'HEAD', url: '/v1/things', description: list.description },
  { method: 'GET', url: '/asset.js', description: undefined },
];

describe('buildOpenApiDocument', () => {
  const doc = buildOpenApiDocument(routes, { version: '9.9.9', publicUrl: 'https://relay.example.com/' }) as Json;

  it('turns Fastify paths into OpenAPI templates with their parameter names', () => {
    expect(openApiPath('/tenants/:id/keys/:kind/rotate')).toEqual({ path: '/tenants/{id}/keys/{kind}/rotate', names: ['id', 'kind'] });
  });

  it('documents the routes with a contract only, without their HEAD twins', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(['/api/v1/tenants/{id}/things', '/v1/things']);
    expect(Object.keys(doc.paths['/v1/things'])).toEqual(['get']);
    expect(doc.servers).toEqual([{ url: 'https://relay.example.com' }]);
    expect(doc.info.version).toBe('9.9.9');
  });

  it('derives parameters, body, credentials and error answers from the contract', () => {
    const post = doc.paths['/api/v1/tenants/{id}/things'].post;
    expect(post.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1 } }]);
    expect(post.requestBody.content['application/json'].schema).toMatchObject({ properties: { name: { type: 'string', minLength: 1 } }, additionalProperties: false });
    expect(post.security).toEqual([{ adminToken: [] }, { dashboardSession: [], csrfToken: [] }]);
    expect(Object.keys(post.responses).sort()).toEqual(['201', '400', '401', '403', '413', '415', '429', '503']);
    expect(post.responses['400'].content['application/json'].schema.allOf[1].properties.error.properties.code.enum).toEqual(['invalid_parameter', 'invalid_json', 'invalid_body']);

    const get = doc.paths['/v1/things'].get;
    expect(get.security).toEqual([{ ingestKey: [] }]);
    expect(get.parameters).toEqual([
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 10 } },
      { name: 'tag', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
    ]);
  });

  it('hoists named schemas into components, the answer shape as output (defaults filled in, so required)', () => {
    expect(doc.paths['/api/v1/tenants/{id}/things'].post.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Thing' });
    expect(doc.components.schemas.Thing).toMatchObject({ required: ['id', 'size'] });
    expect(doc.components.schemas.Error).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
  });
});
