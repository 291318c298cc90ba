/**
 * The commerce event shape (the README's "commerce" input shape) that every source produces and the
 * transform consumes. Sources only extract and map; normalization, hashing and validation are the
 * transform's job, so values here are raw as the platform sent them.
 */

/** One line of an order, cart or checkout. */
export interface CommerceItem {
  id: string;
  quantity: number;
  price?: number;
  name?: string;
  category?: string;
}

/** Customer identifiers in clear; the transform normalizes and hashes them. */
export interface CommerceUser {
  email?: string;
  phone?: string;
  first_name?: string;
  last_name?: string;
  city?: string;
  state?: string;
  zip?: string;
  country?: string;
  id?: string;
  ip?: string;
  user_agent?: string;
  fbp?: string;
  fbc?: string;
  fbclid?: string;
}

/** A GA4 / Commanders Act style event; `event` names without a standard mapping become custom events. */
export interface CommerceEvent {
  /** 'purchase' | 'begin_checkout' | 'add_to_cart' | 'sign_up' | 'subscribe' | 'generate_lead' | custom, e.g. 'CancelMembership'. */
  event: string;
  /**
   * Absent on an order's Purchase: the transform names it from the store's one Purchase template
   * (core/event-id-template.ts), so every channel gives the same order the same id.
   */
  event_id?: string;
  /** Unix seconds. */
  timestamp: number;
  action_source?: string;
  url?: string;
  value?: number;
  currency?: string;
  order_id?: string;
  items?: CommerceItem[];
  user?: CommerceUser;
  integrations?: { facebook?: { event_name?: string } };
}
