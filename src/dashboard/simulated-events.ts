/**
 * Realistic sample events for "Simulate events", one per standard event type, in Meta's own shape so
 * they take the same transform (hashing, policy, gates) as live traffic. Pure: the caller supplies the
 * event id and time. The customer is a fixed test persona on example.com (RFC 2606), never a real person.
 */
export const SIMULATED_EVENT_NAMES = [
  'PageView', 'ViewContent', 'AddToCart', 'InitiateCheckout', 'Purchase', 'Lead', 'CompleteRegistration', 'Subscribe',
] as const;
export type SimulatedEventName = (typeof SIMULATED_EVENT_NAMES)[number];

const CART = { contents: [{ id: 'SKU-TEST-1', quantity: 2, item_price: 21.25 }], content_ids: ['SKU-TEST-1'], content_type: 'product', currency: 'EUR' };

const CUSTOM_DATA: Record<SimulatedEventName, Record<string, unknown> | undefined> = {
  PageView: undefined,
  ViewContent: { content_ids: ['SKU-TEST-1'], content_type: 'product', content_name: 'Test product', value: 21.25, currency: 'EUR' },
  AddToCart: { ...CART, value: 42.5 },
  InitiateCheckout: { ...CART, value: 42.5, num_items: 2 },
  Purchase: { ...CART, value: 42.5, order_id: '' },
  Lead: { content_name: 'Newsletter form', value: 5, currency: 'EUR' },
  CompleteRegistration: { content_name: 'Account sign-up', status: 'completed' },
  Subscribe: { value: 9.99, currency: 'EUR', predicted_ltv: 119.88 },
};

const PATHS: Record<SimulatedEventName, string> = {
  PageView: '/', ViewContent: '/products/test-product', AddToCart: '/products/test-product', InitiateCheckout: '/checkout',
  Purchase: '/checkout/thank-you', Lead: '/newsletter', CompleteRegistration: '/account/welcome', Subscribe: '/subscribe/thank-you',
};

/** One sample event of the type, ready for ingest (Meta shape, customer data still in clear). */
export function simulatedEvent(name: SimulatedEventName, eventId: string, nowMs: number): Record<string, unknown> {
  const custom = CUSTOM_DATA[name];
  // A Purchase gets its own order id so each simulation is a distinct order.
  const customData = custom && name === 'Purchase' ? { ...custom, order_id: `TEST-${eventId.slice(-8)}` } : custom;
  return {
    event_name: name,
    event_id: eventId,
    event_time: Math.floor(nowMs / 1000),
    action_source: 'website',
    event_source_url: `https://shop.example.com${PATHS[name]}`,
    user_data: {
      em: 'test.buyer@example.com',
      ph: '+14155550100',
      fn: 'Test',
      ln: 'Buyer',
      ct: 'Berlin',
      zp: '10115',
      country: 'de',
      external_id: 'test-customer-1',
      client_ip_address: '203.0.113.10',
      client_user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
      fbp: `fb.1.${nowMs}.1234567890`,
    },
    ...(customData ? { custom_data: customData } : {}),
  };
}
