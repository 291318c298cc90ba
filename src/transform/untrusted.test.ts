import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicy, transformEvent } from './transform.js';
import { checkUntrusted, FIELD_LIMITS, formatPath, isCleanText, MAX_DEPTH, MAX_ITEMS, MAX_STRING, storableText } from './untrusted.js';

/** An object nested `n` levels (the outer one is level 1), built without recursion. */
function nested(n: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < n; i++) v = { a: v };
  return v;
}

const CANARY = 'pii.canary@example.org';

describe('isCleanText', () => {
  it('refuses U+0000 and unpaired surrogates, takes paired ones', () => {
    for (const bad of ['\u0000', 'a\u0000b', '\udf12', 'x\ud800', '\ud800\ud800\udc00x\udc00']) expect(isCleanText(bad)).toBe(false);
    for (const good of ['', 'plain', 'é', '\ud83d\ude00', '정', '\u0001\u001f', '\uffff']) expect(isCleanText(good)).toBe(true);
  });
  it('agrees with a UTF-8 round trip for any string without U+0000', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (s) => {
        const roundTrips = Buffer.from(s, 'utf8').toString('utf8') === s;
        expect(isCleanText(s)).toBe(roundTrips && !s.includes('\u0000'));
      }),
    );
  });
});

describe('checkUntrusted', () => {
  it('takes a normal event', () => {
    expect(checkUntrusted({ event: 'purchase', event_id: 'a1', items: [{ id: 'SKU-1', quantity: 2 }], user: { email: 'a@b.co' }, custom_data: { x: { y: [1, 2] } } })).toBeNull();
  });

  it(`refuses nesting deeper than ${MAX_DEPTH} levels, at any depth, without recursion`, () => {
    expect(checkUntrusted(nested(MAX_DEPTH))).toBeNull();
    expect(checkUntrusted(nested(MAX_DEPTH + 1))).toMatchObject({ code: 'too_deep' });
    expect(checkUntrusted({ custom_data: nested(100_000) })).toMatchObject({ code: 'too_deep', message: `custom_data.a.a.a.a.a.a.a.a.a: nested deeper than ${MAX_DEPTH} levels` });
    let arr: unknown = [];
    for (let i = 0; i < 100_000; i++) arr = [arr];
    expect(checkUntrusted({ app_data: arr })).toMatchObject({ code: 'too_deep', path: ['app_data', 0, 0, 0, 0, 0, 0, 0, 0, 0] });
  });

  it('refuses U+0000 and lone surrogates in values and keys, naming the field but never the value', () => {
    expect(checkUntrusted({ event_id: `${CANARY}\u0000` })).toEqual({
      code: 'invalid_text', path: ['event_id'], message: 'event_id: contains U+0000 or an unpaired surrogate, which cannot be stored as text',
    });
    expect(checkUntrusted({ user: { user_agent: '\udf12' } })).toMatchObject({ code: 'invalid_text', path: ['user', 'user_agent'] });
    expect(checkUntrusted({ items: [{ id: 'ok' }, { name: `x\ud800${CANARY}` }] })).toMatchObject({ code: 'invalid_text', message: expect.stringMatching(/^items\[1\]\.name: /) });
    const key = checkUntrusted({ custom_data: { [`${CANARY}\u0000`]: 1 } });
    expect(key).toMatchObject({ code: 'invalid_text', message: 'custom_data: a key contains U+0000 or an unpaired surrogate' });
    // A key that is not a field name (it may be customer data) is not repeated in a path either.
    const path = checkUntrusted({ custom_data: { [CANARY]: { deep: '\u0000' } } });
    expect(path?.message).toBe('custom_data.….deep: contains U+0000 or an unpaired surrogate, which cannot be stored as text');
    expect(JSON.stringify([key, path])).not.toContain('canary');
  });

  it('bounds strings by field, array elements by their array, and the rest by the general limit', () => {
    for (const [field, max] of Object.entries(FIELD_LIMITS)) {
      expect(checkUntrusted({ [field]: 'x'.repeat(max) })).toBeNull();
      expect(checkUntrusted({ [field]: 'x'.repeat(max + 1) })).toMatchObject({ code: 'too_long', path: [field], message: `${field}: longer than ${max} characters` });
    }
    expect(checkUntrusted({ custom_data: { content_ids: ['a', 'x'.repeat(FIELD_LIMITS.content_ids! + 1)] } })).toMatchObject({ code: 'too_long', path: ['custom_data', 'content_ids', 1] });
    expect(checkUntrusted({ custom_data: { description: 'x'.repeat(MAX_STRING) } })).toBeNull();
    expect(checkUntrusted({ custom_data: { description: 'x'.repeat(MAX_STRING + 1) } })).toMatchObject({ code: 'too_long' });
    expect(checkUntrusted({ [`k${'x'.repeat(200)}`]: 1 })).toMatchObject({ code: 'too_long', message: 'event: a key is longer than 128 characters' });
  });

  it(`bounds arrays to ${MAX_ITEMS} items`, () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `s${i}` }));
    expect(checkUntrusted({ items: items(MAX_ITEMS) })).toBeNull();
    expect(checkUntrusted({ items: items(MAX_ITEMS + 1) })).toMatchObject({ code: 'too_long', message: `items: more than ${MAX_ITEMS} items` });
  });

  it('never throws, whatever the JSON', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 15 }), (v) => {
      const r = checkUntrusted(v);
      expect(r === null || typeof r.message === 'string').toBe(true);
    }));
  });
});

describe('formatPath and storableText', () => {
  it('formats paths with indexes and elided keys', () => {
    expect(formatPath([], 'body')).toBe('body');
    expect(formatPath(['items', 3, 'id'], 'event')).toBe('items[3].id');
    expect(formatPath(['custom_data', '+44 7700 900123', 'x'], 'event')).toBe('custom_data.….x');
  });
  it('makes text storable and short without leaving half a surrogate pair', () => {
    expect(storableText('a\u0000b\udf12', 100)).toBe('a\ufffdb\ufffd');
    expect(storableText('ok', 100)).toBe('ok');
    expect(storableText(`${'x'.repeat(9)}\ud83d\ude00`, 10)).toBe(`${'x'.repeat(9)}…`);
    expect(isCleanText(storableText(`${'x'.repeat(9)}\ud83d\ude00`, 10))).toBe(true);
  });
});

describe('the event_id bound in the transform', () => {
  it('also holds for an id built from the tenant template', () => {
    const policy = parsePolicy({ eventIdTemplates: { Purchase: 'purchase:{order_id}:{order_id}:{order_id}' } });
    const order = (id: string) => ({ event: 'purchase', value: 1, currency: 'EUR', order_id: id, url: 'https://shop.example/', user: { email: 'a@b.co', user_agent: 'UA' } });
    const now = Date.UTC(2026, 0, 15);
    expect(transformEvent(order('o'.repeat(160)), policy, { now })).toMatchObject({ kind: 'send' });
    expect(transformEvent(order('o'.repeat(200)), policy, { now })).toEqual({
      kind: 'rejected', eventId: null, code: 'too_long', message: `event_id: longer than ${FIELD_LIMITS.event_id} characters once built from the template`,
    });
  });
});
