/**
 * What a person reads for the relay's codes: delivery and event statuses, channels. The keys are the admin
 * API's own lists (src/core/admin-api.ts), so a status added there fails the typecheck here until it has words.
 */
import type { EventLogStatus, EventStatus, ShownDeliveryStatus } from '../../core/admin-api.js';

/** A delivery's status per pixel ("failed" is a retry that is already scheduled). */
export const DELIVERY_WORDS: Readonly<Record<ShownDeliveryStatus, string>> = {
  queued: 'queued', sending: 'sending', sent: 'sent', failed: 'error, retrying', dropped: 'dropped', dead: 'dead', paused: 'paused',
};

/**
 * An event that got no delivery: kept back by consent or a gate (stored "dropped") or by a switch or for want
 * of a pixel ("skipped"); ingest answered "skipped" with its code and the log says the same.
 */
export const EVENT_WORDS: Readonly<Record<EventStatus, string>> = {
  queued: 'queued', dropped: 'skipped (policy)', skipped: 'skipped', done: 'done',
};

/** The event log's status filter, in the order offered; null: accepted by the API but not offered. */
export const FILTER_WORDS: Readonly<Record<EventLogStatus, string | null>> = {
  queued: 'queued', sending: 'sending', sent: 'sent', failed: 'error, retrying', dead: 'dead',
  dropped: 'skipped: consent or gate, or dropped too old', skipped: 'skipped: switch, forwarding or no pixel', done: null,
};

/** A word for any status code, the code itself when it has none. */
export function statusWord(status: string): string {
  return (DELIVERY_WORDS as Record<string, string>)[status] ?? (EVENT_WORDS as Record<string, string>)[status] ?? status;
}

/** A channel (an event's source) as the log shows it: `browser`, or `server (shopify)`, `server (api)` … */
export function channelWord(channel: string): { kind: 'browser' | 'server'; text: string } {
  if (channel === 'browser') return { kind: 'browser', text: 'browser' };
  const detail = channel.includes(':') ? channel.split(':')[1] : channel === 'api' ? 'api' : channel === 'simulate' ? 'simulated' : '';
  return { kind: 'server', text: detail ? `server (${detail})` : 'server' };
}
