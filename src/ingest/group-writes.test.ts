import { describe, expect, it } from 'vitest';
import type { EventToStore } from '../store/events.js';
import { runsOf, type StoreWrite } from './group-writes.js';

const item = (eventId: string, source = 'api'): EventToStore => ({ eventName: 'Purchase', eventId, source, event: null, decisions: [] });
const write = (tenantId: string, ids: string[], now = 1000, forwarding = true): StoreWrite => ({ tenant: { id: tenantId, forwarding }, items: ids.map((id) => item(id)), now });
const shape = (writes: StoreWrite[]) => runsOf(writes).map((r) => ({ tenant: r.tenant.id, ids: r.items.map((i) => i.eventId), counts: r.counts }));

describe('runsOf (which ingest calls of a group one writeEvents call stores)', () => {
  it('joins consecutive calls of one tenant with the same clock reading, keeping each call its own count', () => {
    expect(shape([write('t1', ['a']), write('t1', ['b', 'c']), write('t1', ['d'])])).toEqual([{ tenant: 't1', ids: ['a', 'b', 'c', 'd'], counts: [1, 2, 1] }]);
  });

  it('starts a new run for another tenant, another clock reading or another forwarding switch, keeping the order', () => {
    expect(shape([write('t1', ['a']), write('t2', ['b']), write('t1', ['c']), write('t1', ['d'], 1001), write('t1', ['e'], 1001, false)])).toEqual([
      { tenant: 't1', ids: ['a'], counts: [1] },
      { tenant: 't2', ids: ['b'], counts: [1] },
      { tenant: 't1', ids: ['c'], counts: [1] },
      { tenant: 't1', ids: ['d'], counts: [1] },
      { tenant: 't1', ids: ['e'], counts: [1] },
    ]);
  });

  it('writes a call that repeats an event of the run after it, so it answers duplicate and records its channel', () => {
    expect(shape([write('t1', ['a', 'b']), write('t1', ['c', 'a']), write('t1', ['d'])])).toEqual([
      { tenant: 't1', ids: ['a', 'b'], counts: [2] },
      { tenant: 't1', ids: ['c', 'a', 'd'], counts: [2, 1] },
    ]);
  });

  it('leaves a repeat inside one call to that call (writeEvents answers it duplicate)', () => {
    expect(shape([write('t1', ['a', 'a']), write('t1', ['b'])])).toEqual([{ tenant: 't1', ids: ['a', 'a', 'b'], counts: [2, 1] }]);
  });
});
