import { type CreateTableBuilder, sql } from 'kysely';

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
  autoIncrementPrimaryKey<T extends string>(t: CreateTableBuilder<T>, column: string): CreateTableBuilder<T>;
}

export const sqliteAdapter: DialectAdapter = {
  name: 'sqlite',
  supportsSkipLocked: false,
  supportsMultipleNodes: false,
  autoIncrementPrimaryKey: (t, column) => t.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement()),
};

export const postgresAdapter: DialectAdapter = {
  name: 'postgres',
  supportsSkipLocked: true,
  supportsMultipleNodes: true,
  autoIncrementPrimaryKey: (t, column) => t.addColumn(column, 'bigserial', (c) => c.primaryKey()),
};

/**
 * The adapter of a Kysely instance or transaction, for code handed only a transaction (writeEvents): read from
 * how it writes a bound parameter, `$1` on PostgreSQL and `?` on SQLite (Kysely keeps its own adapter internal).
 */
export function adapterOf(db: Parameters<ReturnType<typeof sql>['compile']>[0]): DialectAdapter {
  return sql`${0}`.compile(db).sql === '$1' ? postgresAdapter : sqliteAdapter;
}
