import { timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Whether the browser's request came over https: the relay's own socket is TLS, or the socket peer is a
 * trusted proxy (`isTrustedProxy`, see createTrustedProxyCheck) that sent `X-Forwarded-Proto: https`
 * (its first value). Anyone else's X-Forwarded-Proto is ignored. It reads the socket, not `req.protocol`,
 * so it holds whatever Fastify's trustProxy is set to.
 */
export function requestIsHttps(req: FastifyRequest, isTrustedProxy: (ip: string | undefined) => boolean): boolean {
  if ((req.socket as Partial<TLSSocket> | undefined)?.encrypted === true) return true;
  if (!isTrustedProxy(req.socket?.remoteAddress)) return false;
  const header = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/**
 * A state-changing request on a dashboard session must carry the session's CSRF token as X-CSRF-Token: the
 * cookie alone may have been sent by another site's form.
 */
export function requireCsrf(req: FastifyRequest, csrfToken: string): void {
  const sent = req.headers['x-csrf-token'];
  if (typeof sent !== 'string' || !safeEqual(sent, csrfToken)) {
    throw new HttpError('csrf_token_invalid', 'send the session\'s CSRF token as X-CSRF-Token on every state-changing request');
  }
}

/** Compares secrets in constant time so the answer's timing does not leak a prefix. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A dashboard session acting on the admin API, attached by the admin guard (see routes/admin-guard.ts). */
export interface AdminSession {
  idHash: string;
  /** Null for an operator; else the only tenant this session may see. */
  tenantId: string | null;
  actor: string;
}

const sessions = new WeakMap<FastifyRequest, AdminSession>();

/** Marks a request as made by a dashboard session (its CSRF token and tenant scope already checked). */
export function attachSession(req: FastifyRequest, session: AdminSession): void {
  sessions.set(req, session);
}

/** The dashboard session behind a request, or null when it came with the bearer token (or nothing). */
export function sessionOfRequest(req: FastifyRequest): AdminSession | null {
  return sessions.get(req) ?? null;
}

/** Admits a request made with the admin bearer token (the admin guard asks for it when no dashboard session came). */
export function requireAdminToken(req: FastifyRequest, adminToken: string | undefined): void {
  const token = bearerToken(req);
  if (!adminToken) throw new HttpError('unauthorized', 'the admin API is off: set adminToken (CAPI_RELAY_ADMIN_TOKEN)');
  if (!token || !safeEqual(token, adminToken)) throw new HttpError('unauthorized', 'missing or invalid admin token');
}
