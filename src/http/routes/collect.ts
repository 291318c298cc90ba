import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createClientIpResolver, createTrustedProxyCheck } from '../../browser/client-ip.js';
import { CollectInputError, mapCollectBody } from '../../browser/collect-event.js';
import { browserSettingsPatch } from '../../browser/browser-settings.js';
import { prepareSdk, renderSdk } from '../../browser/sdk-source.js';
import { eventIdParts, purchaseEventIdTemplate } from '../../core/event-id-template.js';
import { InvalidOriginError, normalizeOrigin, type TenantView } from '../../services/configuration.js';
import { parsePolicy } from '../../transform/transform.js';
import type { AppDeps } from '../app.js';
import { requestIsHttps } from '../auth.js';
import { HttpError } from '../errors.js';
import { parseTextPlainAsJson } from '../validate.js';
import { eventResults } from '../api-schemas.js';
import { describeRoute } from '../route-contract.js';

// A beacon carries one event: a small limit keeps abuse of a public endpoint cheap.
const COLLECT_BODY_LIMIT = 64 * 1024;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The policy parts the snippet needs: the consent category and the store's Purchase event_id rule, resolved by the
 * one resolver so the browser builds the id the webhooks build. A broken policy is ingest's to reject; the snippet
 * then uses the defaults.
 */
function snippetPolicyOf(tenant: TenantView): { consentCategory: string | null; purchaseIdParts: string[] } {
  let policy;
  try {
    policy = parsePolicy(tenant.policy);
  } catch {
    policy = parsePolicy({});
  }
  return { consentCategory: policy.consent.advertisingCategory, purchaseIdParts: eventIdParts(purchaseEventIdTemplate(policy.eventIdTemplates), 'Purchase') };
}

/**
 * The Origin a browser sends from an opaque origin: a sandboxed frame, such as the sandbox Shopify runs custom
 * pixels in (docs/switch-from.md). Such a beacon is judged by the page it reports instead (its `url`).
 */
const OPAQUE_ORIGIN = 'null';

/** Why an `Origin: null` beacon is refused for a store that has not opted in, and how it opts in. */
const SANDBOXED_PIXEL_OFF =
  "Origin null (a sandboxed frame such as Shopify's custom pixel) is not accepted by this tenant: turn on acceptSandboxedPixel " +
  '(PUT /api/v1/tenants/{id}/snippet {"acceptSandboxedPixel": true}, `capi-relay snippet set --accept-sandboxed-pixel on`, ' +
  'or the dashboard: Snippet and origins, Shopify custom pixel)';

/** The origin of the page a beacon reports (its `url`), for a beacon sent from an opaque origin. */
function reportedPageOrigin(raw: unknown): string | undefined {
  const url = isObj(raw) && typeof raw.url === 'string' ? raw.url : undefined;
  if (!url) return undefined;
  try {
    return normalizeOrigin(url);
  } catch {
    return undefined;
  }
}

function allowOrigin(reply: FastifyReply, origin: string): void {
  reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
}

const sdkRoute = describeRoute({
  summary: 'The first-party snippet',
  description: "Plain JavaScript configured for the store: its pixels, consent rule and Purchase event_id rule (docs/snippet.md).",
  tags: ['Browser'],
  auth: 'publishable',
  query: z.object({ key: z.string().optional().meta({ description: 'the publishable key' }), pageview: z.string().optional().meta({ description: '0: no automatic PageView' }) }),
  responses: { 200: { description: 'the snippet', contentType: 'application/javascript', schema: z.string() } },
});
const preflightRoute = describeRoute({
  summary: 'CORS preflight of /v1/collect',
  tags: ['Browser'],
  auth: 'public',
  headers: { Origin: { description: "must be on some tenant's allow-list", required: true } },
  responses: { 204: { description: 'allowed', headers: { 'Access-Control-Allow-Origin': 'the Origin' } } },
  errors: ['origin_not_allowed'],
});
const collectBody = z.looseObject({
  key: z.string().meta({ description: 'the publishable key (sendBeacon cannot set headers)' }),
  event: z.string().meta({ description: 'a Meta standard name such as ViewContent, or a GA4 name' }),
  event_id: z.string().optional(),
  timestamp: z.union([z.number(), z.string()]).optional(),
  url: z.string().optional(),
  value: z.number().optional(),
  currency: z.string().optional(),
  order_id: z.union([z.string(), z.number()]).optional(),
  items: z.array(z.record(z.string(), z.unknown())).optional(),
  user: z.record(z.string(), z.unknown()).optional().meta({ description: 'email, phone, first_name, last_name, city, state, zip, country, external_id' }),
  fbp: z.string().optional(),
  fbc: z.string().optional(),
  fbclid: z.string().optional(),
  gclid: z.string().optional(),
  consent: z.boolean().optional(),
  custom_data: z.record(z.string(), z.unknown()).optional(),
});
const collectRoute = describeRoute({
  summary: 'A browser beacon: one event',
  description: "The key travels in the body; the Origin must be on the tenant's allow-list; rate-limited per IP and tenant (collectRatePerMinute). IP and user agent come from the request, never the body.",
  tags: ['Browser'],
  auth: 'public',
  headers: { Origin: { description: "must be on the tenant's allow-list; null (a sandboxed frame) only where the tenant turned on acceptSandboxedPixel, and then the body's url must be", required: true } },
  documentedBody: { description: 'one event, as JSON or as text/plain holding JSON (sendBeacon); at most 64 KiB', content: { 'application/json': collectBody, 'text/plain': z.string() } },
  responses: { 202: { description: 'one result, as on /v1/events', schema: eventResults } },
  errors: ['invalid_json', 'invalid_body', 'body_too_large', 'unsupported_media_type', 'unauthorized', 'origin_not_allowed', 'rate_limited', 'storage_unavailable'],
});

/** The browser side: GET /sdk.js (the snippet) and POST /v1/collect (its beacons). */
export async function registerCollectRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { origins, clicks, browserSettings: settings, collectRateLimiter: limiter } = deps;
  const isTrustedProxy = createTrustedProxyCheck(deps.config.trustedProxies);
  const clientIp = createClientIpResolver(isTrustedProxy);
  // Bundled at start, not on a store page's first request: a build failure stops the relay where it shows.
  await prepareSdk();
  // sendBeacon posts text/plain (no preflight); the text is JSON.
  parseTextPlainAsJson(app);

  app.get('/sdk.js', sdkRoute.options, async (req, reply) => {
    const q = sdkRoute.query(req);
    const tenant = q.key ? await deps.tenants.authenticate(q.key, 'publishable') : null;
    if (!tenant) throw new HttpError('unauthorized', 'load /sdk.js?key=<the tenant publishable key>');
    const { loadPixel, cookieDomain } = await settings.get(tenant.id);
    // A pixel paused by a CAPI token failure still takes browser events: only a disabled one is left out.
    const pixelIds = loadPixel ? [...new Set((await deps.tenants.listPixels(tenant.id)).filter((p) => p.status !== 'disabled').map((p) => p.pixelId))] : [];
    const snippetPolicy = snippetPolicyOf(tenant);
    const body = await renderSdk({
      key: q.key as string,
      // Without publicUrl, the address the page reached us at; behind a TLS proxy its scheme is the proxy's
      // (an http endpoint on an https shop would be blocked as mixed content).
      endpoint: deps.config.publicUrl ?? `${requestIsHttps(req, isTrustedProxy) ? 'https' : 'http'}://${req.host}`,
      pixelIds,
      loadPixel,
      requireConsent: snippetPolicy.consentCategory !== null,
      purchaseIdParts: snippetPolicy.purchaseIdParts,
      cookieDomain,
      autoPageView: q.pageview !== '0',
    });
    return reply
      .header('content-type', 'application/javascript; charset=utf-8')
      // Short cache: a pixel, setting or consent change reaches pages within minutes.
      .header('cache-control', 'public, max-age=300')
      .header('cross-origin-resource-policy', 'cross-origin')
      .send(body);
  });

  // A preflight has no body; one sent anyway is not worth buffering up to bodyLimitBytes.
  app.options('/v1/collect', { bodyLimit: 1024, ...preflightRoute.options }, async (req, reply) => {
    const origin = req.headers.origin;
    // A preflight carries no key, so the question is only whether some tenant allows the origin.
    if (!origin || !(await origins.isKnown(origin))) {
      deps.refused.record(null, 'origin_not_allowed');
      throw new HttpError('origin_not_allowed');
    }
    allowOrigin(reply, origin);
    return reply
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'content-type')
      .header('access-control-max-age', '86400')
      .status(204)
      .send();
  });

  // The key travels in the body (sendBeacon cannot set headers), but every browser beacon carries an Origin:
  // one that no tenant allows is refused on the headers, before the body is read.
  const refuseUnknownOrigin = async (req: FastifyRequest) => {
    const origin = req.headers.origin;
    // An opaque origin names no site: the page the body reports is checked once the body is read.
    if (origin === OPAQUE_ORIGIN) return;
    if (!origin || !(await origins.isKnown(origin))) {
      // The key is in the body, not read yet: no store can be named (counted under none).
      deps.refused.record(null, 'origin_not_allowed');
      throw new HttpError('origin_not_allowed', `Origin ${origin ?? '(none)'} is not on any tenant's allow-list`);
    }
  };

  app.post('/v1/collect', { bodyLimit: COLLECT_BODY_LIMIT, onRequest: refuseUnknownOrigin, ...collectRoute.options }, async (req, reply) => {
    const raw: unknown = req.body;
    const key = isObj(raw) && typeof raw.key === 'string' ? raw.key : '';
    if (!key) throw new HttpError('unauthorized', 'send the tenant publishable key as "key" in the body');
    const tenant = await deps.tenants.authenticate(key, 'publishable');
    if (!tenant) throw new HttpError('unauthorized', 'invalid or revoked publishable key');
    const origin = req.headers.origin;
    // Any page can make a sandboxed frame, so a store takes its beacons only once it has opted in.
    if (origin === OPAQUE_ORIGIN && !(await settings.get(tenant.id)).acceptSandboxedPixel) {
      deps.refused.record(tenant.id, 'origin_not_allowed');
      throw new HttpError('origin_not_allowed', SANDBOXED_PIXEL_OFF);
    }
    const pageOrigin = origin === OPAQUE_ORIGIN ? reportedPageOrigin(raw) : origin;
    if (!pageOrigin || !(await origins.isAllowed(tenant.id, pageOrigin))) {
      deps.refused.record(tenant.id, 'origin_not_allowed');
      const what = origin === OPAQUE_ORIGIN ? `The page ${pageOrigin ?? '(no url in the body)'} of this sandboxed-frame beacon` : `Origin ${origin ?? '(none)'}`;
      throw new HttpError('origin_not_allowed', `${what} is not on this tenant's allow-list`);
    }
    // A sandboxed frame sends its beacons no-cors and reads no answer.
    if (origin !== OPAQUE_ORIGIN) allowOrigin(reply, pageOrigin);
    const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    if (!(await limiter.take(`${tenant.id}|${ip ?? ''}`))) {
      deps.refused.record(tenant.id, 'rate_limited');
      reply.header('retry-after', '1');
      throw new HttpError('rate_limited');
    }
    const now = deps.ingest.now();
    let mapped;
    try {
      mapped = mapCollectBody(raw, { ip, userAgent: req.headers['user-agent'], consentCategory: snippetPolicyOf(tenant).consentCategory, now });
    } catch (err) {
      if (err instanceof CollectInputError) throw new HttpError('invalid_body', err.message);
      throw err;
    }
    const results = await deps.ingest.ingest(tenant, [mapped.event], { source: 'browser' });
    const c = mapped.clicks;
    if (results[0]?.status !== 'rejected' && c.fbp) {
      try {
        await clicks.record({ tenantId: tenant.id, fbp: c.fbp, fbclid: c.fbclid, gclid: c.gclid, orderId: c.orderId });
      } catch (err) {
        // Attribution data is best effort: the event itself is already stored and queued.
        req.log.warn({ err: { message: (err as Error).message } }, 'click ids not recorded');
      }
    }
    return reply.status(202).send({ results });
  });
}

const originBody = z.object({ origin: z.string().min(1).max(300) }).strict();
const snippetSettings = z.object({
  loadPixel: z.boolean(),
  cookieDomain: z.string().nullable(),
  acceptSandboxedPixel: z.boolean().meta({ description: 'true: /v1/collect takes Origin: null beacons (Shopify custom pixel) whose page URL is allowed' }),
});
const originsAnswer = z.object({ origins: z.array(z.string()) });
const originRoutes = {
  getSnippet: describeRoute({ summary: "The snippet's settings", tags: ['Admin: browser'], auth: 'admin', responses: { 200: { description: 'the settings', schema: snippetSettings } }, errors: ['not_found'] }),
  setSnippet: describeRoute({ summary: "Change the snippet's settings", description: 'Any subset of the settings; cookieDomain null: found in the browser; acceptSandboxedPixel true: take Origin: null beacons (the Shopify custom pixel) judged by their page URL.', tags: ['Admin: browser'], auth: 'admin', body: browserSettingsPatch, responses: { 200: { description: 'the settings now', schema: snippetSettings } }, errors: ['not_found'] }),
  listOrigins: describeRoute({ summary: 'The Origin allow-list of /v1/collect', tags: ['Admin: browser'], auth: 'admin', responses: { 200: { description: 'the allowed origins', schema: originsAnswer } }, errors: ['not_found'] }),
  addOrigin: describeRoute({ summary: 'Allow an Origin', tags: ['Admin: browser'], auth: 'admin', body: originBody, responses: { 201: { description: 'the origin as stored (normalized) and the list', schema: originsAnswer.extend({ origin: z.string() }) } }, errors: ['not_found'] }),
  removeOrigin: describeRoute({
    summary: 'Remove an Origin',
    description: 'The origin in the body, or as ?origin= for clients that send no DELETE body.',
    tags: ['Admin: browser'],
    auth: 'admin',
    query: z.object({ origin: z.string().optional() }),
    documentedBody: { description: 'the origin to remove', required: false, content: { 'application/json': originBody } },
    responses: { 200: { description: 'the list now', schema: originsAnswer } },
    errors: ['invalid_body', 'not_found'],
  }),
};

/** Admin API for the snippet: the allow-list (/api/v1/tenants/{id}/origins) and its settings (…/snippet). */
export async function registerOriginAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { origins, browserSettings: settings } = deps;

  // An unknown tenant is a NotFoundError, which the root error handler answers 404.
  async function tenantId(params: unknown): Promise<string> {
    return (await deps.tenants.getTenant((params as { id: string }).id)).id;
  }
  function originOf(body: unknown): string {
    const r = originBody.safeParse(body ?? {});
    if (!r.success) throw new HttpError('invalid_body', 'expected {"origin": "https://shop.example"}');
    return r.data.origin;
  }
  async function guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof InvalidOriginError) throw new HttpError('invalid_body', err.message);
      throw err;
    }
  }

  app.get('/tenants/:id/snippet', originRoutes.getSnippet.options, async (req) => settings.get(await tenantId(req.params)));
  app.put('/tenants/:id/snippet', originRoutes.setSnippet.options, async (req) => {
    const id = await tenantId(req.params);
    return settings.update(id, originRoutes.setSnippet.body(req));
  });
  app.get('/tenants/:id/origins', originRoutes.listOrigins.options, async (req) => ({ origins: await origins.list(await tenantId(req.params)) }));
  app.post('/tenants/:id/origins', originRoutes.addOrigin.options, async (req, reply) => {
    const id = await tenantId(req.params);
    const origin = await guard(() => origins.add(id, originOf(req.body)));
    return reply.status(201).send({ origin, origins: await origins.list(id) });
  });
  app.delete('/tenants/:id/origins', originRoutes.removeOrigin.options, async (req) => {
    const id = await tenantId(req.params);
    const removed = await guard(() => origins.remove(id, originOf(req.body ?? req.query)));
    if (!removed) throw new HttpError('not_found', 'that origin is not on the allow-list');
    return { origins: await origins.list(id) };
  });
}
