/**
 * One best event per conversion: the browser and the server copy of one event (same event_name and event_id),
 * merged into the one server event Meta receives. Meta deduplicates a second send with the same event_id, so a
 * copy that arrives after the first was sent cannot add anything; the relay holds the first copy for a short
 * window and sends this merge instead. Pure: two Meta server events (already normalized and hashed) in, one out.
 *
 * The rules (docs/data-handling.md "One event from two channels" shows them as a table):
 * - from the server copy: value and currency (as a pair), contents (contents, content_ids, content_type,
 *   num_items), order_id, and the customer identifiers (em, ph, fn, ln, ge, db, ct, st, zp, country, external_id);
 * - from the browser copy: fbp, fbc, client_ip_address, client_user_agent and event_source_url;
 * - each of those falls back to the other copy when its own copy lacks it;
 * - customer identifiers are a union: the server's values first, then the browser's values it lacks (Meta
 *   accepts several hashed values per key);
 * - everything else: the first non-empty value, in arrival order;
 * - consent is the stricter of the two: a copy whose consent was refused (or missing where it is required)
 *   contributes no identifiers (fbp, fbc, IP, hashed customer data); a server refusal keeps the browser's out as
 *   well (the customer said no). The user agent and page URL are not identifiers and stay;
 * - LDU (data_processing_options) from either copy applies (the server's when both have it: it knows the address);
 *   opt_out from either applies.
 */
import type { ChannelCopy, ChannelKind, ChannelMerger, MergedEvent } from '../core/channel-merge.js';
import type { Decision, MetaCustomData, MetaServerEvent, MetaUserData } from '../core/meta-event.js';

export type { ChannelCopy, ChannelKind, MergedEvent };

/**
 * `browser`: the snippet and the Shopify custom pixel (both post to /v1/collect, source `browser`). `server`: the
 * ingest API and the drop-in protocols (`api`, `api:<protocol>`), webhooks (`webhook:<platform>`) and the CSV
 * import (`csv`). Anything else (Simulate) is neither and is never merged.
 */
export function channelKindOf(source: string): ChannelKind | null {
  if (source === 'browser') return 'browser';
  if (source === 'api' || source === 'csv' || source.startsWith('api:') || source.startsWith('webhook:')) return 'server';
  return null;
}

/** The customer identifiers: hashed, from the server copy first, a union of both copies' values. */
export const CUSTOMER_KEYS = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id'] as const;
/** The browser's own user_data fields, one value each: the browser copy's, else the server's. */
export const BROWSER_USER_KEYS = ['fbp', 'fbc', 'client_ip_address', 'client_user_agent'] as const;
/** Of the browser's fields, those that identify a person (kept out when that copy's consent was refused). */
const BROWSER_IDENTIFIERS: ReadonlySet<string> = new Set(['fbp', 'fbc', 'client_ip_address']);
/** custom_data fields the server copy owns. value and currency travel as a pair, never one from each copy. */
export const SERVER_CUSTOM_KEYS = ['contents', 'content_ids', 'content_type', 'num_items', 'order_id'] as const;
const PRIVACY_KEYS = ['data_processing_options', 'data_processing_options_country', 'data_processing_options_state'] as const;

const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

const asList = (v: unknown): unknown[] => (isEmpty(v) ? [] : Array.isArray(v) ? v : [v]);

/** Values of one hashed key, server first, without repeats; a single value stays a single value. */
function union(first: unknown, second: unknown): MetaUserData[string] | undefined {
  const out: unknown[] = [];
  for (const v of [...asList(first), ...asList(second)]) if (!out.includes(v)) out.push(v);
  if (out.length === 0) return undefined;
  if (out.length === 1 && !Array.isArray(first ?? second)) return out[0] as string;
  return out as string[];
}

/** Whether the LDU option is set on an event. */
const hasLdu = (e: MetaServerEvent | null): boolean => Array.isArray(e?.data_processing_options) && e.data_processing_options.includes('LDU');

/**
 * Merges the two copies of one event (`first` arrived first). At least one copy must carry an event: when the
 * other was dropped by the policy only its consent refusal counts.
 */
export function mergeChannelCopies(first: ChannelCopy, second: ChannelCopy): MergedEvent | null {
  const browser = channelKindOf(first.source) === 'browser' ? first : second;
  const server = browser === first ? second : first;
  const ordered = [first.event, second.event].filter((e): e is MetaServerEvent => e !== null);
  if (ordered.length === 0) return null;
  const decisions: Decision[] = [];

  // The customer said no on one side: that side brings no identifiers; a refusal at checkout covers the browser too.
  const browserIds = !browser.consentRefused && !server.consentRefused;
  const serverIds = !server.consentRefused;
  const b = browser.event;
  const s = server.event;

  // Everything else first: the first non-empty value in arrival order, then the owned fields on top.
  const event: MetaServerEvent = { ...(ordered[0] as MetaServerEvent) };
  for (const e of ordered.slice(1)) for (const [k, v] of Object.entries(e)) if (isEmpty(event[k]) && !isEmpty(v)) event[k] = v;
  for (const k of PRIVACY_KEYS) delete event[k];
  delete event.opt_out;

  const userData: MetaUserData = {};
  // Other user_data keys (lead_id, anon_id, …) identify too: only from a copy allowed to bring identifiers.
  const allowed = [first, second].filter((c) => c.event !== null && (c === browser ? browserIds : serverIds)).map((c) => c.event as MetaServerEvent);
  for (const e of allowed) for (const [k, v] of Object.entries(e.user_data)) if (!(k in userData) && !isEmpty(v) && !isKnownUserKey(k)) userData[k] = v;
  for (const k of CUSTOMER_KEYS) {
    const v = union(serverIds ? s?.user_data[k] : undefined, browserIds ? b?.user_data[k] : undefined);
    if (v !== undefined) userData[k] = v;
  }
  for (const k of BROWSER_USER_KEYS) {
    const identifies = BROWSER_IDENTIFIERS.has(k);
    const fromBrowser = identifies && !browserIds ? undefined : b?.user_data[k];
    const fromServer = identifies && !serverIds ? undefined : s?.user_data[k];
    const v = isEmpty(fromBrowser) ? fromServer : fromBrowser;
    if (!isEmpty(v)) userData[k] = v as MetaUserData[string];
  }
  event.user_data = userData;

  const pageUrl = isEmpty(b?.event_source_url) ? s?.event_source_url : b?.event_source_url;
  if (isEmpty(pageUrl)) delete event.event_source_url;
  else event.event_source_url = pageUrl as string;

  const custom = mergeCustomData(s?.custom_data, b?.custom_data, ordered);
  let valueFrom: string | null = null;
  if (custom.valueFrom === 'server') valueFrom = server.source;
  else if (custom.valueFrom === 'browser') valueFrom = browser.source;
  if (Object.keys(custom.data).length > 0) event.custom_data = custom.data;
  else delete event.custom_data;

  // LDU from either applies; the server's when both have it (it knows the customer's address).
  const ldu = hasLdu(s) ? s : hasLdu(b) ? b : null;
  if (ldu) for (const k of PRIVACY_KEYS) if (ldu[k] !== undefined) (event as Record<string, unknown>)[k] = ldu[k];
  if (ordered.some((e) => e.opt_out === true)) event.opt_out = true;

  decisions.push({
    code: 'channels_merged',
    message: `merged the browser copy (${browser.source}) and the server copy (${server.source})${valueFrom ? `: value from ${valueFrom}` : ''}`,
  });
  if (!browserIds && b !== null) {
    decisions.push({ code: 'merge_consent', message: `consent refused in the ${browser.consentRefused ? 'browser' : 'server'} copy: the browser's identifiers were kept out` });
  }
  return { event, valueFrom, decisions };
}

function isKnownUserKey(k: string): boolean {
  return (CUSTOMER_KEYS as readonly string[]).includes(k) || (BROWSER_USER_KEYS as readonly string[]).includes(k);
}

function mergeCustomData(
  server: MetaCustomData | undefined,
  browser: MetaCustomData | undefined,
  ordered: MetaServerEvent[],
): { data: MetaCustomData; valueFrom: 'server' | 'browser' | null } {
  const data: MetaCustomData = {};
  for (const e of ordered) for (const [k, v] of Object.entries(e.custom_data ?? {})) if (!(k in data) && !isEmpty(v)) data[k] = v;
  for (const k of SERVER_CUSTOM_KEYS) {
    const v = isEmpty(server?.[k]) ? browser?.[k] : server?.[k];
    if (isEmpty(v)) delete data[k];
    else data[k] = v;
  }
  // value and currency as a pair: the server's total in the server's currency, never one from each copy.
  const valueFrom = !isEmpty(server?.value) ? 'server' : !isEmpty(browser?.value) ? 'browser' : null;
  delete data.value;
  delete data.currency;
  const pair = valueFrom === 'server' ? server : valueFrom === 'browser' ? browser : undefined;
  if (pair) {
    data.value = pair.value;
    if (!isEmpty(pair.currency)) data.currency = pair.currency;
  } else {
    const currency = isEmpty(server?.currency) ? browser?.currency : server?.currency;
    if (!isEmpty(currency)) data.currency = currency;
  }
  return { data, valueFrom };
}

/**
 * What a copy that came too late would have added to the event that was sent: the names of the fields the merge
 * would have set or changed (`user_data.fbc`, `custom_data.value`, …), never their values.
 */
export function lateAdditions(sent: ChannelCopy, late: ChannelCopy): string[] {
  const merged = mergeChannelCopies(sent, late);
  const before = sent.event;
  if (!merged || !before) return [];
  const names: string[] = [];
  const same = (a: unknown, c: unknown) => JSON.stringify(a) === JSON.stringify(c);
  for (const [k, v] of Object.entries(merged.event.user_data)) if (!same(before.user_data[k], v)) names.push(`user_data.${k}`);
  for (const [k, v] of Object.entries(merged.event.custom_data ?? {})) if (!same(before.custom_data?.[k], v)) names.push(`custom_data.${k}`);
  for (const [k, v] of Object.entries(merged.event)) {
    if (k === 'user_data' || k === 'custom_data') continue;
    if (!same(before[k], v)) names.push(k);
  }
  return names.sort();
}

/** The rules as the store takes them (src/store/channel-hold.ts applies them inside the writing transaction). */
export const channelMerger: ChannelMerger = { kindOf: channelKindOf, merge: mergeChannelCopies, lateAdditions };
