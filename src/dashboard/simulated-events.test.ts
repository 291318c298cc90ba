import { describe, expect, it } from 'vitest';
import { parsePolicy, transformEvent } from '../transform/transform.js';
import { SIMULATED_EVENT_NAMES, simulatedEvent } from './simulated-events.js';

describe('simulated events', () => {
  const now = Date.UTC(2026, 0, 15, 12);

  it.each(SIMULATED_EVENT_NAMES)('a simulated %s passes the default policy and is sent with hashed customer data', (name) => {
    const r = transformEvent(simulatedEvent(name, `sim-${name}-0001`, now), parsePolicy({}), { now });
    expect(r.kind).toBe('send');
    if (r.kind !== 'send') return;
    expect(r.event.event_name).toBe(name);
    expect(r.event.event_id).toBe(`sim-${name}-0001`);
    expect(r.event.user_data.em).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
  });

  it('gives each simulated Purchase its own order id, with value and currency', () => {
    const a = simulatedEvent('Purchase', 'sim-aaaa-11111111', now);
    const b = simulatedEvent('Purchase', 'sim-bbbb-22222222', now);
    expect(a.custom_data).toMatchObject({ order_id: 'TEST-11111111', value: 42.5, currency: 'EUR' });
    expect((b.custom_data as { order_id: string }).order_id).toBe('TEST-22222222');
  });
});
