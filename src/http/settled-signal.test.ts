import { describe, expect, it } from 'vitest';
import { createSettledSignal } from './settled-signal.js';

describe('settled signal', () => {
  it('wakes the waiters of the notified pixel only, each once', async () => {
    const signal = createSettledSignal();
    const woken: string[] = [];
    const a1 = signal.next('a', 60_000).then(() => woken.push('a1'));
    const a2 = signal.next('a', 60_000).then(() => woken.push('a2'));
    const b = signal.next('b', 60_000).then(() => woken.push('b'));
    signal.notify('a');
    await Promise.all([a1, a2]);
    expect(woken.sort()).toEqual(['a1', 'a2']);
    signal.notify('a'); // nobody waits any more: nothing happens
    signal.notify('b');
    await b;
    expect(woken).toContain('b');
  });

  it('gives up waiting after the timeout, so a send by another node is still read from the database', async () => {
    const signal = createSettledSignal();
    await expect(signal.next('a', 1)).resolves.toBeUndefined();
  });
});
