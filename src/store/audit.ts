/**
 * The audit log (table `audit_log`, migration 0008): one row per admin change, with who made it, when,
 * and a summary of what. `summarizeChange` is pure and removes every secret before anything is stored.
 */
import type { AuditEntry } from '../core/admin-api.js';
import { decodeAuditCursor, encodeAuditCursor } from '../core/cursors.js';
import type { Store } from './database.js';

export type { AuditEntry };

// Field names whose values are credentials (access tokens, webhook secrets, passwords, keys).
const SECRET_FIELD = /token|secret|password|key|authorization|credential/i;
// Field names whose values identify a customer (an erasure request names one): kept out of the log as "(given)".
const PERSONAL_FIELD = /^(email|phone|external_?id|fbp|fbc|ip|first_?name|last_?name)$/i;
const MAX_STRING = 200;
const MAX_DEPTH = 4;

/**
 * A copy of a request body safe to keep: values of secret-named fields become "(set)", a customer's
 * identifiers "(given)", long strings are cut, deep nesting is elided. Test event codes are kept (they mark test traffic, they grant nothing).
 */
export function summarizeChange(body: unknown, depth = 0): unknown {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body.length > MAX_STRING ? `${body.slice(0, MAX_STRING)}…` : body;
  if (typeof body === 'number' || typeof body === 'boolean') return body;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(body)) return body.slice(0, 50).map((v) => summarizeChange(v, depth + 1));
  if (typeof body === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (PERSONAL_FIELD.test(k)) out[k] = '(given)';
      else out[k] = SECRET_FIELD.test(k) && !/^testEventCode$/i.test(k) ? '(set)' : summarizeChange(v, depth + 1);
    }
    return out;
  }
  return String(body);
}

/** Records and lists admin changes. */
export function createAuditRepository(store: Store, clock: () => number = Date.now) {
  const { db } = store;
  return {
    async record(entry: { tenantId: string | null; actor: string; action: string; target: string | null; summary: unknown }): Promise<void> {
      await db
        .insertInto('audit_log')
        .values({ tenant_id: entry.tenantId, actor: entry.actor, action: entry.action, target: entry.target, summary: JSON.stringify(entry.summary ?? null), at: clock() })
        .execute();
    },

    /** Newest first; `tenantId` null lists every entry (operators), a tenant id only that tenant's. */
    async list(q: { tenantId: string | null; limit: number; cursor?: string | undefined }): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
      let query = db.selectFrom('audit_log').selectAll();
      if (q.tenantId) query = query.where('tenant_id', '=', q.tenantId);
      const before = q.cursor ? decodeAuditCursor(q.cursor) : null;
      if (before !== null) query = query.where('id', '<', before);
      const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
      const page = rows.slice(0, q.limit);
      const items = page.map((r) => ({
        id: Number(r.id),
        tenantId: r.tenant_id,
        actor: r.actor,
        action: r.action,
        target: r.target,
        summary: JSON.parse(r.summary) as Record<string, unknown>,
        at: Number(r.at),
      }));
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > q.limit && last ? encodeAuditCursor(last.id) : null };
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
