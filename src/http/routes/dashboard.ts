import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { createClientIpResolver, createTrustedProxyCheck } from '../../browser/client-ip.js';
import { chartJsSource } from '../../dashboard/chart-asset.js';
import { clientModule, clientModuleNames } from '../../dashboard/client-assets.js';
import { REPORTS_CSS } from '../../dashboard/reports-css.js';
import { DASHBOARD_HTML } from '../../dashboard/html.js';
import { readCookie, SESSION_COOKIE } from '../../dashboard/sessions.js';
import { DASHBOARD_CSS } from '../../dashboard/styles.js';
import { SESSION_TTL_MS, type Session } from '../../services/sessions.js';
import type { AppDeps } from '../app.js';
import { requestIsHttps, requireCsrf, safeEqual } from '../auth.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { HttpError } from '../errors.js';
import { describeRoute } from '../route-contract.js';
import { actorOf } from './admin-guard.js';

const loginBody = z.object({ password: z.string().min(1).max(1000) }).strict();

const sessionSchema = z.object({ csrfToken: z.string().meta({ description: 'send as X-CSRF-Token on every write' }), expiresAt: z.number().int(), tenantId: z.string().nullable().meta({ description: "null: the operator; else the one store this session may see" }) });
const routes = {
  login: describeRoute({
    summary: 'Sign in to the dashboard',
    description: "The admin password or token signs in the operator; a store's ingest key signs in to that store only. Wrong guesses are throttled per client.",
    tags: ['Dashboard'],
    auth: 'public',
    documentedBody: { description: 'the secret; at most 4 KiB', content: { 'application/json': loginBody } },
    responses: { 200: { description: 'signed in: the session cookie is set', schema: sessionSchema, headers: { 'Set-Cookie': 'the session cookie (HttpOnly, SameSite=Strict; Secure over https)' } } },
    errors: ['invalid_json', 'invalid_body', 'body_too_large', 'unsupported_media_type', 'unauthorized', 'login_throttled', 'storage_unavailable'],
  }),
  session: describeRoute({ summary: 'The current dashboard session', tags: ['Dashboard'], auth: 'session', responses: { 200: { description: 'the session and its CSRF token', schema: sessionSchema } }, errors: ['unauthorized'] }),
  logout: describeRoute({ summary: 'Sign out', description: 'With a session cookie, X-CSRF-Token is required.', tags: ['Dashboard'], auth: 'public', responses: { 200: { description: 'signed out: the cookie is cleared', schema: z.object({ ok: z.literal(true) }) } }, errors: ['csrf_token_invalid'] }),
};

/** The session cookie; `Secure` only over https (see requestIsHttps), since plain http on localhost must still work. */
function cookie(https: boolean, value: string, maxAgeSeconds: number): string {
  const secure = https ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function asset(reply: FastifyReply, type: string, body: string, extra: Record<string, string> = {}) {
  return reply.headers({ 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', ...extra }).send(body);
}

const sessionAnswer = (s: Session) => ({ csrfToken: s.csrfToken, expiresAt: s.expiresAt, tenantId: s.tenantId });

/** The dashboard: its static page and assets, and the sign-in/out endpoints. */
export async function registerDashboardRoutes(app: FastifyInstance, deps: AppDeps, throttle: AuthThrottle): Promise<void> {
  const { sessions, audit } = deps;
  // Fastify's trustProxy stays off: forwarding headers count only from the configured trustedProxies, as on /v1/collect.
  const isTrustedProxy = createTrustedProxyCheck(deps.config.trustedProxies);
  const clientIp = createClientIpResolver(isTrustedProxy);

  /**
   * Who a sign-in secret names: the operator (admin password or token, compared against every accepted
   * secret with no early exit, so timing does not say which is set), or one tenant (its ingest key).
   */
  async function whoIs(secret: string): Promise<{ tenantId: string | null; actor: string; apiKeyId?: string } | null> {
    const operatorSecrets = [deps.config.adminPassword, deps.config.adminToken].filter((s): s is string => typeof s === 'string');
    if (operatorSecrets.map((s) => safeEqual(secret, s)).includes(true)) return { tenantId: null, actor: 'operator' };
    // A tenant's ingest key is its server-side secret; the publishable key is public, so it never signs in.
    if (secret.startsWith('cr_ingest_')) {
      const owner = await deps.tenants.keyOwner(secret, 'ingest');
      if (owner) return { tenantId: owner.tenant.id, actor: `tenant ${owner.tenant.id}`, apiKeyId: owner.apiKeyId };
    }
    return null;
  }

  app.get('/', async (_req, reply) =>
    asset(reply, 'text/html; charset=utf-8', DASHBOARD_HTML, {
      // Everything is served from here with no inline script, so a strict policy costs nothing.
      'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'referrer-policy': 'no-referrer',
    }),
  );
  // The client's ES modules (src/dashboard/client/*.ts, compiled): they import each other by relative URL.
  for (const name of clientModuleNames()) {
    app.get(`/dashboard/${name}.js`, async (_req, reply) => {
      const js = await clientModule(name);
      if (js === null) throw new HttpError('not_found', `no dashboard module ${name}`);
      return asset(reply, 'text/javascript; charset=utf-8', js);
    });
  }
  app.get('/dashboard/app.css', async (_req, reply) => asset(reply, 'text/css; charset=utf-8', DASHBOARD_CSS));
  app.get('/dashboard/reports.css', async (_req, reply) => asset(reply, 'text/css; charset=utf-8', REPORTS_CSS));
  app.get('/dashboard/vendor/chart.umd.min.js', async (_req, reply) => asset(reply, 'text/javascript; charset=utf-8', chartJsSource(), { 'cache-control': 'public, max-age=86400' }));

  // Anyone may post here before signing in: the body is a password, so 4 KiB is plenty (not bodyLimitBytes).
  app.post('/dashboard/login', { bodyLimit: 4096, ...routes.login.options }, async (req, reply) => {
    // Behind a trusted proxy this is the browser's IP. The throttle is per client and shared with the admin
    // bearer token (the admin token also signs in): a guesser waits, everyone else signs in.
    const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']) ?? '';
    const wait = throttle.retryAfterMs(ip);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new HttpError('login_throttled', `too many failed sign-ins; try again in ${Math.ceil(wait / 1000)} s`);
    }
    const parsed = loginBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError('invalid_body', 'send {"password": "…"}');
    if (!deps.config.adminPassword && !deps.config.adminToken && !parsed.data.password.startsWith('cr_ingest_')) {
      throw new HttpError('dashboard_off');
    }
    const who = await whoIs(parsed.data.password);
    if (!who) {
      throttle.fail(ip);
      throw new HttpError('unauthorized', 'wrong password');
    }
    throttle.succeed(ip);
    const { session, cookieValue } = await sessions.create(who);
    await audit.record({ tenantId: who.tenantId, actor: actorOf(session), action: 'sign in', target: null, summary: {} });
    return reply.header('set-cookie', cookie(requestIsHttps(req, isTrustedProxy), cookieValue, SESSION_TTL_MS / 1000)).send(sessionAnswer(session));
  });

  // Lets a reloaded page pick up its session (and CSRF token) without signing in again.
  app.get('/dashboard/session', routes.session.options, async (req) => {
    const session = await sessions.resolve(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!session) throw new HttpError('unauthorized', 'not signed in');
    return sessionAnswer(session);
  });

  app.post('/dashboard/logout', routes.logout.options, async (req, reply) => {
    const session = await sessions.resolve(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (session) {
      // Logout changes state, so it needs the CSRF token too (else another site could sign the user out).
      requireCsrf(req, session.csrfToken);
      await sessions.destroy(session.idHash);
      await audit.record({ tenantId: session.tenantId, actor: actorOf(session), action: 'sign out', target: null, summary: {} });
    }
    return reply.header('set-cookie', cookie(requestIsHttps(req, isTrustedProxy), '', 0)).send({ ok: true });
  });
}
