/**
 * Dashboard sessions in the database (table `dashboard_sessions`, migration 0008), so every relay node on
 * one PostgreSQL accepts the same cookie. The cookie carries a random 256-bit id; only its SHA-256 is
 * stored, and the CSRF token is derived from the id, so nothing in the table can sign anyone in.
 */
import { createHmac, hash, randomBytes } from 'node:crypto';
import type { Store } from './database.js';

/** Sessions last 12 hours: a working day, so a forgotten tab does not stay signed in for long. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface Session {
  idHash: string;
  /** Null for an operator (every tenant); else the one tenant this session may see. */
  tenantId: string | null;
  /** Who signed in, for the audit log: "operator" or "tenant <id>". */
  actor: string;
  csrfToken: string;
  expiresAt: number;
}

const hashId = (id: string) => hash('sha256', id, 'base64url');
// Derived, not stored: a node that never saw the sign-in still answers the same token.
const csrfOf = (id: string) => createHmac('sha256', id).update('capi-relay csrf').digest('base64url');
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Creates, resolves and ends dashboard sessions. */
export function createSessionRepository(store: Store, clock: () => number = Date.now) {
  const { db } = store;
  return {
    async create(who: { tenantId: string | null; actor: string; apiKeyId?: string | null }): Promise<{ session: Session; cookieValue: string }> {
      const now = clock();
      // Expired rows are removed at sign-in, which is rare enough to cost nothing and frequent enough to keep the table small.
      await db.deleteFrom('dashboard_sessions').where('expires_at', '<=', now).execute();
      const id = randomBytes(32).toString('base64url');
      const session: Session = { idHash: hashId(id), tenantId: who.tenantId, actor: who.actor, csrfToken: csrfOf(id), expiresAt: now + SESSION_TTL_MS };
      await db
        .insertInto('dashboard_sessions')
        .values({ id_hash: session.idHash, tenant_id: who.tenantId, actor: who.actor, api_key_id: who.apiKeyId ?? null, created_at: now, expires_at: session.expiresAt })
        .execute();
      return { session, cookieValue: id };
    },

    /** The live session a cookie value names, or null (malformed, unknown or expired). */
    async resolve(cookieValue: string | undefined): Promise<Session | null> {
      if (!cookieValue || !ID_SHAPE.test(cookieValue)) return null;
      const row = await db.selectFrom('dashboard_sessions').selectAll().where('id_hash', '=', hashId(cookieValue)).executeTakeFirst();
      if (!row || Number(row.expires_at) <= clock()) return null;
      // A store-key session lives only as long as its key is active and its tenant enabled.
      if (row.api_key_id !== null) {
        const key = await db
          .selectFrom('api_keys')
          .innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id')
          .select('api_keys.id')
          .where('api_keys.id', '=', row.api_key_id)
          .where('api_keys.status', '=', 'active')
          .where('tenants.status', '=', 'active')
          .executeTakeFirst();
        if (!key) return null;
      }
      return { idHash: row.id_hash, tenantId: row.tenant_id, actor: row.actor, csrfToken: csrfOf(cookieValue), expiresAt: Number(row.expires_at) };
    },

    async destroy(idHash: string): Promise<void> {
      await db.deleteFrom('dashboard_sessions').where('id_hash', '=', idHash).execute();
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
