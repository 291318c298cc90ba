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
  it('lower-cases action_source and passes Meta extras', () => {
    const r = parseInput({ event_name: 'Purchase', action_source: 'PHYSICAL_STORE', app_data: { extinfo: [] } }, NOW);
    expect(r).toMatchObject({ actionSource: 'physical_store', extra: { app_data: { extinfo: [] } } });
  });
});
