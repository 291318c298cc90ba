/**
 * Storage faults: the database is unreachable (PostgreSQL restarted, failed over, network cut) or cannot
 * write (disk full, read-only volume). They are not bugs in the request: the caller should retry later, so
 * the HTTP layer answers `503 storage_unavailable` with Retry-After instead of `500 internal_error`, and
 * /readyz reports not-ready until a probe succeeds again.
 */

// Node socket errors seen by the pg driver when the server is gone or unreachable.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

// PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (53100 disk full,
// 53300 too many connections), 57P operator intervention (57P01 admin_shutdown is what
// pg_terminate_backend and a restart send, 57P03 cannot_connect_now while the server starts up).
const PG_STATES = /^(08|53|57P)/;

// SQLite result codes better-sqlite3 puts in `code`: full disk, I/O errors (including their extended
// codes such as SQLITE_IOERR_WRITE), a volume gone read-only, a file that cannot be opened, and a write
// lock still held by another process after busy_timeout. SQLITE_CORRUPT and constraint errors are not here.
const SQLITE_CODES = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|BUSY|NOMEM)/;

// Errors the pg driver throws without a code.
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'terminating connection',
  'the database system is',
];

/** Whether an error means "storage unavailable, retry later" rather than a bug or a bad request. */
export function isStorageFault(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_STATES.test(code) || SQLITE_CODES.test(code))) return true;
  if (typeof message === 'string' && PG_MESSAGES.some((m) => message.includes(m))) return true;
  // AggregateError (a connect that tried IPv4 and IPv6) and wrapped causes.
  const nested = (err as { errors?: unknown; cause?: unknown }).errors;
  if (Array.isArray(nested) && nested.some(isStorageFault)) return true;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isStorageFault(cause);
}

/** A short, log-safe description of a storage fault: its code and the driver's message, no query or values. */
export function describeFault(err: unknown): { code: string | undefined; message: string } {
  const e = err as { code?: unknown; message?: unknown } | null;
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message.slice(0, 200) : String(err).slice(0, 200),
  };
}
