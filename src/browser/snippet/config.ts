/** What the relay puts into the snippet for one tenant when it serves /sdk.js (src/browser/sdk-source.ts). */
export interface SdkConfig {
  key: string;
  endpoint: string;
  pixelIds: string[];
  loadPixel: boolean;
  requireConsent: boolean;
  autoPageView: boolean;
  /**
   * The store's Purchase event_id rule, resolved (core/event-id-template `eventIdParts`): the id of an order is
   * these parts joined by its order id, exactly as every other channel derives it.
   */
  purchaseIdParts: string[];
  /** The domain the click cookies go on; null finds the registrable domain as Meta's Pixel does. */
  cookieDomain: string | null;
}
