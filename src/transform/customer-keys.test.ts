import { describe, expect, it } from 'vitest';
import { customerKeys } from './customer-keys.js';
import { sha256Hex } from './hash.js';

describe('customerKeys', () => {
  it('hashes e-mail, phone and external id exactly as the transform sends them', () => {
    expect(customerKeys({ email: ' Ana@Example.COM ', externalId: ' User 42 ' })).toEqual({
      hashes: [sha256Hex('ana@example.com'), sha256Hex('user42')],
      fbps: [],
    });
  });

  it('looks for a phone with and without the tenant default country', () => {
    const r = customerKeys({ phone: '06 12 34 56 78' }, 'FR');
    expect(r).toEqual({ hashes: [sha256Hex('612345678'), sha256Hex('33612345678')], fbps: [] });
  });

  it('passes a value that is already a hash through, lower-cased, without its Parameter Builder appendix', () => {
    const h = sha256Hex('ana@example.com');
    expect(customerKeys({ email: `${h.toUpperCase()}.AbCdEfGh` })).toEqual({ hashes: [h], fbps: [] });
  });

  it('keeps a browser id as given and refuses an empty request or a value that cannot be normalized', () => {
    expect(customerKeys({ fbp: ' fb.1.1596403881668.1111 ' })).toEqual({ hashes: [], fbps: ['fb.1.1596403881668.1111'] });
    expect(customerKeys({})).toMatchObject({ error: { message: expect.stringMatching(/name the customer/) } });
    expect(customerKeys({ email: 'not-an-email' })).toMatchObject({ error: { field: 'email' } });
    expect(customerKeys({ fbp: '  ' })).toMatchObject({ error: { field: 'fbp' } });
  });
});
