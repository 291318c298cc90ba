/**
 * One contract per route: a route declares its request schemas (path, query, JSON body as zod) and its main
 * answers at registration, its handler validates with those same schemas (`route.body(req)`, `route.query(req)`,
 * `route.params(req)`), and /openapi.json is generated from them (src/http/openapi.ts). So the document cannot
 * drift from what the server checks.
 *
 *   const auditList = describeRoute({ summary: 'Every tenant's audit log', tags: ['Admin: audit'], auth: 'admin',
 *     query: auditQuery, responses: { 200: { description: 'one page', schema: auditPage } } });
 *   app.get('/audit', auditList.options, async (req) => { const q = auditList.query(req); … });
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HttpErrorCode } from './errors.js';
import { HttpError } from './errors.js';
import { issueMessage, parseBody, parseQuery } from './validate.js';

/** The areas of the API, in the order the document lists them. */
export const API_TAGS = {
  'Ingest': 'Send events: POST /v1/events with the store ingest key',
  'Event log': 'What happened to each event, with the ingest key',
  'Drop-in: Graph API': "Meta's Conversions API endpoint, at the relay (docs/switch-from.md)",
  'Drop-in: Segment': 'Segment / RudderStack HTTP Tracking API (docs/switch-from.md)',
  'Drop-in: GA4': 'GA4 Measurement Protocol (docs/switch-from.md)',
  'Browser': 'The first-party snippet and its beacons (docs/snippet.md)',
  'Webhooks': "Platforms' order webhooks, verified by signature (docs/connect-your-store.md)",
  'Admin: tenants': 'Stores, their keys, policy and master switch',
  'Admin: pixels': 'Destination pixels and their tokens',
  'Admin: sources': 'Webhook sources, per-event switches and CSV imports',
  'Admin: events': 'Event log, replay, erasure and simulation',
  'Admin: browser': 'Snippet settings and the Origin allow-list',
  'Admin: reports': 'Match quality, acceptance and attribution (docs/reports.md)',
  'Admin: audit': 'Who changed what',
  'Dashboard': 'Sign-in and session of the dashboard (docs/dashboard.md)',
  'Operations': 'Health, readiness, metrics and this document',
} as const;
export type ApiTag = keyof typeof API_TAGS;

/**
 * Who may call a route: `public` (no credential, or one the route explains itself, such as the key inside a
 * /v1/collect body or a webhook signature), `ingest` (Bearer ingest key), `admin` (admin token, or a dashboard
 * session cookie with X-CSRF-Token on writes), `segment` (Basic auth, write key = ingest key), `ga4`
 * (api_secret query parameter), `graph` (access_token in body, query or Bearer), `publishable` (?key=),
 * `session` (the dashboard session cookie alone).
 */
export type RouteAuth = 'public' | 'ingest' | 'admin' | 'segment' | 'ga4' | 'graph' | 'publishable' | 'session';

/** An answer of the route: its meaning and, for JSON, its shape; or another content type (text, CSV, JavaScript). */
export interface ResponseDescription {
  description: string;
  /** The JSON body (application/json unless contentType says otherwise); omitted: no body. */
  schema?: z.ZodType;
  /** A content type other than JSON; with `schema` the schema describes that body (e.g. a string). */
  contentType?: string;
  /** The same answer in other content types (a report as CSV), by content type. */
  otherContent?: Record<string, z.ZodType>;
  headers?: Record<string, string>;
}

/** A request body the route reads with its own reader (a protocol, a webhook, CSV): documented, not parsed by zod here. */
export interface DocumentedBody {
  description: string;
  required?: boolean;
  /** Content type → the shape of the body in that type (a string for raw or text formats). */
  content: Record<string, z.ZodType>;
}

export interface RouteDescription {
  summary: string;
  description?: string;
  tags: readonly ApiTag[];
  auth: RouteAuth;
  /** Path parameters; omitted: each `:name` of the URL is a string. `route.params(req)` validates with it. */
  params?: z.ZodObject;
  /** The query string; `route.query(req)` validates with it (400 invalid_parameter). */
  query?: z.ZodType;
  /** The JSON body; `route.body(req)` validates with it (400 invalid_body). */
  body?: z.ZodType;
  /** A body read by the route's own reader instead (protocols, webhooks, CSV, forms). */
  documentedBody?: DocumentedBody;
  /** Request headers the route reads (signatures, Origin …), by name. */
  headers?: Record<string, { description: string; required?: boolean }>;
  /** The main answers by status (the 2xx at least). */
  responses: Record<number, ResponseDescription>;
  /** Request-level error codes this route can answer, beside the ones its auth and body imply. */
  errors?: readonly HttpErrorCode[];
  /** The error envelope of the route: the relay's `{error: {code, message}}` (default) or Meta's Graph envelope. */
  errorEnvelope?: 'relay' | 'graph';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's contract, read by the onRoute collector (src/http/route-contract.ts). */
    openapi?: RouteDescription;
  }
}

type OutputOf<S> = S extends z.ZodType ? z.output<S> : Record<string, string>;

export interface DescribedRoute<D extends RouteDescription> {
  readonly description: D;
  /** Spread into the route options: `app.get(url, route.options, handler)` or `{ bodyLimit, ...route.options }`. */
  readonly options: { config: { openapi: D } };
  /** The body, validated by the declared schema (untrusted-input rules first; 400 invalid_body). */
  body(req: FastifyRequest): OutputOf<D['body']>;
  /** The query string, validated by the declared schema (400 invalid_parameter). */
  query(req: FastifyRequest): OutputOf<D['query']>;
  /** The path parameters, validated by the declared schema when there is one (400 invalid_parameter). */
  params(req: FastifyRequest): OutputOf<D['params']>;
}

/** Declares a route's contract; the handler validates through the returned accessors. */
export function describeRoute<const D extends RouteDescription>(description: D): DescribedRoute<D> {
  return {
    description,
    options: { config: { openapi: description } },
    body(req) {
      if (!description.body) throw new Error(`route "${description.summary}" declares no body schema`);
      return parseBody(description.body, req.body) as OutputOf<D['body']>;
    },
    query(req) {
      if (!description.query) throw new Error(`route "${description.summary}" declares no query schema`);
      return parseQuery(description.query, req.query) as OutputOf<D['query']>;
    },
    params(req) {
      const raw = (req.params ?? {}) as Record<string, string>;
      if (!description.params) return raw as OutputOf<D['params']>;
      const r = description.params.safeParse(raw);
      if (r.success) return r.data as OutputOf<D['params']>;
      const issue = r.error.issues[0];
      throw new HttpError('invalid_parameter', issue ? `${issue.path.join('.')}: ${issueMessage(issue)}` : 'invalid path parameter');
    },
  };
}

/** One route as Fastify registered it: method, full URL (prefix included) and its contract, if it declared one. */
export interface RegisteredRoute {
  method: string;
  url: string;
  description: RouteDescription | undefined;
}

const routesOfApp = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * Records every route registered on the app from now on (an onRoute hook on the root reaches every plugin).
 * Call before the routes are registered; the list fills as they are.
 */
export function collectRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  routesOfApp.set(app, routes);
  app.addHook('onRoute', (opts) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    for (const method of methods) routes.push({ method: method.toUpperCase(), url: opts.url, description: opts.config?.openapi });
  });
  return routes;
}

/** Every route registered on an app built by buildApp, as its onRoute hook saw them. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return routesOfApp.get(app) ?? [];
}
