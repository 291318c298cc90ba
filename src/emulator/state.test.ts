import { describe, expect, it } from 'vitest';
import { EmulatorState } from './state.js';

const HOUR = 3600_000;
const accepted = (eventId: string, receivedAt: number) => ({
  pixelId: '1',
  version: 'v24.0',
  receivedAt,
  fbtraceId: 'x',
  testEventCode: null,
  warnings: [],
  event: { event_name: 'Purchase', event_id: eventId },
});

describe('EmulatorState dedup memory', () => {
  it('keeps at most twice maxEvents keys and forgets the oldest first, keeping recent duplicates detected', () => {
    const state = new EmulatorState(true, 10);
    for (let i = 0; i < 35; i++) {
      state.record([accepted(`e${i}`, i)]);
      expect(state.dedupKeys).toBeLessThanOrEqual(20);
    }
    // The most recent keys are still remembered: their repeats are marked.
    state.record([accepted('e34', 100), accepted('e30', 100)]);
    expect(state.events().slice(-2).map((e) => e.deduplicated)).toEqual([true, true]);
    // The oldest were forgotten to bound memory (a stated limit of the emulator, as maxEvents is for the list).
    state.record([accepted('e0', 101)]);
    expect(state.events().at(-1)?.deduplicated).toBe(false);
  });

  it('forgets keys past the 48 h window when it prunes, and a key seen again after the window starts a new one', () => {
    const state = new EmulatorState(true, 2);
    state.record([accepted('a', 0), accepted('b', 0)]);
    state.record([accepted('a', 49 * HOUR)]);
    expect(state.events().at(-1)?.deduplicated).toBe(false);
    // 'a' was seen again after the window: it is remembered from 49 h, so a repeat within 48 h of that is marked.
    state.record([accepted('c', 50 * HOUR), accepted('d', 50 * HOUR), accepted('a', 60 * HOUR)]);
    expect(state.events().at(-1)?.deduplicated).toBe(true);
    expect(state.dedupKeys).toBeLessThanOrEqual(4);
  });
});
