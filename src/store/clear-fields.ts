import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * Deletes the IP addresses and user agents of a tenant's events that every pixel still to send has passed:
 * one range delete up to the lowest sent_through among the tenant's pixels that are not disabled (a paused
 * pixel's events wait, and are sent with them later). A single event that still may be sent (retrying, dead
 * within the replay window) keeps its copy on its delivery_exceptions row.
 */
export async function eraseSentClearFields(trx: Transaction<Database>, tenantId: string): Promise<void> {
  const low = await trx
    .selectFrom('pixel_cursors as c')
    .innerJoin('pixels as p', 'p.id', 'c.pixel_row_id')
    .select((eb) => eb.fn.min('c.sent_through').as('through'))
    .where('c.tenant_id', '=', tenantId)
    .where('p.status', '!=', sql.lit('disabled'))
    .executeTakeFirst();
  if (low?.through === null || low?.through === undefined) return;
  await trx.deleteFrom('event_clear_fields').where('tenant_id', '=', tenantId).where('seq', '<=', Number(low.through)).execute();
}
