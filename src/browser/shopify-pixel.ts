/**
 * The code a store pastes into Shopify Admin → Settings → Customer events → Add custom pixel: the typed program in
 * ./shopify-pixel/ (bundled for ES2017 with its names kept, so a merchant can still tell what they paste) with the
 * store's publishable key, the relay's URL and its Purchase event_id rule in place.
 */
import type { ShopifyPixelAnswer } from '../core/admin-api.js';
import { eventIdParts, purchaseEventIdTemplate } from '../core/event-id-template.js';
import { browserProgram, withConfig } from './bundle.js';
import { SUBSCRIBED_EVENTS } from './shopify-pixel/beacons.js';
import type { ShopifyPixelConfig } from './shopify-pixel/config.js';

/** Stands in for the publishable key when the caller does not have it (keys are stored hashed, shown once). */
export const PUBLISHABLE_KEY_PLACEHOLDER = 'YOUR_PUBLISHABLE_KEY';

export interface ShopifyPixelInput {
  /** The store's publishable key (cr_pub_…); omitted: the placeholder, for the merchant to replace. */
  publishableKey?: string;
  /** The relay's public base URL, e.g. https://relay.example.com (no trailing slash needed). */
  relayUrl: string;
  /** The store's event_id templates (its policy's `eventIdTemplates`): the Purchase one names orders. */
  eventIdTemplates: Readonly<Record<string, string>>;
}

/** The admin API's answer type (src/core/admin-api.ts), which the dashboard reads too, but for the store's setting. */
export type ShopifyPixel = Omit<ShopifyPixelAnswer, 'acceptSandboxedPixel'>;

/** The custom pixel's code for one store. Pure but for the one-time bundle (kept for the process). */
export async function generateShopifyPixel(input: ShopifyPixelInput): Promise<ShopifyPixel> {
  const template = purchaseEventIdTemplate(input.eventIdTemplates);
  const relayUrl = input.relayUrl.replace(/\/+$/, '');
  const config: ShopifyPixelConfig = { key: input.publishableKey ?? PUBLISHABLE_KEY_PLACEHOLDER, endpoint: relayUrl, purchaseIdParts: eventIdParts(template, 'Purchase') };
  const header = [
    '// capi-relay: Shopify customer events → Meta Conversions API.',
    '// Paste into Shopify Admin → Settings → Customer events → Add custom pixel; set its Customer privacy permission to',
    '// "Marketing" and "Analytics" (it also checks them itself). Orders are named by this store\'s Purchase rule',
    `// ${template.replace(/[\r\n\u2028\u2029]/g, ' ')}, as the orders/create webhook names them, so Meta counts each order once.`,
    ...(input.publishableKey ? [] : [`// Replace ${PUBLISHABLE_KEY_PLACEHOLDER} with the store's publishable key (cr_pub_…).`]),
  ].join('\n');
  return {
    code: `${header}\n${withConfig(await browserProgram('shopify-pixel', 'keep-names'), config)}\n`,
    relayUrl,
    keyIncluded: input.publishableKey !== undefined,
    purchaseEventIdTemplate: template,
    events: { ...SUBSCRIBED_EVENTS },
  };
}
