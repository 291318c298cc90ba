import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../http/auth.js';

/** Sessions last 12 hours: a working day, so a forgotten tab does not stay signed in for long. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const SESSION_COOKIE = 'capi_relay_session';

export interface Session {
  id: string;
  csrfToken: string;
  expiresAt: number;
}

/**
 * Dashboard sessions kept in memory: a restart signs everyone out, which is acceptable for an
 * operator UI and avoids storing credentials-equivalent rows in the database. The cookie carries
 * `<id>.<hmac>` so a forged or truncated id is rejected before any lookup.
 */
export function createSessionStore(secret: string | undefined, clock: () => number = Date.now) {
  // Without a configured secret a random one per process is fine: sessions do not survive restarts anyway.
  const key = secret ?? randomBytes(32).toString('base64');
  const sessions = new Map<string, Session>();

  const sign = (id: string) => createHmac('sha256', key).update(id).digest('base64url');

  function sweep(now: number): void {
    for (const [id, s] of sessions) if (s.expiresAt <= now) sessions.delete(id);
  }

  return {
    create(): { session: Session; cookieValue: string } {
      const now = clock();
      sweep(now);
      const session: Session = { id: randomBytes(32).toString('base64url'), csrfToken: randomBytes(32).toString('base64url'), expiresAt: now + SESSION_TTL_MS };
      sessions.set(session.id, session);
      return { session, cookieValue: `${session.id}.${sign(session.id)}` };
    },
    /** The live session a cookie value names, or null (unsigned, unknown or expired). */
    resolve(cookieValue: string | undefined): Session | null {
      if (!cookieValue) return null;
      const dot = cookieValue.lastIndexOf('.');
      if (dot <= 0) return null;
      const id = cookieValue.slice(0, dot);
      if (!safeEqual(cookieValue.slice(dot + 1), sign(id))) return null;
      const s = sessions.get(id);
      if (!s) return null;
      if (s.expiresAt <= clock()) {
        sessions.delete(id);
        return null;
      }
      return s;
    },
    destroy(id: string): void {
      sessions.delete(id);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

/** One cookie's value from a Cookie header (no dependency needed for a single name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
