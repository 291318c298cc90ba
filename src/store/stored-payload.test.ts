import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetaServerEvent } from '../core/meta-event.js';
import { toStoredPayload, toWireEvent } from './stored-payload.js';

const event: MetaServerEvent = {
  event_name: 'Purchase',
  event_time: 1_795_536_861,
  event_id: 'purchase:1001',
  action_source: 'website',
  event_source_url: 'https://shop.example.com/thanks',
  user_data: { em: ['a'.repeat(64)], client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0 "quoted" \\ ua', fbp: 'fb.1.1596403881668.1116446470' },
  custom_data: { value: 42.5, currency: 'EUR', order_id: '1001', contents: [{ id: 'x', quantity: 1 }] },
};

describe('stored payload', () => {
  it('keeps IP and user agent out of the stored text', () => {
    const stored = toStoredPayload(event);
    expect(stored.payload).not.toContain('203.0.113.7');
    expect(stored.payload).not.toContain('Mozilla');
    expect(stored).toMatchObject({ clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 "quoted" \\ ua' });
  });

  it('gives Meta exactly the original event, IP and user agent back inside user_data', () => {
    const { payload, clientIp, userAgent } = toStoredPayload(event);
    const wire = toWireEvent(payload, clientIp, userAgent);
    expect(JSON.parse(wire.json)).toEqual(event);
    expect(wire.actionSource).toBe('website');
  });

  it('handles an empty user_data, no clear fields, and a payload stored by an earlier version', () => {
    const bare: MetaServerEvent = { ...event, user_data: { client_ip_address: '198.51.100.1' } };
    const stored = toStoredPayload(bare);
    expect(JSON.parse(toWireEvent(stored.payload, stored.clientIp, null).json)).toEqual(bare);
    expect(JSON.parse(toWireEvent(stored.payload, null, null).json)).toEqual({ ...bare, user_data: {} });
    // The old layout: user_data wherever the event had it, parsed and re-serialized.
    const { client_ip_address: _ip, client_user_agent: _ua, ...rest } = event.user_data;
    const legacy = JSON.stringify({ ...event, user_data: rest });
    const wire = toWireEvent(legacy, '203.0.113.7', 'Mozilla/5.0 "quoted" \\ ua');
    expect(JSON.parse(wire.json)).toEqual(event);
    expect(wire.actionSource).toBe('website');
  });

  it('round-trips any IP and user agent text', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: null }), fc.option(fc.string(), { nil: null }), (ip, ua) => {
        const e: MetaServerEvent = { ...event, user_data: { em: ['b'.repeat(64)], ...(ip !== null ? { client_ip_address: ip } : {}), ...(ua !== null ? { client_user_agent: ua } : {}) } };
        const s = toStoredPayload(e);
        expect(JSON.parse(toWireEvent(s.payload, s.clientIp, s.userAgent).json)).toEqual(e);
      }),
    );
  });
});
