import { type CreateTableBuilder, type Expression, type Kysely, sql, type SqlBool } from 'kysely';

/**
 * Everything that differs between SQLite and PostgreSQL, named once and read in one place
 * (never `if (dialect === 'sqlite')` scattered through the code).
 */
export interface DialectAdapter {
  readonly name: 'sqlite' | 'postgres';
  /** Row locks with SKIP LOCKED exist, so several processes can claim work from one database. */
  readonly supportsSkipLocked: boolean;
  /** More than one process may open the store at once for writing work. */
  readonly supportsMultipleNodes: boolean;
  /**
   * One write transaction at a time (SQLite's single writer): a transaction that starts with a write reads
   * every other writer's work committed, none running beside it.
   */
  readonly serializedWrites: boolean;
  autoIncrementPrimaryKey<T extends string>(t: CreateTableBuilder<T>, column: string): CreateTableBuilder<T>;
}

export const sqliteAdapter: DialectAdapter = {
  name: 'sqlite',
  supportsSkipLocked: false,
  supportsMultipleNodes: false,
  serializedWrites: true,
  autoIncrementPrimaryKey: (t, column) => t.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement()),
};

export const postgresAdapter: DialectAdapter = {
  name: 'postgres',
  supportsSkipLocked: true,
  supportsMultipleNodes: true,
  serializedWrites: false,
  autoIncrementPrimaryKey: (t, column) => t.addColumn(column, 'bigserial', (c) => c.primaryKey()),
};

/**
 * The adapter of a Kysely instance or transaction, for code handed only a transaction (writeEvents): read from
 * how it writes a bound parameter, `$1` on PostgreSQL and `?` on SQLite (Kysely keeps its own adapter internal).
 */
export function adapterOf(db: QueryCompilerHolder): DialectAdapter {
  // Asked several times per write on the ingest path: compiled once per Kysely instance or transaction.
  let adapter = adapters.get(db);
  if (!adapter) {
    adapter = sql`${0}`.compile(db).sql === '$1' ? postgresAdapter : sqliteAdapter;
    adapters.set(db, adapter);
  }
  return adapter;
}
type QueryCompilerHolder = Parameters<ReturnType<typeof sql>['compile']>[0];
const adapters = new WeakMap<QueryCompilerHolder, DialectAdapter>();

/**
 * `column in (…)`: on PostgreSQL `column = any($1)`, the values as one array parameter, so the statement's text is
 * the same whatever their count (parsed and planned once); on SQLite, which has no arrays, a placeholder per value
 * (callers keep lists under its parameter limit).
 */
export function oneOf(db: QueryCompilerHolder, column: string, values: readonly (string | number)[]): Expression<SqlBool> {
  return adapterOf(db).name === 'postgres' ? sql<SqlBool>`${sql.ref(column)} = any(${[...values]})` : sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})`;
}

/**
 * Runs a read whose plan PostgreSQL costs far above what it takes (index ranges per row, whose sizes it cannot
 * estimate) with JIT compilation off, in a transaction of its own (SET LOCAL): past jit_above_cost PostgreSQL
 * first compiles the statements with LLVM. The overview's delivery counts of 20,000 events took 1.16 s so, 0.08 s
 * without (bench/delivery-counts.ts). SQLite has no JIT: the read runs as it is.
 */
export async function withoutJit<DB, T>(db: Kysely<DB>, read: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  if (adapterOf(db).name !== 'postgres') return read(db);
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return read(trx);
  });
}
