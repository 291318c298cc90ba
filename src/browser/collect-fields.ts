/**
 * The fields of a /v1/collect beacon, shared by the snippet that writes them (src/browser/snippet/) and the
 * route that reads them (collect-event.ts), so the two cannot drift apart.
 */

/** Commerce fields a beacon carries at its top level (any other page data travels in `custom_data`). */
export const BEACON_COMMERCE_KEYS: readonly string[] = ['value', 'currency', 'order_id', 'items', 'content_name', 'content_category', 'content_type', 'search_string', 'status'];

/** Contact fields a page may pass (hashed by the transform, never given to the Pixel); the browser never sets ip/user_agent. */
export const BEACON_USER_KEYS: readonly string[] = ['email', 'phone', 'first_name', 'last_name', 'city', 'state', 'zip', 'country', 'external_id'];
