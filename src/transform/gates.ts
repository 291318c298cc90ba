/**
 * The tenant's quality gates on a built event: website fields (`strictWebsiteFields`) and send conditions.
 * A failure means the event is kept back by policy (stored as dropped, answered `skipped`) with a stable
 * code. Meta's own rules (time window, Purchase value and currency …) are checked after, in meta-rules.ts.
 */
import type { Decision, MetaServerEvent } from '../core/meta-event.js';
import { isThinUserData, presentUserKeys } from './meta-rules.js';
import type { TenantPolicy } from './policy.js';

const HTTP_URL_RE = /^https?:\/\/[^\s/]+/i;

/** A gate failure. */
export interface GateFailure {
  code: string;
  /** Names the field and the rule, never the value: stored with the event (src/core/input-messages.ts). */
  message: string;
}

/** Checks the website fields and the tenant's send conditions; null when the event may be sent. */
export function checkGates(
  ev: MetaServerEvent,
  policy: TenantPolicy,
  opts: { userDataStripped?: boolean } = {},
  /** Receives the gate's warnings (recorded on the event as decisions). */
  warnings?: Decision[],
): GateFailure | null {
  if (ev.action_source === 'website') {
    // Website events "require the client_user_agent, action_source, and event_source_url" [M-PAR], yet Meta is
    // observed to accept them without (LIVE §B3): order webhooks rarely carry a browser's user agent, and dropping
    // a paid order loses the very conversion the relay exists to save. So by default a missing value is
    // recorded as a warning and the event is sent; `strictWebsiteFields` turns the warnings into drops.
    const missing: GateFailure[] = [];
    if (!ev.event_source_url) missing.push({ code: 'missing_event_source_url', message: 'website events need event_source_url' });
    else if (!HTTP_URL_RE.test(ev.event_source_url)) {
      missing.push({ code: 'invalid_event_source_url', message: 'event_source_url must begin with http:// or https://' });
    }
    if (!ev.user_data.client_user_agent) {
      missing.push({ code: 'missing_client_user_agent', message: 'website events need user_data.client_user_agent' });
    }
    const first = missing[0];
    if (first && policy.strictWebsiteFields) return first;
    for (const m of missing) warnings?.push({ code: m.code, message: `${m.message} (sent anyway; strictWebsiteFields drops it)` });
  }
  const present = presentUserKeys(ev.user_data);
  if (opts.userDataStripped) {
    // What consent leaves (the user agent at most) is customer information Meta refuses on its own (rule 20),
    // so the event cannot be sent: kept back for want of consent rather than queued to fail at Meta.
    if (present.length === 0 || isThinUserData(present)) {
      return { code: 'no_consent', message: 'no advertising consent: without customer data (only the user agent may be kept) Meta refuses the event' };
    }
    return null;
  }
  return checkSendConditions(ev, policy, present);
}

function checkSendConditions(ev: MetaServerEvent, policy: TenantPolicy, present: string[]): GateFailure | null {
  const { requireOneOf, minOtherIdentifiers } = policy.sendConditions;
  if (present.length === 0) return { code: 'send_condition', message: 'user_data is empty' };
  // v13.0: an event is invalid if its customer information is only one of these combinations or a subset [M-BP via SEC].
  if (isThinUserData(present)) {
    return { code: 'thin_user_data', message: `user_data (${present.join(', ')}) is a combination Meta treats as invalid` };
  }
  if (requireOneOf.length > 0 && !requireOneOf.some((k) => ev.user_data[k] !== undefined)) {
    return { code: 'send_condition', message: `user_data needs one of: ${requireOneOf.join(', ')}` };
  }
  // "Other" identifiers: present user_data keys besides the one that satisfied requireOneOf.
  const others = present.length - (requireOneOf.length > 0 ? 1 : 0);
  if (others < minOtherIdentifiers) {
    return { code: 'send_condition', message: `user_data needs at least ${minOtherIdentifiers} other identifiers` };
  }
  return null;
}
