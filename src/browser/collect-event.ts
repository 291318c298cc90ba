/**
 * Maps a snippet beacon (POST /v1/collect) to the commerce event shape the transform accepts, so
 * browser events take the same path (mapping, consent, hashing, gates, queue) as every other channel.
 */
import { META_STANDARD_EVENTS } from '../transform/event-map.js';
import { isCleanText, stringLimit } from '../transform/untrusted.js';
import { BEACON_COMMERCE_KEYS, BEACON_USER_KEYS } from './collect-fields.js';

/** Meta standard event names [M-PIX]: sent as the Meta name; any other name goes through the GA4 table. */
const META_STANDARD = new Set(META_STANDARD_EVENTS);
const COMMERCE_KEYS = [...BEACON_COMMERCE_KEYS, 'referrer'];
const USER_KEYS = new Set(BEACON_USER_KEYS);

export interface CollectBody {
  key: string;
  event: Record<string, unknown>;
  clicks: { fbp?: string; fbclid?: { id: string; firstSeenAt: number }; gclid?: { id: string; firstSeenAt: number }; orderId?: string };
}

export class CollectInputError extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The parsed beacon: its key, the commerce event to ingest and the click ids to remember. */
export function mapCollectBody(
  raw: unknown,
  ctx: { ip: string | undefined; userAgent: string | undefined; consentCategory: string | null; now: number },
): CollectBody {
  if (!isObj(raw)) throw new CollectInputError('the body must be one JSON object');
  const key = optStr(raw.key) ?? '';
  const name = optStr(raw.event);
  if (!name) throw new CollectInputError('"event" is required (a Meta standard name such as ViewContent, or a GA4 name)');

  const ev: Record<string, unknown> = { event: name, action_source: 'website' };
  if (META_STANDARD.has(name)) ev.integrations = { facebook: { event_name: name } };
  if (raw.event_id !== undefined) ev.event_id = raw.event_id;
  if (raw.timestamp !== undefined) ev.timestamp = raw.timestamp;
  if (raw.url !== undefined) ev.url = raw.url;
  for (const k of COMMERCE_KEYS) if (raw[k] !== undefined) ev[k] = raw[k];
  if (isObj(raw.custom_data)) ev.integrations = { facebook: { ...(ev.integrations as object | undefined), custom_data: raw.custom_data } };

  // A Purchase beacon with an order_id and no event_id is named by the store's Purchase template in the transform,
  // as the order webhook is (the snippet itself sends the id it gave the Pixel).
  const orderId = typeof raw.order_id === 'number' ? String(raw.order_id) : optStr(raw.order_id);

  const user: Record<string, unknown> = {};
  if (isObj(raw.user)) for (const k of Object.keys(raw.user)) if (USER_KEYS.has(k)) user[k === 'external_id' ? 'id' : k] = raw.user[k];
  const fbp = optStr(raw.fbp);
  const fbc = optStr(raw.fbc);
  const fbclid = optStr(raw.fbclid);
  if (fbp) user.fbp = fbp;
  if (fbc) user.fbc = fbc;
  else if (fbclid) user.fbclid = fbclid;
  // IP and user agent come from the request itself, never from the body.
  if (ctx.ip) user.ip = ctx.ip;
  if (ctx.userAgent) user.user_agent = ctx.userAgent;
  ev.user = user;

  const consented = raw.consent === true;
  // Without a recorded "yes" the tenant's consent rule (drop or strip) applies in the transform.
  if (ctx.consentCategory) ev.consent_categories = consented ? [ctx.consentCategory] : [];

  const clicks: CollectBody['clicks'] = {};
  if (fbp && (consented || !ctx.consentCategory)) {
    clicks.fbp = fbp;
    const fromFbc = fbc ? parseFbc(fbc) : undefined;
    if (fromFbc) clicks.fbclid = fromFbc;
    else if (fbclid) clicks.fbclid = { id: fbclid, firstSeenAt: ctx.now };
    const gclid = optStr(raw.gclid);
    // The one beacon field stored outside the event (whose fields the transform checks): same rules.
    if (gclid && (!isCleanText(gclid) || gclid.length > stringLimit('gclid'))) {
      throw new CollectInputError(`gclid: not valid text, or longer than ${stringLimit('gclid')} characters`);
    }
    if (gclid) clicks.gclid = { id: gclid, firstSeenAt: sanePast(raw.gclid_at, ctx.now) };
    if (orderId) clicks.orderId = orderId;
  }
  return { key, event: ev, clicks };
}

/** `fb.1.<ms>.<fbclid>` → the click id and its first-seen time (Meta's _fbc format). */
export function parseFbc(fbc: string): { id: string; firstSeenAt: number } | undefined {
  const m = /^fb\.\d+\.(\d{10,13})\.(.+)$/.exec(fbc);
  if (!m) return undefined;
  const t = Number(m[1]);
  return { id: m[2]!, firstSeenAt: t < 1e12 ? t * 1000 : t };
}

/** A client-reported time, trusted only when in the past 90 days (clocks and cookies can lie). */
function sanePast(v: unknown, now: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v <= now && now - v < 90 * 86_400_000 ? v : now;
}
