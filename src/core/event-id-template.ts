/**
 * The default Purchase event_id template, shared by every channel (webhooks, API, snippet) so the
 * thank-you page and the platform webhook derive the same id and Meta deduplicates [M-DD].
 */
export const DEFAULT_PURCHASE_EVENT_ID_TEMPLATE = 'purchase:{order_id}';
