/**
 * Commerce (GA4) event names → Meta standard events [M-PIX]: the one table, used by the transform and compiled
 * into the browser snippet (src/browser/snippet/), so it stays plain data that an ES2017 browser runs.
 */

/** Commerce event name → Meta standard event name. Unlisted names are sent as custom events. */
export const EVENT_MAP: Readonly<Record<string, string>> = Object.freeze({
  view_item: 'ViewContent',
  view_item_list: 'ViewContent',
  add_to_cart: 'AddToCart',
  begin_checkout: 'InitiateCheckout',
  add_payment_info: 'AddPaymentInfo',
  purchase: 'Purchase',
  search: 'Search',
  add_to_wishlist: 'AddToWishlist',
  generate_lead: 'Lead',
  sign_up: 'CompleteRegistration',
  complete_registration: 'CompleteRegistration',
  contact: 'Contact',
  customize_product: 'CustomizeProduct',
  donate: 'Donate',
  find_location: 'FindLocation',
  schedule: 'Schedule',
  start_trial: 'StartTrial',
  submit_application: 'SubmitApplication',
  subscribe: 'Subscribe',
  page_view: 'PageView',
});

/** Meta's standard event names [M-PIX]: the Pixel takes them with `track`, any other name with `trackCustom`. */
export const META_STANDARD_EVENTS: readonly string[] = Object.freeze(
  Object.keys(EVENT_MAP)
    .map((k) => EVENT_MAP[k]!)
    .filter((name, i, all) => all.indexOf(name) === i),
);
