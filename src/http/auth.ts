import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Compares secrets in constant time so the answer's timing does not leak a prefix. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function requireAdmin(req: FastifyRequest, adminToken: string | undefined): void {
  const token = bearerToken(req);
  if (!adminToken) throw new HttpError('unauthorized', 'the admin API is off: set adminToken (CAPI_RELAY_ADMIN_TOKEN)');
  if (!token || !safeEqual(token, adminToken)) throw new HttpError('unauthorized', 'missing or invalid admin token');
}
