import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * Takes `count` consecutive seqs of a tenant's log and answers the first. It is the writing transaction's first
 * statement, a write: on SQLite it takes the write lock at once (a transaction that reads first cannot wait for
 * it), and on PostgreSQL the tenant's row stays locked until the transaction ends, so another writer of the
 * tenant waits and commits after it. Committed seqs are therefore always a prefix of the tenant's log: a cursor
 * that read up to seq n can never see a seq below n commit later.
 */
export async function allocateSeqs(trx: Transaction<Database>, tenantId: string, count: number): Promise<number> {
  const { rows } = await sql<{ next_seq: number }>`insert into tenant_sequences (tenant_id, next_seq) values (${tenantId}, ${count + 1})
    on conflict (tenant_id) do update set next_seq = tenant_sequences.next_seq + ${count}
    returning next_seq`.execute(trx);
  const next = Number(rows[0]?.next_seq);
  return next - count;
}
