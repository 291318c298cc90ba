/**
 * Kysely's SQLite driver prepares every query afresh. Preparing is SQLite parsing and planning the SQL text,
 * and for the hot statements (a 500-row INSERT has 10,000 placeholders, a 1000-id claim UPDATE) it cost as
 * much as running them. The queries the relay repeats have the same text every time, so their prepared
 * statements are kept and reused, least recently used first out.
 *
 * The budget is the total length of the cached SQL, not a count: a prepared statement's native memory grows
 * with its text (~0.7 MB for a 500-row, 20-column INSERT), and every batch size and IN-list length is a text
 * of its own, so a count alone could pin a hundred megabytes outside the V8 heap.
 */
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** About 25 of the largest hot statements (~20 MB native), or thousands of ordinary ones. */
const DEFAULT_BUDGET_CHARS = 1_000_000;

/** Wraps a better-sqlite3 database so that `prepare` returns a cached statement for SQL text it has seen. */
export function cachingStatements(db: SqliteDatabase, budgetChars = DEFAULT_BUDGET_CHARS): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  let cachedChars = 0;
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit !== undefined) {
        // Re-inserting moves it to the end, so the first key is always the least recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      // A statement bigger than the whole budget would only evict everything else: use it once.
      if (sql.length > budgetChars) return stmt;
      for (const oldest of cache.keys()) {
        if (cachedChars + sql.length <= budgetChars) break;
        cache.delete(oldest);
        cachedChars -= oldest.length;
      }
      cache.set(sql, stmt);
      cachedChars += sql.length;
      return stmt;
    },
  };
}
