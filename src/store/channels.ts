/**
 * `events.channels`: the JSON list of sources that reported one (tenant, event_name, event_id), first reporter
 * first. Ingest leaves it empty (the event's own source is the list); a repeat from another channel writes the
 * list with its source appended instead of the event being stored again.
 */

/** The key under which one tenant's event is unique (and deduplicated). */
export const dedupKey = (eventName: string, eventId: string): string => `${eventName}\u0000${eventId}`;

/** The sources of an event: the `channels` column, or its one source when the column is still empty. */
export function parseChannels(raw: string | null | undefined, source: string): string[] {
  try {
    const list = JSON.parse(raw ?? '[]') as unknown;
    if (Array.isArray(list) && list.length > 0) return list.filter((c): c is string => typeof c === 'string');
  } catch {
    // A malformed value says nothing more than the event's own source.
  }
  return [source];
}
