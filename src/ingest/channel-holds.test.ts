import { describe, expect, it } from 'vitest';
import type { ChannelPresence } from '../store/channel-presence.js';
import type { EventToStore } from '../store/events.js';
import { parsePolicy } from '../transform/policy.js';
import { applyHolds, holdWindowOf } from './channel-holds.js';

describe('holdWindowOf', () => {
  const policy = parsePolicy({ channelMerge: { windowSeconds: 60, eventWindowSeconds: { Lead: 0, Purchase: 90 } } });
  it.each([
    ['Purchase', 'browser', false, 90_000],
    ['Purchase', 'webhook:shopify', false, 90_000],
    ['AddToCart', 'api', false, 60_000],
    ['AddToCart', 'api:segment', false, 60_000],
    ['Lead', 'browser', false, undefined],
    ['Purchase', 'csv', false, undefined],
    ['Purchase', 'simulate', true, undefined],
    ['Purchase', 'api', true, undefined],
  ])('%s from %s (simulated %s): %s ms', (name, source, simulated, ms) => expect(holdWindowOf(policy, name, source, simulated)).toBe(ms));

  it('defaults to 60 s', () => expect(holdWindowOf(parsePolicy({}), 'Purchase', 'browser', false)).toBe(60_000));
});

describe('applyHolds', () => {
  const item = (eventName: string, holdMs?: number): EventToStore => ({ eventName, eventId: `${eventName}-1`, source: 'api', event: null, decisions: [], holdMs });

  it('keeps a window only for the event types a store reports from both sides, reading each store once', async () => {
    const reads: string[] = [];
    const presence = { bothSides: async (id: string) => (reads.push(id), new Set(id === 'a' ? ['Purchase'] : [])) } as unknown as ChannelPresence;
    const writes = [
      { tenant: { id: 'a' }, items: [item('Purchase', 60_000), item('Lead', 60_000)] },
      { tenant: { id: 'a' }, items: [item('Purchase', 60_000)] },
      { tenant: { id: 'b' }, items: [item('Purchase', 60_000)] },
      { tenant: { id: 'c' }, items: [item('Purchase')] },
    ];
    await applyHolds(writes, presence);
    expect(writes.map((w) => w.items.map((i) => i.holdMs))).toEqual([[60_000, undefined], [60_000], [undefined], [undefined]]);
    expect(reads.sort()).toEqual(['a', 'b']);
  });
});
