/**
 * The OpenAPI 3.1 document of the relay, generated from the contracts the routes declared at registration
 * (src/http/route-contract.ts): their zod schemas become JSON Schema (draft 2020-12, OpenAPI 3.1's dialect).
 * Routes that declared no contract (the dashboard's static assets) are left out. Pure: no I/O, no secrets.
 */
import { z } from 'zod';
import { SESSION_COOKIE } from '../dashboard/sessions.js';
import { errorEnvelope, graphErrorEnvelope } from './api-schemas.js';
import { HTTP_ERRORS, type HttpErrorCode } from './errors.js';
import { API_TAGS, type RegisteredRoute, type RouteAuth, type RouteDescription } from './route-contract.js';

type Json = Record<string, unknown>;

const SECURITY_SCHEMES = {
  ingestKey: { type: 'http', scheme: 'bearer', description: 'The store ingest key (`cr_ingest_…`): `Authorization: Bearer <key>`' },
  adminToken: { type: 'http', scheme: 'bearer', description: 'The relay admin token (`adminToken`): `Authorization: Bearer <token>`' },
  dashboardSession: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'A dashboard session (POST /dashboard/login); writes also need X-CSRF-Token' },
  csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: "The session's CSRF token (from /dashboard/login or /dashboard/session), on every write with a session cookie" },
  segmentWriteKey: { type: 'http', scheme: 'basic', description: 'Segment write key = the store ingest key as the Basic-auth user, empty password' },
  ga4ApiSecret: { type: 'apiKey', in: 'query', name: 'api_secret', description: 'GA4 api_secret = the store ingest key' },
  graphAccessToken: { type: 'apiKey', in: 'query', name: 'access_token', description: "Meta's access_token = the store ingest key (also accepted in the body or as Bearer)" },
  publishableKey: { type: 'apiKey', in: 'query', name: 'key', description: 'The store publishable key (`cr_pub_…`), public by design' },
} as const;

function securityOf(auth: RouteAuth, method: string): Json[] | undefined {
  switch (auth) {
    case 'public':
      return [];
    case 'ingest':
      return [{ ingestKey: [] }];
    case 'admin':
      return [{ adminToken: [] }, method === 'GET' ? { dashboardSession: [] } : { dashboardSession: [], csrfToken: [] }];
    case 'segment':
      return [{ segmentWriteKey: [] }];
    case 'ga4':
      return [{ ga4ApiSecret: [] }];
    case 'graph':
      return [{ graphAccessToken: [] }, { ingestKey: [] }];
    case 'publishable':
      return [{ publishableKey: [] }];
    case 'session':
      return [{ dashboardSession: [] }];
  }
}

/** The error codes a route's auth, parameters and body imply, beside the ones it lists itself. */
function impliedErrors(d: RouteDescription, method: string, hasParameters: boolean): HttpErrorCode[] {
  const codes: HttpErrorCode[] = [];
  if (hasParameters) codes.push('invalid_parameter');
  if (d.auth === 'admin') codes.push('unauthorized', 'auth_throttled', 'tenant_forbidden', ...(method === 'GET' ? [] : (['csrf_token_invalid'] as const)));
  else if (d.auth !== 'public') codes.push('unauthorized');
  if (d.body) codes.push('invalid_json', 'invalid_body', 'body_too_large', 'unsupported_media_type');
  if (d.auth !== 'public') codes.push('storage_unavailable');
  return codes;
}

/** Converts zod schemas to JSON Schema, hoisting named ones (`.meta({ id })`) into components.schemas. */
class SchemaConverter {
  readonly components: Record<string, Json> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const js = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    delete js.$schema;
    const defs = (js.$defs ?? {}) as Record<string, Json>;
    delete js.$defs;
    // The same named schema can differ as input (defaults optional) and output: the second one gets a suffix.
    const renamed = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) {
      const existing = this.components[name];
      const target = existing === undefined || sameJson(existing, rewriteRefs(def, new Map())) ? name : `${name}_${io}`;
      renamed.set(name, target);
    }
    for (const [name, def] of Object.entries(defs)) this.components[renamed.get(name) as string] = rewriteRefs(def, renamed) as Json;
    return rewriteRefs(js, renamed) as Json;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function rewriteRefs(value: unknown, renamed: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, renamed));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) {
      const name = v.slice('#/$defs/'.length);
      out[k] = `#/components/schemas/${renamed.get(name) ?? name}`;
    } else out[k] = rewriteRefs(v, renamed);
  }
  return out;
}

/** `/tenants/:id/events` → `/tenants/{id}/events`, and the names of its path parameters. */
export function openApiPath(url: string): { path: string; names: string[] } {
  const names: string[] = [];
  const path = url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    names.push(name);
    return `{${name}}`;
  });
  return { path, names };
}

/** Query or path parameters from an object schema: one parameter per property. */
function parametersOf(converter: SchemaConverter, schema: z.ZodType, where: 'query' | 'path'): Json[] {
  const js = converter.convert(schema, 'input');
  const properties = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
      // A repeatable parameter (`?map=a&map=b`) is a list in the form style.
      ...(where === 'query' && (rest.type === 'array' || Array.isArray(rest.anyOf)) ? { style: 'form', explode: true } : {}),
    };
  });
}

function errorResponses(codes: readonly HttpErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, HttpErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = HTTP_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${HTTP_ERRORS[c].message}`).join('; '),
      content: {
        'application/json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/Error' }, { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: list } } } } }],
          },
        },
      },
    };
  }
  return out;
}

function responseOf(converter: SchemaConverter, r: RouteDescription['responses'][number]): Json {
  const headers = r.headers ? Object.fromEntries(Object.entries(r.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) : undefined;
  const content: Record<string, Json> = {};
  if (r.schema) content[r.contentType ?? 'application/json'] = { schema: converter.convert(r.schema, 'output') };
  for (const [type, schema] of Object.entries(r.otherContent ?? {})) content[type] = { schema: converter.convert(schema, 'output') };
  return {
    description: r.description,
    ...(headers ? { headers } : {}),
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}

function operationOf(converter: SchemaConverter, method: string, url: string, d: RouteDescription): Json {
  const { names } = openApiPath(url);
  const parameters: Json[] = [];
  if (d.params) parameters.push(...parametersOf(converter, d.params, 'path'));
  const declared = new Set(parameters.map((p) => p.name));
  for (const name of names) if (!declared.has(name)) parameters.push({ name, in: 'path', required: true, schema: { type: 'string', minLength: 1 } });
  if (d.query) parameters.push(...parametersOf(converter, d.query, 'query'));
  for (const [name, h] of Object.entries(d.headers ?? {})) parameters.push({ name, in: 'header', required: h.required ?? false, description: h.description, schema: { type: 'string' } });

  let requestBody: Json | undefined;
  if (d.body) requestBody = { required: true, content: { 'application/json': { schema: converter.convert(d.body, 'input') } } };
  else if (d.documentedBody) {
    const content = Object.fromEntries(Object.entries(d.documentedBody.content).map(([type, schema]) => [type, { schema: converter.convert(schema, 'input') }]));
    requestBody = { description: d.documentedBody.description, required: d.documentedBody.required ?? true, content };
  }

  const responses: Record<string, Json> = {};
  for (const [status, r] of Object.entries(d.responses)) responses[status] = responseOf(converter, r);
  if (d.errorEnvelope !== 'graph') {
    const errors = errorResponses([...impliedErrors(d, method, parameters.some((p) => p.in !== 'header')), ...(d.errors ?? [])]);
    for (const [status, r] of Object.entries(errors)) responses[status] ??= r;
  }

  const security = securityOf(d.auth, method);
  return {
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    operationId: operationId(method, url),
    tags: [...d.tags],
    ...(security ? { security } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** A stable, unique operation id from method and path: `get_api_v1_tenants_id_events`. */
function operationId(method: string, url: string): string {
  return `${method.toLowerCase()}${url.replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, '')}`;
}

export interface OpenApiSettings {
  version: string;
  /** The relay's public address (publicUrl); without it the document's server is the address it was fetched from. */
  publicUrl: string | null;
}

/** The OpenAPI 3.1 document of the routes that declared a contract. */
export function buildOpenApiDocument(routes: readonly RegisteredRoute[], settings: OpenApiSettings): Json {
  const converter = new SchemaConverter();
  converter.convert(errorEnvelope, 'output');
  converter.convert(graphErrorEnvelope, 'output');
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    // HEAD twins of GET routes are Fastify's own; OPTIONS is documented only where a route declares it.
    if (!r.description || r.method === 'HEAD') continue;
    const { path } = openApiPath(r.url);
    const item = (paths[path] ??= {});
    item[r.method.toLowerCase()] = operationOf(converter, r.method, r.url, r.description);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'capi-relay',
      version: settings.version,
      summary: "Sends a store's real conversions to Meta's Conversions API",
      description: 'Generated from the schemas that validate each request. Errors: docs/errors.md. Examples: docs/api.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: settings.publicUrl ? settings.publicUrl.replace(/\/+$/, '') : '/' }],
    tags: Object.entries(API_TAGS).map(([name, description]) => ({ name, description })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: Object.fromEntries(Object.entries(converter.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
