import { describe, expect, it } from 'vitest';
import { DEFAULT_PURCHASE_EVENT_ID_TEMPLATE, eventIdParts, eventIdTemplateFor, orderEventId, purchaseEventIdTemplate } from './event-id-template.js';

describe('the one order event_id rule', () => {
  it('always has a Purchase template, and only the store\'s for other events', () => {
    expect(purchaseEventIdTemplate({})).toBe(DEFAULT_PURCHASE_EVENT_ID_TEMPLATE);
    expect(purchaseEventIdTemplate({ Purchase: 'o-{order_id}' })).toBe('o-{order_id}');
    expect(eventIdTemplateFor({ Lead: 'lead:{order_id}' }, 'Purchase')).toBe(DEFAULT_PURCHASE_EVENT_ID_TEMPLATE);
    expect(eventIdTemplateFor({ Lead: 'lead:{order_id}' }, 'Lead')).toBe('lead:{order_id}');
    expect(eventIdTemplateFor({}, 'Lead')).toBeUndefined();
    expect(eventIdTemplateFor({}, 'toString')).toBeUndefined();
  });

  it('fills {event_name} and {order_id}; the parts the snippet joins give the same id', () => {
    expect(orderEventId('purchase:{order_id}', 'Purchase', 1001)).toBe('purchase:1001');
    expect(orderEventId('{event_name}/{order_id}/{order_id}', 'Purchase', '7')).toBe('Purchase/7/7');
    // A page template's ' 1001 ' is the webhook's 1001.
    expect(orderEventId('purchase:{order_id}', 'Purchase', ' 1001\n')).toBe('purchase:1001');
    expect(eventIdParts('{event_name}-{order_id}', 'Purchase')).toEqual(['Purchase-', '']);
    for (const tpl of ['purchase:{order_id}', '{order_id}', 'a{event_name}b{order_id}c{order_id}', 'x{order_id}{event_name}']) {
      for (const order of ['1001', '820982911946154508', 'A-7', '']) expect(eventIdParts(tpl, 'Purchase').join(order)).toBe(orderEventId(tpl, 'Purchase', order));
    }
  });
});
