/** The event log's query string, one schema for the ingest-key view (`GET /v1/events`) and the admin API's. */
import { z } from 'zod';
import { EVENT_LOG_STATUSES } from '../core/admin-api.js';
import { CURSOR_MESSAGE, decodeEventLogCursor } from '../core/cursors.js';
import type { EventLogQuery } from '../services/delivery-status.js';
import { parseQuery } from './validate.js';

export const eventLogQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(200).refine((c) => c === '' || decodeEventLogCursor(c) !== null, CURSOR_MESSAGE).optional(),
    event_name: z.string().max(100).optional(),
    status: z.enum(EVENT_LOG_STATUSES).optional(),
    source: z.string().max(100).optional(),
    since: z.coerce.number().int().min(0).optional(),
    until: z.coerce.number().int().min(0).optional(),
  })
  .strict();

/** Validates the query (a bad one is a 400 `invalid_parameter` naming it) into the store's filter. */
export function parseEventLogQuery(query: unknown): Omit<EventLogQuery, 'hiddenUpTo'> {
  const q = parseQuery(eventLogQuery, query);
  return { limit: q.limit, cursor: q.cursor, eventName: q.event_name, status: q.status, source: q.source, since: q.since, until: q.until };
}
