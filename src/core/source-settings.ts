/**
 * Per-source configuration that changes how payloads are mapped: the store keeps it (src/store/sources.ts), the
 * source definitions (src/sources/) read it.
 */
export interface SourceSettings {
  /** ISO currency for platforms whose payloads carry none (Commerce7); a Purchase without it is unmappable. */
  currency?: string;
  /**
   * The store's website (e.g. `https://shop.example.com/`), the `event_source_url` of website events whose
   * payload names no page (Commerce7 sends none; Shopify and WooCommerce send their own site address).
   */
  siteUrl?: string;
}
