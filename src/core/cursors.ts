/**
 * The opaque `cursor` of the paged lists (the event logs, the audit log): written by the store, checked by the
 * routes, so a cursor the relay did not issue is a 400 instead of silently restarting at the first page (a client
 * with a damaged cursor would otherwise page through the same rows for ever).
 */

/** What a route answers (400 invalid_parameter) for a cursor that does not decode; an empty one is the first page. */
export const CURSOR_MESSAGE = 'not a cursor this relay issued: pass nextCursor from the previous page as it is';

/** The event log's cursor: the last row's received_at and id, newest first. */
export function encodeEventLogCursor(receivedAt: number, id: string): string {
  return Buffer.from(`${receivedAt}:${id}`).toString('base64url');
}

export function decodeEventLogCursor(cursor: string): { receivedAt: number; id: string } | null {
  const m = /^(\d{1,16}):(.+)$/s.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) return null;
  const receivedAt = Number(m[1]);
  return Number.isSafeInteger(receivedAt) ? { receivedAt, id: m[2] as string } : null;
}

/** The audit log's cursor: the last entry's id (entries are numbered upwards, listed newest first). */
export function encodeAuditCursor(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

export function decodeAuditCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,16}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}
