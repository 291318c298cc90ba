/** What the relay puts into the Shopify custom pixel it generates for one store (src/browser/shopify-pixel.ts). */
export interface ShopifyPixelConfig {
  /** The store's publishable key (cr_pub_…), or a placeholder the merchant replaces. */
  key: string;
  /** The relay's public base URL; beacons go to `<endpoint>/v1/collect`. */
  endpoint: string;
  /** The store's Purchase event_id rule, resolved (core/event-id-template `eventIdParts`), as the snippet gets it. */
  purchaseIdParts: string[];
}
