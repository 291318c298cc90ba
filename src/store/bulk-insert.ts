/**
 * Multi-row INSERTs of the ingest path whose SQL is written once, not built by Kysely's query builder per call:
 * building a 27-row, 20-column INSERT (parsing every row object, freezing the operation tree, visiting it to
 * compile) cost more CPU than SQLite running it. The rows go straight into the parameter list.
 *
 * - SQLite: `values (?, …), (?, …)` with one row of placeholders per row; the text per row count is kept for small
 *   counts (a group commit of one-event requests repeats the same few), so the driver's statement cache
 *   (statement-cache.ts) finds it prepared.
 * - PostgreSQL: one statement of constant text whatever the count: the rows travel as one JSON parameter
 *   (json_to_recordset), not as a placeholder per value that the server parses and plans again on every call.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import { adapterOf } from './dialect-adapter.js';
import type { Database } from './schema.js';

/** A column and its PostgreSQL type (json_to_recordset needs the record's shape). */
export type BulkColumn<R> = readonly [name: keyof R & string, pgType: 'text' | 'bigint' | 'integer' | 'double precision'];

export interface BulkInsert<R> {
  /** Inserts `rows` (at most `maxRows` on SQLite, whose bound parameters are limited); answers the rows RETURNING gave. */
  run<T = unknown>(trx: Transaction<Database>, rows: readonly R[]): Promise<T[]>;
}

/** Row counts whose SQLite text is kept: one-event groups stay under it; bigger batches build theirs (still cached prepared). */
const KEPT_TEXTS_UP_TO = 64;

/**
 * An INSERT into `table` of `columns`, ending with `tail` (`on conflict … do nothing`, `returning …`), written
 * for both databases. Every row must have every column (null, not undefined, for none).
 */
export function bulkInsert<R>(table: keyof Database & string, columns: readonly BulkColumn<R>[], tail = ''): BulkInsert<R> {
  const names = columns.map(([name]) => name);
  const list = names.join(', ');
  const pgSql = `insert into ${table} (${list}) select ${list} from json_to_recordset($1::json) as r(${columns.map(([n, t]) => `${n} ${t}`).join(', ')}) ${tail}`;
  const rowPlaceholders = `(${names.map(() => '?').join(', ')})`;
  const sqliteTexts = new Map<number, string>();
  const sqliteSql = (count: number): string => {
    const kept = sqliteTexts.get(count);
    if (kept !== undefined) return kept;
    const text = `insert into ${table} (${list}) values ${new Array<string>(count).fill(rowPlaceholders).join(', ')} ${tail}`;
    if (count <= KEPT_TEXTS_UP_TO) sqliteTexts.set(count, text);
    return text;
  };
  return {
    async run<T>(trx: Transaction<Database>, rows: readonly R[]): Promise<T[]> {
      if (rows.length === 0) return [];
      if (adapterOf(trx).name === 'postgres') {
        // JSON.stringify drops undefined properties: json_to_recordset reads a missing key as null, as wanted.
        return (await trx.executeQuery<T>(CompiledQuery.raw(pgSql, [JSON.stringify(rows)]))).rows as T[];
      }
      const parameters: unknown[] = new Array(rows.length * names.length);
      let k = 0;
      for (const row of rows) {
        for (const name of names) parameters[k++] = (row[name as keyof R] as unknown) ?? null;
      }
      return (await trx.executeQuery<T>(CompiledQuery.raw(sqliteSql(rows.length), parameters))).rows as T[];
    },
  };
}
