import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy, transformEvent } from './transform.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const policies = [defaultPolicy, parsePolicy({ ldu: 'california', consent: { advertisingCategory: 'ads' }, defaultCountry: 'FR' })];
const userValue = fc.oneof(fc.string(), fc.integer(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(null), fc.object());
const user = fc.dictionary(
  fc.constantFrom('email', 'phone', 'first_name', 'last_name', 'city', 'state', 'zip', 'country', 'gender', 'birthdate',
    'id', 'ip', 'user_agent', 'fbp', 'fbc', 'fbclid', 'em', 'madid', 'bogus'),
  userValue,
);
const commerce = fc.record({
  event: fc.constantFrom('purchase', 'add_to_cart', 'x', ''),
  timestamp: fc.oneof(fc.integer(), fc.string(), fc.constant(Math.floor(NOW / 1000))),
  user,
  value: fc.oneof(fc.double(), fc.string()),
  currency: fc.string(),
  items: fc.oneof(fc.array(fc.record({ id: fc.string(), quantity: fc.integer() })), fc.anything()),
  consent_categories: fc.array(fc.constantFrom('ads', 'analytics')),
  opt_out: fc.boolean(),
}, { requiredKeys: ['event'] });

describe('transformEvent properties', () => {
  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), commerce), fc.constantFrom(...policies), (input, policy) => {
        const r = transformEvent(input, policy, { now: NOW, newId: () => 'id' });
        expect(['send', 'dropped', 'rejected']).toContain(r.kind);
        if (r.kind === 'send') expect(JSON.parse(JSON.stringify(r.event))).toEqual(r.event);
      }),
      { numRuns: 1000 },
    );
  });
});
