/**
 * Pure rules of the store owner's overview and event details: which channel an event came by, what a pixel's
 * delivery counts say about its health, the names of the identifiers an event carried, and how an IP address
 * is masked before a dashboard user sees it. No I/O.
 */
import type { ChannelClass, ChannelCounts, PixelDeliveryCounts, PixelHealth } from '../core/overview-api.js';

const HOUR_MS = 3_600_000;

/** browser: only the snippet reported the event; server: only server channels (API, webhooks, imports …); both: a deduplicated pair. */
export function channelClass(channels: readonly string[]): ChannelClass {
  const browser = channels.some((c) => c === 'browser');
  const server = channels.some((c) => c !== 'browser');
  if (browser && server) return 'both';
  return browser ? 'browser' : 'server';
}

/** Adds up event counts by channel class. */
export function countByChannel(rows: readonly { channels: readonly string[]; count: number }[]): ChannelCounts {
  const out: ChannelCounts = { browser: 0, server: 0, both: 0, total: 0 };
  for (const r of rows) {
    out[channelClass(r.channels)] += r.count;
    out.total += r.count;
  }
  return out;
}

/** Delivery statuses as the overview counts them (`failed` is a delivery waiting to be retried). */
export function deliveryCounts(byStatus: readonly { status: string; count: number }[]): PixelDeliveryCounts {
  const out: PixelDeliveryCounts = { queued: 0, sending: 0, retrying: 0, sent: 0, dropped: 0, dead: 0 };
  for (const { status, count } of byStatus) {
    if (status === 'failed') out.retrying += count;
    else if (status === 'queued' || status === 'sending' || status === 'sent' || status === 'dropped' || status === 'dead') out[status] += count;
  }
  return out;
}

/**
 * A pixel's health in one word: its own state when paused or disabled; `failing` when deliveries are retrying or
 * died and Meta has accepted none in the last hour; `idle` with no delivery in the period; else `healthy`.
 */
export function pixelHealth(
  status: 'active' | 'disabled' | 'paused',
  counts: PixelDeliveryCounts,
  lastSentAt: number | null,
  now: number,
): PixelHealth['health'] {
  if (status === 'disabled') return 'disabled';
  if (status === 'paused') return 'paused';
  const troubled = counts.retrying + counts.dead > 0;
  if (troubled && (lastSentAt === null || lastSentAt < now - HOUR_MS)) return 'failing';
  const any = counts.queued + counts.sending + counts.retrying + counts.sent + counts.dropped + counts.dead;
  return any === 0 ? 'idle' : 'healthy';
}

/** Meta's user_data keys (docs/meta-capi.md) by the name a store owner knows them by, in the order they are shown. */
const IDENTIFIER_NAMES: readonly (readonly [string, string])[] = [
  ['em', 'Email'],
  ['ph', 'Phone'],
  ['fn', 'First name'],
  ['ln', 'Last name'],
  ['ge', 'Gender'],
  ['db', 'Date of birth'],
  ['ct', 'City'],
  ['st', 'State'],
  ['zp', 'ZIP code'],
  ['country', 'Country'],
  ['external_id', 'External ID'],
  ['client_ip_address', 'IP address'],
  ['client_user_agent', 'User agent'],
  ['fbc', 'Click ID (fbc)'],
  ['fbp', 'Browser ID (fbp)'],
  ['subscription_id', 'Subscription ID'],
  ['fb_login_id', 'Facebook Login ID'],
  ['lead_id', 'Lead ID'],
  ['anon_id', 'Install ID'],
  ['madid', 'Mobile advertiser ID'],
  ['page_id', 'Page ID'],
  ['page_scoped_user_id', 'Page-scoped user ID'],
  ['ctwa_clid', 'Click-to-WhatsApp click ID'],
  ['ig_account_id', 'Instagram account ID'],
  ['ig_sid', 'Instagram-scoped user ID'],
];
const NAME_OF = new Map(IDENTIFIER_NAMES);
const ORDER = new Map(IDENTIFIER_NAMES.map(([key], i) => [key, i]));

const isPresent = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

/**
 * The names of the identifiers present in a user_data object (Email, Phone …), in a fixed order, never a value.
 * A key Meta may add later is shown as the key itself.
 */
export function identifierNames(userData: Readonly<Record<string, unknown>>): string[] {
  const keys = Object.keys(userData).filter((k) => isPresent(userData[k]));
  keys.sort((a, b) => (ORDER.get(a) ?? ORDER.size) - (ORDER.get(b) ?? ORDER.size) || a.localeCompare(b));
  return keys.map((k) => NAME_OF.get(k) ?? k);
}

/**
 * An IP address as a dashboard user may see it: enough to tell a country or network apart, not a household.
 * IPv4 loses its last octet (`203.0.113.x`); IPv6 keeps its first 48 bits (`2001:db8:85a3:x:x:x:x:x`); an
 * IPv4-mapped IPv6 address is masked as IPv4. Anything else is hidden entirely.
 */
export function maskIp(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.x`;
  const groups = expandIpv6(ip);
  if (groups) return `${groups.slice(0, 3).join(':')}:x:x:x:x:x`;
  return '(hidden)';
}

/** The eight groups of an IPv6 address (without a zone), lower-case, leading zeros dropped; null when it is not one. */
function expandIpv6(ip: string): string[] | null {
  const addr = ip.split('%')[0] ?? '';
  if (!/^[0-9a-f:]+$/i.test(addr) || addr.split('::').length > 2) return null;
  const [head = '', tail] = addr.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
