import { describe, expect, it } from 'vitest';
import type { MetaServerEvent } from '../core/meta-event.js';
import { checkGates } from './gates.js';
import { defaultPolicy, parsePolicy } from './policy.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const T = Math.floor(NOW / 1000);
const ok: MetaServerEvent = {
  event_name: 'Purchase', event_time: T, event_id: 'e', action_source: 'website',
  event_source_url: 'https://shop.example/', user_data: { em: ['h'], client_user_agent: 'UA' },
  custom_data: { value: 10, currency: 'usd' },
};
const code = (e: Partial<MetaServerEvent>, p = defaultPolicy) => checkGates({ ...ok, ...e }, p)?.code ?? null;

describe('checkGates', () => {
  it('accepts a complete website Purchase', () => expect(code({})).toBeNull());
  it('website events need an http(s) URL and a user agent when strictWebsiteFields is on', () => {
    const strict = parsePolicy({ strictWebsiteFields: true });
    expect(code({ event_source_url: undefined }, strict)).toBe('missing_event_source_url');
    expect(code({ event_source_url: 'ftp://x' }, strict)).toBe('invalid_event_source_url');
    expect(code({ user_data: { em: ['h'] } }, strict)).toBe('missing_client_user_agent');
    expect(code({ action_source: 'email', event_source_url: undefined, user_data: { em: ['h'] } }, strict)).toBeNull();
  });
  it('by default sends website events without URL or user agent, recording a warning for each', () => {
    const warnings: { code: string }[] = [];
    expect(checkGates({ ...ok, event_source_url: undefined, user_data: { em: ['h'] } }, defaultPolicy, {}, warnings as never)).toBeNull();
    expect(warnings.map((w) => w.code)).toEqual(['missing_event_source_url', 'missing_client_user_agent']);
  });
  it('send conditions', () => {
    expect(code({ user_data: { client_user_agent: 'UA', client_ip_address: '1.2.3.4', ct: ['h'] } })).toBe('send_condition');
    expect(code({ user_data: { client_user_agent: 'UA', fbp: 'fb.1.1.1' } })).toBeNull();
    const strict = parsePolicy({ sendConditions: { requireOneOf: ['em'], minOtherIdentifiers: 2 } });
    expect(code({}, strict)).toBe('send_condition');
    expect(code({ user_data: { em: ['h'], ph: ['p'], client_user_agent: 'UA' } }, strict)).toBeNull();
  });
  it('thin user_data combinations are dropped even without requireOneOf', () => {
    const loose = parsePolicy({ sendConditions: { requireOneOf: [] } });
    expect(code({ user_data: { client_user_agent: 'UA', db: ['h'] } }, loose)).toBe('thin_user_data');
    expect(code({ action_source: 'email', user_data: { fn: ['h'], ge: ['g'] } }, loose)).toBe('thin_user_data');
    expect(code({ user_data: { client_user_agent: 'UA', db: ['h'], fn: ['f'] } }, loose)).toBeNull();
    expect(code({ action_source: 'email', user_data: {} }, loose)).toBe('send_condition');
  });
  it('without consent, what is left of user_data (the user agent) cannot be sent: kept back as no_consent', () => {
    expect(checkGates({ ...ok, user_data: { client_user_agent: 'UA' } }, defaultPolicy, { userDataStripped: true })?.code).toBe('no_consent');
    expect(checkGates({ ...ok, user_data: {} }, defaultPolicy, { userDataStripped: true })?.code).toBe('no_consent');
  });
});
