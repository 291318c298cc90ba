import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DASHBOARD_JS } from '../../dashboard/app-js.js';
import { DASHBOARD_HTML } from '../../dashboard/html.js';
import { createSessionStore, readCookie, SESSION_COOKIE, SESSION_TTL_MS, type Session, type SessionStore } from '../../dashboard/sessions.js';
import { DASHBOARD_CSS } from '../../dashboard/styles.js';
import type { AppDeps } from '../app.js';
import { safeEqual } from '../auth.js';
import { HttpError } from '../errors.js';

// One session store per app (keyed by its deps), so two apps in one process never share sessions.
const stores = new WeakMap<AppDeps, SessionStore>();
function storeOf(deps: AppDeps): SessionStore {
  let s = stores.get(deps);
  if (!s) {
    s = createSessionStore(deps.config.sessionSecret);
    stores.set(deps, s);
  }
  return s;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sessionOf(req: FastifyRequest, deps: AppDeps): Session | null {
  return storeOf(deps).resolve(readCookie(req.headers.cookie, SESSION_COOKIE));
}

/**
 * Lets a dashboard session stand in for the admin bearer token. Returns true when the request carries
 * a live session cookie (and, for state-changing methods, the session's X-CSRF-Token); false when it
 * carries no session, so the caller falls back to the bearer token. A session without the CSRF token
 * is refused outright: the cookie alone may have been sent by another site's form.
 */
export function sessionAuth(req: FastifyRequest, deps: AppDeps): boolean {
  const session = sessionOf(req, deps);
  if (!session) return false;
  if (SAFE_METHODS.has(req.method)) return true;
  const sent = req.headers['x-csrf-token'];
  if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
    throw new HttpError('csrf_token_invalid', 'send the session\'s CSRF token as X-CSRF-Token on every state-changing request');
  }
  return true;
}

const loginBody = z.object({ password: z.string().min(1).max(1000) }).strict();

function cookie(req: FastifyRequest, value: string, maxAgeSeconds: number): string {
  // Secure only over https: trustProxy is off, so this is the relay's own TLS; plain http on localhost must still work.
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function asset(reply: FastifyReply, type: string, body: string, extra: Record<string, string> = {}) {
  return reply.headers({ 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', ...extra }).send(body);
}

/** The dashboard: its static page and assets, and the sign-in/out endpoints. */
export async function registerDashboardRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const sessions = storeOf(deps);

  app.get('/', async (_req, reply) =>
    asset(reply, 'text/html; charset=utf-8', DASHBOARD_HTML, {
      // Everything is served from here with no inline script, so a strict policy costs nothing.
      'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'referrer-policy': 'no-referrer',
    }),
  );
  app.get('/dashboard/app.js', async (_req, reply) => asset(reply, 'text/javascript; charset=utf-8', DASHBOARD_JS));
  app.get('/dashboard/app.css', async (_req, reply) => asset(reply, 'text/css; charset=utf-8', DASHBOARD_CSS));

  app.post('/dashboard/login', async (req, reply) => {
    const parsed = loginBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError('invalid_body', 'send {"password": "…"}');
    const secrets = [deps.config.adminPassword, deps.config.adminToken].filter((s): s is string => typeof s === 'string');
    if (secrets.length === 0) throw new HttpError('unauthorized', 'the dashboard is off: set adminPassword (CAPI_RELAY_ADMIN_PASSWORD) or adminToken');
    // Compare against every accepted secret (no early exit) so timing does not say which one is set.
    const ok = secrets.map((s) => safeEqual(parsed.data.password, s)).includes(true);
    if (!ok) throw new HttpError('unauthorized', 'wrong password');
    const { session, cookieValue } = sessions.create();
    return reply.header('set-cookie', cookie(req, cookieValue, SESSION_TTL_MS / 1000)).send({ csrfToken: session.csrfToken, expiresAt: session.expiresAt });
  });

  // Lets a reloaded page pick up its session (and CSRF token) without signing in again.
  app.get('/dashboard/session', async (req) => {
    const session = sessionOf(req, deps);
    if (!session) throw new HttpError('unauthorized', 'not signed in');
    return { csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  });

  app.post('/dashboard/logout', async (req, reply) => {
    const session = sessionOf(req, deps);
    if (session) {
      sessionAuth(req, deps); // logout changes state, so it needs the CSRF token too
      sessions.destroy(session.id);
    }
    return reply.header('set-cookie', cookie(req, '', 0)).send({ ok: true });
  });
}
