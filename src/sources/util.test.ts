import { describe, expect, it } from 'vitest';
import { cleanUser, fbclidFromUrl, fromMinor, header, mapJsonBody, parseJsonKeepBigInts, toUnixSeconds } from './util.js';

describe('parseJsonKeepBigInts', () => {
  it('quotes integers beyond 2^53 and leaves the rest alone', () => {
    const text = '{"id": 820982911946154508, "n": -9007199254740993, "small": 42, "f": 1.5e3, "a": [123456789012345678901, 7], "s": "x\\" 999999999999999999 y"}';
    expect(parseJsonKeepBigInts(text)).toEqual({ id: '820982911946154508', n: '-9007199254740993', small: 42, f: 1500, a: ['123456789012345678901', 7], s: 'x" 999999999999999999 y' });
  });
  it('keeps safe 16-digit integers as numbers', () => {
    expect(parseJsonKeepBigInts('[1234567890123456]')).toEqual([1234567890123456]);
  });
});

describe('helpers', () => {
  it('reads headers case-insensitively', () => {
    expect(header({ 'x-shopify-topic': 'a' }, 'X-Shopify-Topic')).toBe('a');
    expect(header({ 'X-Shopify-Topic': 'b' }, 'x-shopify-topic')).toBe('b');
  });
  it('reads dates as UTC when they carry no zone', () => {
    expect(toUnixSeconds('2017-03-22T19:28:08')).toBe(Date.parse('2017-03-22T19:28:08Z') / 1000);
    expect(toUnixSeconds('2021-12-31T19:00:00-05:00')).toBe(Date.parse('2022-01-01T00:00:00Z') / 1000);
    expect(toUnixSeconds('garbage')).toBeUndefined();
  });
  it('converts minor units exactly, extracts fbclid, drops non-emails', () => {
    expect(fromMinor(5040, 2)).toBe(50.4);
    expect(fromMinor(1999, 2)).toBe(19.99);
    expect(fbclidFromUrl('/p?fbclid=abc')).toBe('abc');
    expect(fbclidFromUrl(undefined)).toBeUndefined();
    expect(cleanUser({ email: '[email protected]', city: ' ' })).toBeUndefined();
    expect(cleanUser({ email: ' a@b.co ' })).toEqual({ email: 'a@b.co' });
  });
});

describe('mapJsonBody', () => {
  const map = (body: Record<string, unknown>) => ({ kind: 'ignore' as const, reason: String(body.id) });
  it('maps a JSON object, keeping big integers exact when asked', () => {
    expect(mapJsonBody(Buffer.from('{"id": 820982911946154508}'), 'd-1', map, { keepBigInts: true })).toEqual({ kind: 'ignore', reason: '820982911946154508' });
  });
  it('answers unmappable invalid_json, with the delivery id, for anything that is not a JSON object', () => {
    for (const body of ['nope', '[1,2]', '"text"', '', 'null']) {
      expect(mapJsonBody(Buffer.from(body), 'd-1', map)).toEqual({ kind: 'unmappable', deliveryId: 'd-1', code: 'invalid_json', message: 'body is not a JSON object' });
    }
  });
});
