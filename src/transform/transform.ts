/**
 * The transform: one input event (Meta-native or commerce shape) + a tenant policy → a Meta server
 * event to send, a dropped event (valid, but the policy keeps it back) or a rejected input (malformed, or
 * an event Meta would refuse). Order: validate input → map → Meta's rules on the event's own fields →
 * privacy → normalize+hash → gates → Meta's rules on the whole event. Pure: no I/O.
 */
import { randomUUID } from 'node:crypto';
import { eventIdTemplateFor, orderEventId } from '../core/event-id-template.js';
import type { Decision, MetaCustomData, MetaServerEvent, MetaUserData, TransformResult } from '../core/meta-event.js';
import { checkGates } from './gates.js';
import { parseInput, type ParsedEvent } from './input.js';
import { withoutPersonalData } from './url-personal-data.js';
import { buildCustomData, mapEventName } from './mapping.js';
import { checkMetaEvent, type MetaRuleProblem } from './meta-rules.js';
import { defaultPolicy, parsePolicy, type TenantPolicy } from './policy.js';
import { applyPrivacy } from './privacy.js';
import { FIELD_LIMITS } from './untrusted.js';
import { buildUserData, checkUserKeys } from './user-data.js';

export { defaultPolicy, parsePolicy };
export type { TenantPolicy };

/** Clock and id source, injected so the transform stays deterministic in tests. */
export interface TransformCtx {
  /** Current time in ms. */
  now: number;
  /** Generates an event_id when the input has none (default: crypto.randomUUID). */
  newId?: () => string;
}

/** Transforms one input event under a tenant policy into a send / dropped / rejected result. */
export function transformEvent(input: unknown, policy: TenantPolicy, ctx: TransformCtx): TransformResult {
  const ev = parseInput(input, ctx.now);
  if ('kind' in ev) return withField(ev);
  keepPersonalDataOutOfUrls(ev);
  const bad = checkUserKeys(ev.user);
  if (bad) return withField({ kind: 'rejected', eventId: ev.eventId ?? null, ...bad });

  const eventName = ev.nameOverride ?? mapEventName(ev.name, policy.eventNameOverrides);
  const customData = buildCustom(ev, ev.decisions);
  const eventId = resolveEventId(ev, eventName, customData, policy, ctx);
  // An id built from a template can outgrow the input bound (the template repeats a long order_id).
  if (eventId.length > FIELD_LIMITS.event_id!) return { kind: 'rejected', eventId: null, code: 'too_long', message: `event_id: longer than ${FIELD_LIMITS.event_id} characters once built from the template` };
  const decisions = ev.decisions;
  // An event Meta would refuse whatever the policy says is answered `rejected` first, not kept back by a
  // policy rule: invalid input says so even when consent was refused.
  const early = checkMetaEvent(skeleton(ev, eventName, eventId, customData), ctx.now, { userData: false });
  if (early) return metaRejection(eventId, early);

  const priv = applyPrivacy(ev, eventName, policy);
  if (priv.drop) return { kind: 'dropped', event: null, eventName, eventId, ...priv.drop, decisions };

  let userData: MetaUserData;
  if (priv.stripUserData) {
    // Without advertising consent only the user agent (not an identifier on its own [M-BP]) is kept.
    userData = typeof ev.user.client_user_agent === 'string' ? { client_user_agent: ev.user.client_user_agent } : {};
  } else {
    const ud = buildUserData(
      ev.user,
      { eventTimeMs: ev.eventTime * 1000, now: ctx.now, defaultCountry: policy.defaultCountry?.toLowerCase() },
      decisions,
    );
    if ('rejected' in ud) return withField({ kind: 'rejected', eventId, ...ud.rejected });
    userData = ud.userData;
  }

  const event = skeleton(ev, eventName, eventId, customData, userData);
  if (priv.dpo) {
    event.data_processing_options = priv.dpo.options;
    if (priv.dpo.country !== undefined) event.data_processing_options_country = priv.dpo.country;
    if (priv.dpo.state !== undefined) event.data_processing_options_state = priv.dpo.state;
  }

  const fail = checkGates(event, policy, { userDataStripped: priv.stripUserData }, decisions);
  if (fail) return { kind: 'dropped', event, eventName, eventId, ...fail, decisions };
  // Last, the event exactly as it will be sent: whatever is answered `accepted`, Meta takes.
  const broken = checkMetaEvent(event, ctx.now);
  if (broken) return metaRejection(eventId, broken);
  return { kind: 'send', event, decisions };
}

/** Page URLs lose the query parameters that carry the customer (url-personal-data.ts), saying how many went. */
function keepPersonalDataOutOfUrls(ev: ParsedEvent): void {
  for (const [key, field] of [['eventSourceUrl', 'event_source_url'], ['referrerUrl', 'referrer_url']] as const) {
    const url = ev[key];
    if (url === undefined) continue;
    const clean = withoutPersonalData(url);
    if (clean.removed === 0) continue;
    ev[key] = clean.url;
    ev.decisions.push({ code: 'url_personal_data_removed', field, message: `${clean.removed} query parameter(s) holding personal data (an e-mail address, a phone number, a name) left out` });
  }
}

/** The server event without data_processing_options (set by privacy); user_data empty until it is built. */
function skeleton(ev: ParsedEvent, eventName: string, eventId: string, customData: MetaCustomData | undefined, userData: MetaUserData = {}): MetaServerEvent {
  const event: MetaServerEvent = {
    event_name: eventName,
    event_time: ev.eventTime,
    event_id: eventId,
    action_source: ev.actionSource,
    user_data: userData,
  };
  if (ev.eventSourceUrl !== undefined) event.event_source_url = ev.eventSourceUrl;
  if (ev.referrerUrl !== undefined) event.referrer_url = ev.referrerUrl;
  if (ev.optOut) event.opt_out = true;
  if (customData) event.custom_data = customData;
  for (const k of Object.keys(ev.extra)) event[k] = ev.extra[k];
  return event;
}

function metaRejection(eventId: string, p: MetaRuleProblem): TransformResult {
  return { kind: 'rejected', eventId, code: p.code, field: p.field, message: `${p.field}: ${p.message}` };
}

// Input messages open with the offending key ("items[2]: expected an object", "user_data.fbp: expected a string").
const FIELD_PREFIX_RE = /^([A-Za-z_][\w.[\]]*): /;

/** A rejection with its `field`, taken from the message when the validator named one. */
function withField<T extends Extract<TransformResult, { kind: 'rejected' }>>(r: T): T {
  if (r.field !== undefined) return r;
  const m = FIELD_PREFIX_RE.exec(r.message);
  return m && m[1] !== 'event' ? { ...r, field: m[1] } : r;
}

function buildCustom(ev: ParsedEvent, decisions: Decision[]): MetaCustomData | undefined {
  let cd: MetaCustomData | undefined;
  if (ev.commerce) {
    cd = buildCustomData(ev.commerce, decisions);
    if (ev.customDataOverride) Object.assign(cd, ev.customDataOverride);
  } else if (ev.customData) {
    cd = { ...ev.customData };
  }
  if (!cd) return undefined;
  // Meta's SDK upper-cases the currency before validating it against ISO 4217 [SDK-N normalizeCurrency].
  if (typeof cd.currency === 'string') cd.currency = cd.currency.trim().toUpperCase();
  return Object.keys(cd).length > 0 ? cd : undefined;
}

function resolveEventId(
  ev: ParsedEvent,
  eventName: string,
  cd: MetaCustomData | undefined,
  policy: TenantPolicy,
  ctx: TransformCtx,
): string {
  if (ev.eventId !== undefined) return ev.eventId;
  const tpl = eventIdTemplateFor(policy.eventIdTemplates, eventName);
  const orderId = cd?.order_id;
  if (tpl !== undefined && (typeof orderId === 'string' || typeof orderId === 'number')) {
    // Same order → same event_id on every channel (the one rule of core/event-id-template), so Meta deduplicates [M-DD].
    ev.decisions.push({ code: 'event_id_from_template', message: `event_id built from template "${tpl}"`, field: 'event_id' });
    return orderEventId(tpl, eventName, orderId);
  }
  ev.decisions.push({ code: 'event_id_generated', message: 'no event_id: one was generated', field: 'event_id' });
  return ctx.newId ? ctx.newId() : randomUUID();
}
