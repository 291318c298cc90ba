import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MetaServerEvent } from '../core/meta-event.js';
import { checkMetaEvent, isCurrency } from './meta-rules.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const T = Math.floor(NOW / 1000);
const H = 'a'.repeat(64);
const ok: MetaServerEvent = {
  event_name: 'Purchase', event_time: T, event_id: 'e', action_source: 'website',
  event_source_url: 'https://shop.example/', user_data: { em: [H], client_user_agent: 'UA' },
  custom_data: { value: 10, currency: 'usd' },
};
const check = (e: Partial<MetaServerEvent>) => checkMetaEvent({ ...ok, ...e }, NOW);
const code = (e: Partial<MetaServerEvent>) => check(e)?.code ?? null;
const field = (e: Partial<MetaServerEvent>) => check(e)?.field ?? null;

describe('checkMetaEvent', () => {
  it('takes a complete website Purchase', () => expect(check({})).toBeNull());

  it('Purchase needs a numeric value and an ISO 4217 currency', () => {
    expect(code({ custom_data: { currency: 'USD' } })).toBe('missing_value');
    expect(code({ custom_data: { value: '10', currency: 'USD' } })).toBe('missing_value');
    expect(code({ custom_data: { value: 10 } })).toBe('invalid_currency');
    expect(field({ custom_data: { value: 10 } })).toBe('custom_data.currency');
  });

  it('checks currency and numbers on every event, not only Purchase', () => {
    const lead = { event_name: 'Lead' };
    expect(code({ ...lead, custom_data: { currency: 'XX' } })).toBe('invalid_currency');
    expect(code({ ...lead, custom_data: { currency: 12 } })).toBe('invalid_currency');
    expect(code({ ...lead, custom_data: { value: 'ten' } })).toBe('invalid_value');
    expect(code({ ...lead, custom_data: { predicted_ltv: Number.POSITIVE_INFINITY } })).toBe('invalid_value');
    expect(code({ ...lead, custom_data: { num_items: 1.5 } })).toBe('invalid_custom_data');
    expect(code({ ...lead, custom_data: { delivery_category: 'drone' } })).toBe('invalid_custom_data');
    expect(code({ ...lead, custom_data: { anything: { nested: [1] } } })).toBeNull();
  });

  it('contents items need an id and a numeric quantity', () => {
    const cd = (contents: unknown) => ({ custom_data: { value: 1, currency: 'EUR', contents } });
    expect(code(cd([{ id: 'A', quantity: 1 }]))).toBeNull();
    expect(field(cd([{ id: 'A', quantity: 1 }, { quantity: 1 }]))).toBe('custom_data.contents[1].id');
    expect(field(cd([{ id: '', quantity: 1 }]))).toBe('custom_data.contents[0].id');
    expect(field(cd([{ id: 'A' }]))).toBe('custom_data.contents[0].quantity');
    expect(field(cd([{ id: 'A', quantity: '2' }]))).toBe('custom_data.contents[0].quantity');
    expect(code(cd(['A']))).toBe('invalid_contents');
    expect(code(cd({ id: 'A' }))).toBe('invalid_contents');
  });

  it('event_time: whole seconds within 7 days (62 in store) with an hour left to deliver, at most 5 minutes ahead', () => {
    expect(code({ event_time: T - 7 * 86400 + 3600 })).toBeNull();
    expect(code({ event_time: T - 7 * 86400 + 3599 })).toBe('event_time_too_old');
    expect(code({ action_source: 'physical_store', event_time: T - 62 * 86400 + 3600 })).toBeNull();
    expect(code({ action_source: 'physical_store', event_time: T - 62 * 86400 })).toBe('event_time_too_old');
    expect(code({ event_time: T + 300 })).toBeNull();
    expect(code({ event_time: T + 301 })).toBe('event_time_in_future');
    expect(code({ event_time: T + 0.5 })).toBe('invalid_event_time');
  });

  it('action_source, event keys and LDU', () => {
    expect(code({ action_source: 'tv' as never })).toBe('invalid_action_source');
    expect(code({ advertiser_tracking_enabled: true })).toBe('unknown_key');
    expect(code({ data_processing_options: ['LDU'], data_processing_options_country: 0, data_processing_options_state: 0 })).toBeNull();
    expect(code({ data_processing_options: [] })).toBeNull();
    expect(field({ data_processing_options: ['GDPR'] })).toBe('data_processing_options');
    expect(field({ data_processing_options: ['LDU'] })).toBe('data_processing_options_country');
    expect(field({ data_processing_options: ['LDU'], data_processing_options_country: 2 })).toBe('data_processing_options_country');
    expect(field({ data_processing_options: ['LDU'], data_processing_options_country: 1, data_processing_options_state: 999 })).toBe('data_processing_options_state');
  });

  it('user_data: hashed contact fields, clear cookies and IP, typed ids, enough to match', () => {
    const ud = (user_data: Record<string, unknown>) => field({ user_data: user_data as MetaServerEvent['user_data'] });
    expect(ud({ em: ['jane@example.com'] })).toBe('user_data.em');
    expect(ud({ em: [H.toUpperCase()] })).toBe('user_data.em');
    expect(ud({ em: [`${H}.AbCdEfGh`] })).toBeNull();
    expect(ud({ em: ['0123456789abcdef0123456789ABCDEF'] })).toBeNull(); // MD5: Meta warns
    expect(ud({ fbp: H })).toBe('user_data.fbp');
    expect(ud({ em: [H], client_ip_address: 'nope' })).toBe('user_data.client_ip_address');
    expect(ud({ em: [H], subscription_id: 42 })).toBe('user_data.subscription_id');
    expect(ud({ em: [H], lead_id: 'x1' })).toBe('user_data.lead_id');
    expect(ud({ em: [H], lead_id: '123' })).toBeNull();
    expect(ud({})).toBe('user_data');
    expect(ud({ client_user_agent: 'UA' })).toBe('user_data');
    expect(ud({ fn: [H], ge: [H] })).toBe('user_data');
  });

  it('currency list: any case, three letters, no fund codes or metals', () => {
    expect(isCurrency('eur')).toBe(true);
    expect(isCurrency('EURO')).toBe(false);
    expect(isCurrency('XAU')).toBe(false);
    expect(isCurrency('USN')).toBe(false);
  });
});

describe('per-event codes', () => {
  it('every skipped and rejected code the transform, gates and store give is in docs/errors.md', () => {
    const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');
    const doc = read('../../docs/errors.md');
    const codes = new Set<string>();
    for (const m of read('./meta-rules.ts').matchAll(/problem\('([a-z_]+)'/g)) codes.add(m[1]!);
    const sources: [string, RegExp][] = [
      ['./gates.ts', /code: '([a-z_]+)'/g],
      ['./privacy.ts', /drop = \{ code: '([a-z_]+)'/g],
      ['../store/events.ts', /code: '([a-z_]+)'/g],
      ['../ingest/ingest-service.ts', /skip = \{ code: '([a-z_]+)'/g],
    ];
    for (const [file, re] of sources) for (const m of read(file).matchAll(re)) codes.add(m[1]!);
    expect(codes.size).toBeGreaterThan(15);
    expect([...codes].filter((c) => !doc.includes(`\`${c}\``))).toEqual([]);
  });
});
