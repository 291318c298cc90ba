/**
 * GA4 Measurement Protocol (`POST /mp/collect`, `/debug/mp/collect`): reads a request as Google documents it
 * and maps its events to the relay's commerce input (GA4's event names are the commerce names the transform
 * already maps to Meta's standard events). Validation messages use Google's debug shape. Pure: no I/O.
 */

/** One of Google's debug answers' entries. */
export interface ValidationMessage {
  fieldPath: string;
  description: string;
  validationCode: 'VALUE_INVALID' | 'VALUE_REQUIRED' | 'NAME_INVALID' | 'NAME_RESERVED' | 'VALUE_OUT_OF_BOUNDS' | 'EXCEEDED_MAX_ENTITIES';
}

/** Google's limit of events per request. */
export const GA4_MAX_EVENTS = 25;
const NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const RESERVED = new Set(['ad_activeview', 'ad_click', 'ad_exposure', 'ad_query', 'ad_reward', 'adunit_exposure', 'app_clear_data', 'app_exception', 'app_install', 'app_remove', 'app_store_refund', 'app_update', 'app_upgrade', 'dynamic_link_app_open', 'dynamic_link_app_update', 'dynamic_link_first_open', 'error', 'firebase_campaign', 'first_open', 'first_visit', 'in_app_purchase', 'notification_dismiss', 'notification_foreground', 'notification_open', 'notification_receive', 'os_update', 'session_start', 'user_engagement']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
const first = (v: unknown): string | undefined => (Array.isArray(v) ? str(v[0]) : str(v));

/** Checks a request's structure as Google's validation server does; an empty list means it is well formed. */
export function validateMpRequest(body: unknown): ValidationMessage[] {
  if (!isObj(body)) return [{ fieldPath: '', description: 'the body must be a JSON object', validationCode: 'VALUE_INVALID' }];
  const out: ValidationMessage[] = [];
  if (str(body.client_id) === undefined && str(body.app_instance_id) === undefined) {
    out.push({ fieldPath: 'client_id', description: 'client_id (web) or app_instance_id (app) is required', validationCode: 'VALUE_REQUIRED' });
  }
  if (!Array.isArray(body.events) || body.events.length === 0) {
    out.push({ fieldPath: 'events', description: 'events must hold at least one event', validationCode: 'VALUE_REQUIRED' });
    return out;
  }
  if (body.events.length > GA4_MAX_EVENTS) out.push({ fieldPath: 'events', description: `at most ${GA4_MAX_EVENTS} events per request`, validationCode: 'EXCEEDED_MAX_ENTITIES' });
  body.events.forEach((e: unknown, i: number) => {
    const name = isObj(e) ? e.name : undefined;
    if (typeof name !== 'string' || name === '') out.push({ fieldPath: `events[${i}].name`, description: 'the event name is required', validationCode: 'VALUE_REQUIRED' });
    else if (!NAME_RE.test(name)) out.push({ fieldPath: `events[${i}].name`, description: 'an event name starts with a letter and holds at most 40 letters, digits and underscores', validationCode: 'NAME_INVALID' });
    else if (RESERVED.has(name) || /^(_|firebase_|ga_|google_|gtag\.)/.test(name)) out.push({ fieldPath: `events[${i}].name`, description: 'this event name is reserved', validationCode: 'NAME_RESERVED' });
    if (isObj(e) && e.params !== undefined && !isObj(e.params)) out.push({ fieldPath: `events[${i}].params`, description: 'params must be an object', validationCode: 'VALUE_INVALID' });
  });
  if (body.user_data !== undefined && !isObj(body.user_data)) out.push({ fieldPath: 'user_data', description: 'user_data must be an object', validationCode: 'VALUE_INVALID' });
  return out;
}

/** user_data / user_provided_data → the relay's user fields (Meta's names; sha256_* values go through as hashes). */
function userFields(body: Record<string, unknown>): Record<string, unknown> {
  const ud = isObj(body.user_data) ? body.user_data : isObj(body.user_provided_data) ? body.user_provided_data : {};
  const user: Record<string, unknown> = {};
  const put = (k: string, v: string | undefined) => {
    if (v !== undefined) user[k] = v;
  };
  put('em', first(ud.sha256_email_address) ?? first(ud.email_address) ?? first(ud.email));
  put('ph', first(ud.sha256_phone_number) ?? first(ud.phone_number));
  const address = Array.isArray(ud.address) ? ud.address[0] : ud.address;
  if (isObj(address)) {
    put('fn', str(address.sha256_first_name) ?? str(address.first_name));
    put('ln', str(address.sha256_last_name) ?? str(address.last_name));
    put('ct', str(address.city));
    put('st', str(address.region));
    put('zp', str(address.postal_code));
    put('country', str(address.country));
  }
  // Meta's external_id: the site's own user id, else GA's client id (one browser).
  put('external_id', str(body.user_id) ?? str(body.client_id) ?? str(body.app_instance_id));
  put('client_ip_address', str(body.ip_override));
  const device = isObj(body.device) ? body.device : {};
  put('client_user_agent', str(device.user_agent));
  return user;
}

function itemsOf(v: unknown): Record<string, unknown>[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((it) => {
    if (!isObj(it)) return [];
    const item: Record<string, unknown> = {};
    const id = str(it.item_id);
    if (id !== undefined) item.id = id;
    const q = num(it.quantity);
    if (q !== undefined) item.quantity = q;
    const price = num(it.price);
    if (price !== undefined) item.price = price;
    const name = str(it.item_name);
    if (name !== undefined) item.name = name;
    const category = str(it.item_category);
    if (category !== undefined) item.category = category;
    return Object.keys(item).length > 0 ? [item] : [];
  });
}

/**
 * Maps a well-formed request's events to commerce inputs, in order. A purchase with a transaction_id takes the
 * store's Purchase event_id rule (its template over the order id), so the order's webhook and the snippet
 * deduplicate with it; params.event_id, when sent, is used for the others.
 */
export function mapMpRequest(body: Record<string, unknown>): Record<string, unknown>[] {
  const user = userFields(body);
  const consent = isObj(body.consent) ? body.consent : null;
  const requestMicros = num(body.timestamp_micros);
  const events = Array.isArray(body.events) ? body.events : [];
  return events.map((e: unknown) => {
    const ev = isObj(e) ? e : {};
    const params = isObj(ev.params) ? ev.params : {};
    const name = String(ev.name);
    const input: Record<string, unknown> = { event: name, action_source: 'website', user };
    const micros = num(ev.timestamp_micros) ?? requestMicros;
    if (micros !== undefined) input.timestamp = Math.floor(micros / 1_000_000);
    const orderId = str(params.transaction_id);
    if (orderId !== undefined) input.order_id = orderId;
    const eventId = str(params.event_id);
    if (eventId !== undefined) input.event_id = eventId;
    const value = num(params.value);
    if (value !== undefined) input.value = value;
    const currency = str(params.currency);
    if (currency !== undefined) input.currency = currency;
    const items = itemsOf(params.items);
    if (items.length > 0) input.items = items;
    const url = str(params.page_location);
    if (url !== undefined) input.url = url;
    const referrer = str(params.page_referrer);
    if (referrer !== undefined) input.referrer = referrer;
    const search = str(params.search_term);
    if (search !== undefined && name === 'search') input.search_string = search;
    // Google's consent signal for ads: granted → the `ad_user_data` category, denied → none.
    if (consent && (consent.ad_user_data === 'GRANTED' || consent.ad_user_data === 'DENIED')) {
      input.consent_categories = consent.ad_user_data === 'GRANTED' ? ['ad_user_data'] : [];
    }
    return input;
  });
}
