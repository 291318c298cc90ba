import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hash.js';
import { defaultPolicy, parsePolicy, transformEvent } from './transform.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const ctx = { now: NOW, newId: () => 'id' };
const base = {
  event: 'add_to_cart', event_id: 'e1', timestamp: Math.floor(NOW / 1000), action_source: 'system_generated',
  user: { email: 'a@b.co', state: 'California', country: 'US', user_agent: 'UA' },
};

function dpo(r: ReturnType<typeof transformEvent>) {
  if (r.kind !== 'send') throw new Error(`not sent: ${r.kind} ${r.code}`);
  const e = r.event;
  return [e.data_processing_options, e.data_processing_options_country, e.data_processing_options_state];
}

describe('consent', () => {
  const p = parsePolicy({ consent: { advertisingCategory: 'advertising' } });
  it('drops an event whose consent lacks the category', () => {
    const r = transformEvent({ ...base, consent_categories: ['analytics'] }, p, ctx);
    expect(r).toMatchObject({ kind: 'dropped', code: 'no_consent', event: null });
  });
  it('sends when the category is granted or consent is not carried', () => {
    expect(transformEvent({ ...base, consent_categories: ['advertising'] }, p, ctx).kind).toBe('send');
    expect(transformEvent(base, p, ctx).kind).toBe('send');
  });
  it('strip_user_data keeps only the user agent, which Meta refuses alone: kept back as no_consent', () => {
    const ps = parsePolicy({ consent: { advertisingCategory: 'advertising', withoutConsent: 'strip_user_data' } });
    const r = transformEvent({ ...base, consent_categories: [] }, ps, ctx);
    expect(r).toMatchObject({ kind: 'dropped', code: 'no_consent' });
    expect(r.kind === 'dropped' && r.event?.user_data).toEqual({ client_user_agent: 'UA' });
    expect(r.kind === 'dropped' && r.decisions.map((d) => d.code)).toContain('consent_stripped');
  });
});

describe('consent when the event carries none (whenMissing)', () => {
  it('denied (GDPR): an event without consent_categories is treated as lacking the category, and says why', () => {
    const p = parsePolicy({ consent: { advertisingCategory: 'advertising', whenMissing: 'denied' } });
    const r = transformEvent(base, p, ctx);
    expect(r).toMatchObject({ kind: 'dropped', code: 'no_consent' });
    expect(r.kind === 'dropped' && r.message).toContain('no consent_categories');
    expect(transformEvent({ ...base, consent_categories: ['advertising'] }, p, ctx).kind).toBe('send');
  });
  it('denied with strip_user_data strips the customer data, and so keeps the event back', () => {
    const p = parsePolicy({ consent: { advertisingCategory: 'advertising', whenMissing: 'denied', withoutConsent: 'strip_user_data' } });
    const r = transformEvent(base, p, ctx);
    expect(r).toMatchObject({ kind: 'dropped', code: 'no_consent', event: { user_data: { client_user_agent: 'UA' } } });
  });
  it('is refused without a category to look for', () => {
    expect(() => parsePolicy({ consent: { whenMissing: 'denied' } })).toThrow(/advertisingCategory/);
  });
});

describe('opt_out', () => {
  it('skips non-essential events', () => {
    expect(transformEvent({ ...base, opt_out: true }, defaultPolicy, ctx)).toMatchObject({ kind: 'dropped', code: 'opt_out' });
  });
  it('sends essential events with opt_out=true', () => {
    const r = transformEvent({ ...base, event: 'purchase', value: 1, currency: 'USD', opt_out: true }, defaultPolicy, ctx);
    expect(r.kind === 'send' && r.event.opt_out).toBe(true);
  });
});

describe('LDU', () => {
  it('defaults to California LDU', () => {
    expect(dpo(transformEvent(base, defaultPolicy, ctx))).toEqual([['LDU'], 1, 1000]);
  });
  it('off: no options unless given on a Meta-native event', () => {
    const off = parsePolicy({ ldu: 'off' });
    expect(dpo(transformEvent(base, off, ctx))).toEqual([undefined, undefined, undefined]);
    const native = { event_name: 'Lead', event_time: Math.floor(NOW / 1000), event_id: 'n', action_source: 'email',
      user_data: { em: 'a@b.co' }, data_processing_options: [] };
    expect(dpo(transformEvent(native, off, ctx))).toEqual([[], undefined, undefined]);
  });
  it('california: CA → LDU,1,1000; other states untouched; unknown state → geolocate', () => {
    const p = parsePolicy({ ldu: 'california' });
    expect(dpo(transformEvent(base, p, ctx))).toEqual([['LDU'], 1, 1000]);
    expect(dpo(transformEvent({ ...base, user: { ...base.user, state: 'ca' } }, p, ctx))).toEqual([['LDU'], 1, 1000]);
    expect(dpo(transformEvent({ ...base, user: { ...base.user, state: 'TX' } }, p, ctx))).toEqual([undefined, undefined, undefined]);
    expect(dpo(transformEvent({ ...base, user: { email: 'a@b.co' } }, p, ctx))).toEqual([['LDU'], 0, 0]);
    expect(dpo(transformEvent({ ...base, user: { ...base.user, country: 'FR' } }, p, ctx))).toEqual([undefined, undefined, undefined]);
  });
  it('california recognises a pre-hashed state', () => {
    const p = parsePolicy({ ldu: 'california' });
    const r = transformEvent({ ...base, user: { email: 'a@b.co', st: sha256Hex('ca') } }, p, ctx);
    expect(dpo(r)).toEqual([['LDU'], 1, 1000]);
  });
  it('states: uses the per-state codes', () => {
    const p = parsePolicy({ ldu: 'states', lduStates: ['ca', 'co', 'tx'] });
    expect(dpo(transformEvent({ ...base, user: { ...base.user, state: 'Colorado' } }, p, ctx))).toEqual([['LDU'], 1, 1001]);
    expect(dpo(transformEvent({ ...base, user: { ...base.user, state: 'Tex.' } }, p, ctx))).toEqual([['LDU'], 1, 1005]);
    expect(dpo(transformEvent({ ...base, user: { ...base.user, state: 'Oregon' } }, p, ctx))).toEqual([undefined, undefined, undefined]);
  });
  it('all: LDU with geolocation', () => {
    expect(dpo(transformEvent(base, parsePolicy({ ldu: 'all' }), ctx))).toEqual([['LDU'], 0, 0]);
  });
});
