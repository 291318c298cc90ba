import { describe, expect, it } from 'vitest';
import type { Decision } from '../core/meta-event.js';
import { parseEventTime, parseInput } from './input.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const S = Math.floor(NOW / 1000);

describe('parseEventTime', () => {
  it('accepts seconds, ms (noted), digit strings and ISO', () => {
    const d: Decision[] = [];
    expect(parseEventTime(S, NOW, d)).toBe(S);
    expect(parseEventTime(String(S), NOW, d)).toBe(S);
    expect(d).toEqual([]);
    expect(parseEventTime(S * 1000 + 999, NOW, d)).toBe(S);
    expect(d.map((x) => x.code)).toEqual(['event_time_ms']);
    expect(parseEventTime('2026-11-24T12:00:00Z', NOW, [])).toBe(S);
    expect(parseEventTime('2026-11-24T13:00:00+01:00', NOW, [])).toBe(S);
  });
  it('defaults to now when missing and rejects garbage', () => {
    const d: Decision[] = [];
    expect(parseEventTime(undefined, NOW, d)).toBe(S);
    expect(d[0]?.code).toBe('event_time_defaulted');
    for (const bad of ['soon', -5, true, {}]) {
      expect(parseInput({ event: 'x', timestamp: bad }, NOW)).toMatchObject({ kind: 'rejected', code: 'invalid_event_time' });
    }
  });
});

describe('parseInput', () => {
  it('detects the two shapes', () => {
    expect(parseInput({ event_name: 'Lead' }, NOW)).toMatchObject({ shape: 'meta', name: 'Lead', actionSource: 'website' });
    expect(parseInput({ event: 'purchase' }, NOW)).toMatchObject({ shape: 'commerce', name: 'purchase' });
  });
  it('trims the order id, as the webhooks do; one of only white space is none', () => {
    expect(parseInput({ event: 'purchase', order_id: ' 1001\t' }, NOW)).toMatchObject({ commerce: { order_id: '1001' } });
    expect(parseInput({ event: 'purchase', order_id: '   ' }, NOW)).not.toHaveProperty('commerce.order_id');
  });
  it('maps commerce user keys to Meta keys', () => {
    const r = parseInput({ event: 'x', user: { email: 'a', phone: 'b', birthdate: 'c', id: 'd', ip: 'e', user_agent: 'f' } }, NOW);
    expect(r).toMatchObject({ user: { em: 'a', ph: 'b', db: 'c', external_id: 'd', client_ip_address: 'e', client_user_agent: 'f' } });
  });
  it('rejects wrong types with stable codes and keeps the event_id', () => {
    expect(parseInput({ event: 'x', event_id: 'e9', items: {} }, NOW)).toEqual({ kind: 'rejected', eventId: 'e9', code: 'invalid_type', message: 'items: expected an array' });
    expect(parseInput({ event: 'x', items: [{ sku: 1 }] }, NOW)).toMatchObject({ code: 'unknown_key' });
    expect(parseInput({ event: 'x', opt_out: 'yes' }, NOW)).toMatchObject({ code: 'invalid_type' });
    expect(parseInput({ event: 'x', consent_categories: 'ads' }, NOW)).toMatchObject({ code: 'invalid_type' });
    expect(parseInput({ event: 'x', integrations: { facebook: { pixel: 1 } } }, NOW)).toMatchObject({ code: 'unknown_key' });
    expect(parseInput({ event_name: 5 }, NOW)).toMatchObject({ code: 'invalid_type' });
    expect(parseInput({ event_name: '' }, NOW)).toMatchObject({ code: 'missing_field' });
    expect(parseInput(null, NOW)).toMatchObject({ code: 'invalid_type', eventId: null });
    expect(parseInput([], NOW)).toMatchObject({ code: 'invalid_type' });
  });
  it('reads null as absent, everywhere: a null name selects no shape, a null field is left out', () => {
    const noShape = { kind: 'rejected', code: 'missing_field', message: 'event: needs "event_name" (Meta-native) or "event" (commerce)' };
    expect(parseInput({ event: null }, NOW)).toMatchObject(noShape);
    expect(parseInput({ event_name: null }, NOW)).toMatchObject(noShape);
    expect(parseInput({ event_name: null, event: null, event_id: 'n1' }, NOW)).toMatchObject({ ...noShape, eventId: 'n1' });
    // A null key of the other shape is absent too, not an unknown key.
    expect(parseInput({ event: 'purchase', event_name: null, opt_out: null, timestamp: null, event_time: S }, NOW)).toMatchObject({ shape: 'commerce', optOut: false, eventTime: S });
    expect(parseInput({ event_name: 'Lead', app_data: null, custom_data: { value: 1, contents: null } }, NOW)).toMatchObject({ extra: {}, customData: { value: 1 } });
    const r = parseInput({ event: 'x', integrations: { facebook: { custom_data: { a: null, b: 2 } } }, items: [{ id: null, quantity: null }] }, NOW);
    expect(r).toMatchObject({ customDataOverride: { b: 2 }, commerce: { items: [{ id: undefined, quantity: undefined }] } });
    expect(Object.keys((r as { customDataOverride: object }).customDataOverride)).toEqual(['b']);
  });
  it('runs the untrusted-JSON guard first: depth, U+0000, lone surrogates and sizes are per-event rejections', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    expect(parseInput({ event_name: 'Lead', event_id: 'd1', custom_data: { x: deep } }, NOW)).toMatchObject({ kind: 'rejected', code: 'too_deep', eventId: 'd1' });
    // The id itself is the bad value: not echoed back.
    expect(parseInput({ event: 'purchase', event_id: 'n\u0000' }, NOW)).toMatchObject({ kind: 'rejected', code: 'invalid_text', eventId: null });
    expect(parseInput({ event: 'purchase', event_id: 'u1', user: { user_agent: '\udf12' } }, NOW)).toMatchObject({ code: 'invalid_text', eventId: 'u1', message: expect.stringMatching(/^user\.user_agent: /) });
    expect(parseInput({ event: 'purchase', order_id: 'o'.repeat(257) }, NOW)).toMatchObject({ code: 'too_long', message: 'order_id: longer than 256 characters' });
    // Before any other rule quotes a key: an unknown key with a NUL is invalid text, not unknown_key.
    expect(parseInput({ event: 'purchase', 'bad\u0000key': 1 }, NOW)).toMatchObject({ code: 'invalid_text' });
  });
  it('lower-cases action_source and passes Meta extras', () => {
    const r = parseInput({ event_name: 'Purchase', action_source: 'PHYSICAL_STORE', app_data: { extinfo: [] } }, NOW);
    expect(r).toMatchObject({ actionSource: 'physical_store', extra: { app_data: { extinfo: [] } } });
  });
});
