import { describe, expect, it } from 'vitest';
import { buildCustomData, EVENT_MAP, mapEventName } from './mapping.js';

describe('mapEventName', () => {
  it.each([
    ['view_item', 'ViewContent'], ['view_item_list', 'ViewContent'], ['add_to_cart', 'AddToCart'],
    ['begin_checkout', 'InitiateCheckout'], ['add_payment_info', 'AddPaymentInfo'], ['purchase', 'Purchase'],
    ['search', 'Search'], ['add_to_wishlist', 'AddToWishlist'], ['generate_lead', 'Lead'],
    ['sign_up', 'CompleteRegistration'], ['complete_registration', 'CompleteRegistration'], ['contact', 'Contact'],
    ['customize_product', 'CustomizeProduct'], ['donate', 'Donate'], ['find_location', 'FindLocation'],
    ['schedule', 'Schedule'], ['start_trial', 'StartTrial'], ['submit_application', 'SubmitApplication'],
    ['subscribe', 'Subscribe'], ['page_view', 'PageView'],
  ])('%s → %s', (from, to) => expect(mapEventName(from, {})).toBe(to));

  it('covers exactly the documented table', () => expect(Object.keys(EVENT_MAP)).toHaveLength(20));
  it('unknown names stay custom events', () => expect(mapEventName('loyalty_points', {})).toBe('loyalty_points'));
  it('tenant overrides come first', () => {
    expect(mapEventName('purchase', { purchase: 'OfflinePurchase' })).toBe('OfflinePurchase');
    expect(mapEventName('toString', {})).toBe('toString');
  });
});

describe('buildCustomData', () => {
  it('items → contents, content_ids, num_items, content_type product', () => {
    expect(buildCustomData({ amount: 10, currency: 'USD', items: [{ id: 7, quantity: 2, price: 5, name: 'A', category: 'C' }] })).toEqual({
      value: 10, currency: 'USD', contents: [{ id: '7', quantity: 2, item_price: 5 }], content_ids: ['7'], num_items: 2,
      content_type: 'product', content_name: 'A', content_category: 'C',
    });
  });
  it('search and status pass', () => {
    expect(buildCustomData({ search_string: 'mugs' })).toEqual({ search_string: 'mugs' });
    expect(buildCustomData({ status: true })).toEqual({ status: true });
  });
});
