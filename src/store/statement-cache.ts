/**
 * Kysely's SQLite driver prepares every query afresh. Preparing is SQLite parsing and planning the SQL text,
 * and for the hot statements (a 500-row INSERT has 10,000 placeholders, a 1000-id claim UPDATE) it cost as
 * much as running them. The queries the relay repeats have the same text every time, so their prepared
 * statements are kept and reused, least recently used first out.
 */
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Statements kept; the relay's repeating queries are a few dozen, ad-hoc ones (reports, CLI) pass through. */
const DEFAULT_CAPACITY = 200;

/** Wraps a better-sqlite3 database so that `prepare` returns a cached statement for SQL text it has seen. */
export function cachingStatements(db: SqliteDatabase, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt !== undefined) {
        // Re-inserting moves it to the end, so the first key is always the least recently used.
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
