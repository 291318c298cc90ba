/**
 * The one rule that names an order's event: every channel (snippet, /v1/collect, order webhooks, CSV import,
 * POST /v1/events) derives a Purchase `event_id` here, from the store's one template (its policy's
 * `eventIdTemplates.Purchase`), so the thank-you page and the platform webhook give Meta the same id and Meta
 * deduplicates [M-DD]. Pure; the snippet gets the rule already resolved (`eventIdParts`) in its config.
 */

/** The default Purchase event_id template. */
export const DEFAULT_PURCHASE_EVENT_ID_TEMPLATE = 'purchase:{order_id}';

/**
 * The placeholders a template may use, and no others: a channel-specific value (a platform name, Shopify's
 * `order_number`) would give the same order different ids on different channels.
 */
export const EVENT_ID_PLACEHOLDERS = ['order_id', 'event_name'] as const;

/**
 * The template for an event name from a store's templates, or undefined when it has none. Purchase always has
 * one (the default when the policy leaves it out): a webhook retried with a random id would be counted twice.
 */
export function eventIdTemplateFor(templates: Readonly<Record<string, string>>, eventName: string): string | undefined {
  return eventName === 'Purchase' ? purchaseEventIdTemplate(templates) : own(templates, eventName) ? templates[eventName] : undefined;
}

/** The store's Purchase template: its own, else the default. */
export function purchaseEventIdTemplate(templates: Readonly<Record<string, string>>): string {
  return (own(templates, 'Purchase') ? templates.Purchase : undefined) ?? DEFAULT_PURCHASE_EVENT_ID_TEMPLATE;
}

// Not Object.hasOwn (ES2022): the browser programs compile this module for ES2017 browsers.
const own = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * The template with `{event_name}` filled in, split at `{order_id}`: the id of an order is these parts joined by
 * the order id. This is the form the snippet receives, so the browser applies the rule without a copy of it.
 */
export function eventIdParts(template: string, eventName: string): string[] {
  return template.split('{event_name}').join(eventName).split('{order_id}');
}

/**
 * The event_id of an order from the resolved rule (`eventIdParts`): the parts joined by the order id as a string,
 * without surrounding white space (a thank-you page's `' 1001'` is the webhook's `1001`: one id on every channel).
 * The browser programs (snippet, Shopify custom pixel) call this with the parts their config carries.
 */
export function orderEventIdFromParts(parts: readonly string[], orderId: string | number): string {
  return parts.join(String(orderId).trim());
}

/** The event_id of an order: the order id as a string, placed by the template. */
export function orderEventId(template: string, eventName: string, orderId: string | number): string {
  return orderEventIdFromParts(eventIdParts(template, eventName), orderId);
}
