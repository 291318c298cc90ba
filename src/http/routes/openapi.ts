/** GET /openapi.json: the OpenAPI 3.1 document of every route that declared its contract (public, no secrets). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RELAY_VERSION } from '../../core/version.js';
import type { AppDeps } from '../app.js';
import { buildOpenApiDocument } from '../openapi.js';
import { describeRoute, type RegisteredRoute } from '../route-contract.js';

const openApiRoute = describeRoute({
  summary: 'This API as an OpenAPI 3.1 document',
  description: 'Generated from the schemas that validate each request; public, holds no secret.',
  tags: ['Operations'],
  auth: 'public',
  responses: { 200: { description: 'the OpenAPI 3.1 document', schema: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) } },
});

export async function registerOpenApiRoute(app: FastifyInstance, deps: AppDeps, routes: readonly RegisteredRoute[]): Promise<void> {
  // Built once, on the first request: every route is registered by then (the app is ready before it listens).
  let document: Record<string, unknown> | undefined;
  app.get('/openapi.json', openApiRoute.options, async () => {
    document ??= buildOpenApiDocument(routes, { version: RELAY_VERSION, publicUrl: deps.config.publicUrl ?? null });
    return document;
  });
}
