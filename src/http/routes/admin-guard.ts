/**
 * The one gate in front of the whole admin API (/api/v1), added to the root app so it covers every admin
 * route file: it admits the admin bearer token or a dashboard session (cookie + X-CSRF-Token on writes),
 * keeps a tenant-scoped session inside its own store, and records every successful change in the audit log.
 * The route files check nothing themselves.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createClientIpResolver, createTrustedProxyCheck } from '../../browser/client-ip.js';
import { readCookie, SESSION_COOKIE } from '../../dashboard/sessions.js';
import { summarizeChange } from '../../services/configuration.js';
import type { AppDeps } from '../app.js';
import { attachSession, bearerToken, requireAdminToken, requireCsrf, sessionOfRequest, type AdminSession } from '../auth.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { HttpError } from '../errors.js';

const ADMIN_PREFIX = '/api/v1/';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Who made an admin request, as the audit log names them (never a credential). */
export function actorOf(session: AdminSession | null): string {
  return session ? `dashboard ${session.actor} (session ${session.idHash.slice(0, 8)})` : 'admin API token';
}

/**
 * Whether a request is for the admin API. The router matches percent-decoded paths (`/%61pi/v1/tenants`
 * reaches `/api/v1/tenants`), so the matched route decides; the raw URL only when no route matched.
 */
function isAdminRequest(req: FastifyRequest): boolean {
  return (req.routeOptions.url ?? req.url).startsWith(ADMIN_PREFIX);
}

/** The tenant an admin route acts on, from its path parameters; undefined when the route names none. */
async function tenantOfRoute(deps: AppDeps, route: string, params: Record<string, string>): Promise<string | null | undefined> {
  const id = params.id;
  if (id === undefined) return undefined;
  if (route.startsWith(`${ADMIN_PREFIX}tenants/:id`)) return id;
  if (route.startsWith(`${ADMIN_PREFIX}pixels/:id`)) return deps.tenants.tenantOfPixel(id);
  if (route.startsWith(`${ADMIN_PREFIX}sources/:id`)) return deps.tenants.tenantOfSource(id);
  return undefined;
}

// Routes a tenant-scoped session may use without naming its tenant (their handlers filter by scope).
const SCOPED_UNNAMED = new Set([`GET ${ADMIN_PREFIX}tenants`, `GET ${ADMIN_PREFIX}relay-info`]);

/**
 * Admits the admin bearer token unless this client IP has been guessing (see auth-throttle.ts): a client
 * that is waiting gets 429 before its token is even compared, so waiting cannot be skipped by guessing right.
 */
function requireThrottledAdminToken(req: FastifyRequest, reply: FastifyReply, deps: AppDeps, throttle: AuthThrottle, ip: string): void {
  const wait = throttle.retryAfterMs(ip);
  if (wait > 0) {
    reply.header('retry-after', String(Math.ceil(wait / 1000)));
    throw new HttpError('auth_throttled', `too many wrong admin tokens from this address; try again in ${Math.ceil(wait / 1000)} s`);
  }
  try {
    requireAdminToken(req, deps.config.adminToken);
  } catch (err) {
    // Only a presented, wrong token is a guess; no token at all (an expired dashboard page) is not.
    if (deps.config.adminToken && bearerToken(req) !== null) throttle.fail(ip);
    throw err;
  }
  throttle.succeed(ip);
}

/** Adds the admin guard's hooks to the root app (call it directly, not through register, so they apply everywhere). */
export function registerAdminGuard(app: FastifyInstance, deps: AppDeps, throttle: AuthThrottle): void {
  // The same client IP as the sign-in throttle: forwarding headers count only from the configured trustedProxies.
  const clientIp = createClientIpResolver(createTrustedProxyCheck(deps.config.trustedProxies));
  const { sessions, audit } = deps;
  // A scoped session's write needs its tenant before the handler (scope) and after it (audit): look it up once.
  const tenantOfRequests = new WeakMap<FastifyRequest, Promise<string | null | undefined>>();

  function tenantOfRequest(req: FastifyRequest): Promise<string | null | undefined> {
    let tenant = tenantOfRequests.get(req);
    if (!tenant) {
      tenant = tenantOfRoute(deps, req.routeOptions.url ?? '', (req.params ?? {}) as Record<string, string>);
      tenantOfRequests.set(req, tenant);
    }
    return tenant;
  }

  async function checkScope(req: FastifyRequest, session: AdminSession): Promise<void> {
    if (session.tenantId === null) return;
    if (SCOPED_UNNAMED.has(`${req.method} ${req.routeOptions.url ?? ''}`)) return;
    // Deny by default: a route that names no tenant (or another one) is for operators only.
    if ((await tenantOfRequest(req)) !== session.tenantId) throw new HttpError('tenant_forbidden');
  }

  app.addHook('onRequest', async (req, reply) => {
    if (!isAdminRequest(req)) return;
    const session = await sessions.resolve(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!session) {
      requireThrottledAdminToken(req, reply, deps, throttle, clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']) ?? '');
      return;
    }
    if (!SAFE_METHODS.has(req.method)) requireCsrf(req, session.csrfToken);
    const admitted: AdminSession = { idHash: session.idHash, tenantId: session.tenantId, actor: session.actor };
    await checkScope(req, admitted);
    attachSession(req, admitted);
  });

  // onSend sees the answer, so a created tenant's id is recorded; only the id is read from it, never the keys.
  app.addHook('onSend', async (req, reply, payload) => {
    if (!isAdminRequest(req) || SAFE_METHODS.has(req.method) || reply.statusCode >= 400) return payload;
    const route = req.routeOptions.url ?? req.url;
    const params = (req.params ?? {}) as Record<string, string>;
    let tenantId = await tenantOfRequest(req);
    if (tenantId === undefined && route === `${ADMIN_PREFIX}tenants` && typeof payload === 'string') {
      tenantId = (JSON.parse(payload) as { id?: string }).id ?? null;
    }
    const body = req.body !== null && typeof req.body === 'object' && !('pipe' in req.body) ? summarizeChange(req.body) : null;
    const query = Object.keys((req.query ?? {}) as object).length > 0 ? summarizeChange(req.query) : undefined;
    await audit.record({
      tenantId: tenantId ?? null,
      actor: actorOf(sessionOfRequest(req)),
      action: `${req.method} ${route}`,
      target: params.id ?? null,
      summary: { ...(body === null ? {} : { body }), ...(query === undefined ? {} : { query }) },
    });
    return payload;
  });
}
