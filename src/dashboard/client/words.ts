/**
 * What a person reads for the relay's codes: delivery and event statuses, channels, customer identifiers and
 * audit entries. The status keys are the admin API's own lists (src/core/admin-api.ts), so a status added there
 * fails the typecheck here until it has words. The code stays visible as a detail (a chip's title, a hint).
 */
import type { EventLogStatus, EventStatus, ShownDeliveryStatus } from '../../core/admin-api.js';
import type { HourlyStatus } from '../../reports/answers.js';
import type { ChannelClass, PixelHealth, RefusedReason, SetupStep } from '../../core/overview-api.js';

/** A delivery's status per pixel. */
export const DELIVERY_WORDS: Readonly<Record<ShownDeliveryStatus, string>> = {
  queued: 'waiting to send', sending: 'sending', sent: 'sent', failed: 'waiting to retry',
  dropped: 'not sent: too old', dead: 'failed — will not retry', paused: 'paused',
};

/** Why an event got no delivery, by its code (ingest answered "skipped" with it). */
const KEPT_BACK: Readonly<Record<string, string>> = {
  no_consent: 'not sent: consent', opt_out: 'not sent: consent', opt_out_essential: 'not sent: consent', ldu: 'not sent: consent',
  send_condition: 'not sent: too little customer data', thin_user_data: 'not sent: too little customer data',
  event_switch_off: 'not sent: switched off', forwarding_off: 'not sent: forwarding off', no_active_pixel: 'not sent: no active pixel',
};

/** An event's own status, for an event with no delivery (its drop code says why). */
export function eventWord(status: EventStatus, dropCode: string | null): string {
  if (status === 'queued') return 'waiting to send';
  if (status === 'done') return 'done';
  return (dropCode ? KEPT_BACK[dropCode] : undefined) ?? (status === 'dropped' ? 'not sent: policy' : 'not sent');
}

/** The event log's status filter, in the order offered; null: accepted by the API but not offered. */
export const FILTER_WORDS: Readonly<Record<EventLogStatus, string | null>> = {
  queued: 'waiting to send', sending: 'sending', sent: 'sent', failed: 'waiting to retry', dead: 'failed — will not retry',
  dropped: 'not sent: consent, a gate or too old', skipped: 'not sent: switched off or no pixel', done: null,
  held: 'held, waiting for its partner',
};

/** The events-per-hour chart's statuses: a delivery's, or the event's own when it got none. */
export const HOURLY_WORDS: Readonly<Record<HourlyStatus, string>> = {
  queued: 'waiting to send', sending: 'sending', sent: 'sent', failed: 'waiting to retry', dead: 'failed — will not retry',
  dropped: 'not sent: policy or too old', skipped: 'not sent: switched off or no pixel',
};

/** A pixel's delivery health on the Overview (the API's `health`), with the chip colour (a CSS class of `.status`). */
export const HEALTH_WORDS: Readonly<Record<PixelHealth['health'], { text: string; chip: string }>> = {
  healthy: { text: 'sending', chip: 'ok' }, failing: { text: 'failing: nothing sent for an hour', chip: 'bad' },
  paused: { text: 'paused', chip: 'paused' }, disabled: { text: 'switched off', chip: 'disabled' }, idle: { text: 'nothing sent yet', chip: 'idle' },
};

/** How an event reached the relay, as the Overview's rows name it. */
export const CHANNEL_CLASS_WORDS: Readonly<Record<ChannelClass, string>> = {
  browser: 'Browser only (the snippet)', server: 'Server only (API, webhooks, imports)', both: 'Both (reported twice, sent once)',
};

/** Why requests were refused before anything was stored. */
export const REFUSED_WORDS: Readonly<Record<RefusedReason, string>> = {
  origin_not_allowed: 'Origins refused', signature_refused: 'Webhook signatures refused', rate_limited: 'Rate-limited',
};

/** A word for any status code (deliveries, history lines, a simulation's answer), the code itself when it has none. */
export function statusWord(status: string): string {
  const other: Record<string, string> = { rejected: 'refused by the relay', not_sent: 'not sent', skipped: 'not sent', released: 'released', reclaimed: 'reclaimed', replayed: 'queued again' };
  return (DELIVERY_WORDS as Record<string, string>)[status] ?? other[status] ?? status;
}

/** A channel (an event's source) as the log shows it: `browser`, or `server (shopify)`, `server (api)` … */
export function channelWord(channel: string): { kind: 'browser' | 'server'; text: string } {
  if (channel === 'browser') return { kind: 'browser', text: 'browser' };
  const detail = channel.includes(':') ? channel.split(':')[1] : channel === 'api' ? 'api' : channel === 'simulate' ? 'simulated' : '';
  return { kind: 'server', text: detail ? `server (${detail})` : 'server' };
}

/** A relay message as the pages say it: the API's "tenant" is a "store" here ("this tenant has no active pixel"). */
export function storeWords(message: string): string {
  return message.replace(/\b([Tt])enant(s?)\b/g, (_m, t: string, s: string) => `${t === 'T' ? 'S' : 's'}tore${s}`);
}

/** A setup checklist step's state. */
const SETUP_WORDS: Readonly<Record<SetupStep['state'], string>> = { done: 'done', todo: 'to do', problem: 'problem' };
export const setupStateWord = (state: SetupStep['state']): string => SETUP_WORDS[state];

/** What Meta's answer says for one pixel: "events_received 1, fbtrace_id A1b2…", or the last error. */
export function metaAnswerWords(a: { status: string; fbtraceId: string | null; eventsReceived: number | null; lastError: string | null; attempts: number }): string {
  const parts: string[] = [];
  if (a.eventsReceived !== null) parts.push(`events_received ${a.eventsReceived}`);
  if (a.fbtraceId) parts.push(`fbtrace_id ${a.fbtraceId}`);
  if (a.lastError && a.status !== 'sent') parts.push(a.lastError);
  if (a.attempts > 1) parts.push(`${a.attempts} attempts`);
  return parts.join(', ') || 'no answer yet';
}

/** Meta's customer-information keys as a person names them. */
export const IDENTIFIER_WORDS: Readonly<Record<string, string>> = {
  em: 'Email', ph: 'Phone', fn: 'First name', ln: 'Last name', ct: 'City', st: 'State', zp: 'ZIP', country: 'Country', ge: 'Gender', db: 'Date of birth',
  external_id: 'External ID', fbp: 'Browser ID (fbp)', fbc: 'Click ID (fbc)', client_ip_address: 'IP address', client_user_agent: 'User agent',
};
export const identifierWord = (key: string): string => IDENTIFIER_WORDS[key] ?? key;

const VERBS: Readonly<Record<string, string>> = { POST: 'changed', PUT: 'changed', DELETE: 'removed' };
/** What an audited request did, as a sentence's predicate ("added a pixel"); the method and route stay as the detail. */
const ACTIONS: Readonly<Record<string, string>> = {
  'sign in': 'signed in', 'sign out': 'signed out',
  'POST /api/v1/tenants': 'added a store',
  'PUT /api/v1/tenants/:id/policy': 'changed the policy',
  'POST /api/v1/tenants/:id/status': 'changed the store\'s status',
  'POST /api/v1/tenants/:id/forwarding': 'switched forwarding',
  'PUT /api/v1/tenants/:id/switches': 'changed the event switches',
  'POST /api/v1/tenants/:id/keys/:kind/rotate': 'rotated a key',
  'POST /api/v1/tenants/:id/pixels': 'added a pixel',
  'PUT /api/v1/pixels/:id/settings': 'changed a pixel\'s settings',
  'POST /api/v1/pixels/:id/status': 'changed a pixel\'s status',
  'POST /api/v1/pixels/:id/rotate': 'replaced a pixel\'s access token',
  'POST /api/v1/pixels/:id/test-connection': 'tested a pixel\'s connection',
  'POST /api/v1/pixels/:id/simulate': 'simulated an event',
  'POST /api/v1/tenants/:id/replay': 'retried dead deliveries',
  'POST /api/v1/tenants/:id/forget': 'asked to forget a customer',
  'POST /api/v1/tenants/:id/events/clear': 'cleared the event log',
  'POST /api/v1/tenants/:id/sources': 'added a webhook source',
  'POST /api/v1/sources/:id/rotate-secret': 'replaced a webhook source\'s secret',
  'POST /api/v1/sources/:id/status': 'changed a webhook source\'s status',
  'PUT /api/v1/tenants/:id/snippet': 'changed the snippet settings',
  'POST /api/v1/tenants/:id/origins': 'allowed an origin',
  'DELETE /api/v1/tenants/:id/origins': 'removed an allowed origin',
  'POST /api/v1/tenants/:id/imports': 'imported a CSV file',
};

/** Who did it, as a person reads it: "The operator (session ab12cd34)", "The store's key (session …)", "The admin API token". */
export function actorWords(actor: string): string {
  const session = /\(session ([^)]+)\)/.exec(actor)?.[1];
  const via = session ? ` (session ${session})` : '';
  if (actor.startsWith('dashboard operator')) return `The operator${via}`;
  if (actor.startsWith('dashboard tenant')) return `The store owner${via}`;
  if (actor === 'admin API token') return 'The admin API token';
  return actor;
}

/** An audit entry as a sentence: "The operator (session ab12cd34) added a pixel." */
export function auditSentence(actor: string, action: string): string {
  const method = action.split(' ')[0] ?? '';
  const did = ACTIONS[action] ?? `${VERBS[method] ?? 'did'} ${action.slice(method.length + 1) || action}`;
  return `${actorWords(actor)} ${did}.`;
}
