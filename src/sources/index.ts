/** Webhook source definitions by platform, plus the shared contracts the webhook route needs. */
import { commerce7 } from './commerce7.js';
import { generic } from './generic.js';
import { shopify } from './shopify.js';
import { stripe } from './stripe.js';
import type { Platform, SourceDefinition } from './types.js';
import { woocommerce } from './woocommerce.js';

/** Every platform's source definition, keyed by the `{platform}` of `/v1/webhooks/{platform}/{sourceId}`. */
export const sourceDefinitions: Record<Platform, SourceDefinition> = { shopify, woocommerce, commerce7, stripe, generic };

/** True when `p` names a platform with a source definition. */
export function isPlatform(p: string): p is Platform {
  return Object.hasOwn(sourceDefinitions, p);
}

export type { CommerceEvent, CommerceItem, CommerceUser } from './commerce-event.js';
export type { ParseResult, Platform, SourceDefinition, SourceSettings, VerifyResult, WebhookRequest } from './types.js';
export { signGeneric } from './generic.js';
export { pageUrl } from './source-url.js';
export { stripeAmount } from './stripe.js';
export { isWooPing } from './woocommerce.js';
