import type { CreateTableBuilder } from 'kysely';

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
