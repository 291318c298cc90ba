/**
 * The DeliveryQueue contract: what the delivery engine relies on, written against the interface alone
 * (src/delivery/queue.ts) so every implementation runs the same suite: the SQL store on SQLite and PostgreSQL,
 * the engine tests' in-memory queue, and any rewrite of the store (a log with per-pixel cursors, issue 15).
 * Time is passed in, never slept: a lease lapses when the test says `now` is past it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AckResult, ClaimedDelivery, DeliveryQueue } from '../../src/delivery/queue.js';

/** One implementation, freshly opened for each test. */
export interface DeliveryQueueFixture {
  /** The queue as one process sees it. */
  queue: DeliveryQueue;
  /**
   * The same queue as another node sees it: its own connections where the store has them (PostgreSQL), else
   * the same store (SQLite has one writer, and one process runs its workers).
   */
  otherNode: DeliveryQueue;
  /** Adds an active pixel; answers its row id. */
  addPixel(): Promise<string>;
  /** Queues one delivery per event id for the pixel, due at `now`. */
  enqueue(pixelRowId: string, eventIds: readonly string[], now: number): Promise<void>;
  /**
   * Stores the events like `enqueue` in a transaction left open until `commit` (a store with concurrent writers
   * only, PostgreSQL): what a slow ingest request looks like to the queue while it has not committed.
   */
  beginEnqueue?(pixelRowId: string, eventIds: readonly string[], now: number): Promise<{ commit(): Promise<void> }>;
  close(): Promise<void>;
}

/** What the implementation under test can show beyond the common contract. */
export interface DeliveryQueueContractOptions {
  /** Several writers commit at once (PostgreSQL): the fixture has `beginEnqueue`. */
  concurrentWriters?: boolean;
}

const T0 = Date.UTC(2026, 10, 24, 12);
const LEASE = 60_000;
/** The first moment the lease of a claim made at `t` has lapsed (lease_until < now). */
const lapsedAfter = (t: number) => t + LEASE + 1;

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const eventIds = (c: readonly ClaimedDelivery[]) => c.map((d) => d.eventId).sort();
const deliveryIds = (c: readonly ClaimedDelivery[]) => c.map((d) => d.deliveryId).sort();
/** An ack's answer with `late` in a fixed order (the contract does not promise one). */
const answer = async (p: Promise<AckResult>) => {
  const r = await p;
  return { settled: r.settled, late: [...r.late].sort() };
};

export function deliveryQueueContract(name: string, open: () => Promise<DeliveryQueueFixture>, options: DeliveryQueueContractOptions = {}): void {
  describe(`DeliveryQueue contract: ${name}`, () => {
    let f: DeliveryQueueFixture;
    let pixel: string;
    beforeEach(async () => {
      f = await open();
      pixel = await f.addPixel();
    });
    afterEach(async () => f?.close());

    describe('claim', () => {
      it('claims due deliveries under one new lease, at most `limit`, the oldest first, and not those due later', async () => {
        await f.enqueue(pixel, names('old', 3), T0);
        await f.enqueue(pixel, names('new', 3), T0 + 1000);
        await f.enqueue(pixel, ['later'], T0 + 600_000);
        const first = await f.queue.claim(pixel, 3, T0 + 2000, LEASE, 'w1');
        expect(eventIds(first)).toEqual(['old0', 'old1', 'old2']);
        expect(new Set(first.map((d) => d.lease)).size).toBe(1);
        expect(first.every((d) => d.attempts === 0 && d.eventName === 'Lead' && typeof d.eventJson === 'string')).toBe(true);
        const second = await f.queue.claim(pixel, 10, T0 + 2000, LEASE, 'w1');
        expect(eventIds(second)).toEqual(['new0', 'new1', 'new2']);
        // One worker, two claims, two leases: an ack for one claim cannot settle the other's rows.
        expect(second[0]?.lease).not.toBe(first[0]?.lease);
        expect(await f.queue.claim(pixel, 10, T0 + 2000, LEASE, 'w1')).toEqual([]);
      });

      it('does not hand out a held delivery again while its lease runs', async () => {
        await f.enqueue(pixel, names('e', 2), T0);
        await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
        expect(await f.queue.claim(pixel, 10, T0 + 1, LEASE, 'w2')).toEqual([]);
        expect(await f.otherNode.claim(pixel, 10, T0 + LEASE, LEASE, 'w3')).toEqual([]);
      });

      it('lists a pixel while it has due work or a lapsed lease, and never while paused', async () => {
        const listed = async (now: number) => (await f.queue.duePixels(now)).map((p) => p.pixelRowId).filter((id) => id === pixel);
        expect(await listed(T0)).toEqual([]);
        await f.enqueue(pixel, ['e0'], T0 + 1000);
        expect(await listed(T0)).toEqual([]);
        expect(await listed(T0 + 1000)).toEqual([pixel]);
        await f.queue.claim(pixel, 10, T0 + 1000, LEASE, 'w1');
        expect(await listed(T0 + 1000 + LEASE)).toEqual([]);
        expect(await listed(lapsedAfter(T0 + 1000))).toEqual([pixel]);
        await f.queue.pausePixel(pixel, 'token expired', lapsedAfter(T0 + 1000));
        expect(await listed(lapsedAfter(T0 + 1000))).toEqual([]);
      });
    });

    describe('ack, fail and release', () => {
      it('markSent settles the held rows: answered settled, never claimed again', async () => {
        await f.enqueue(pixel, names('e', 3), T0);
        const held = await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
        expect(await answer(f.queue.markSent(held, { fbtraceId: 'AbC', eventsReceived: 3 }, T0 + 10))).toEqual({ settled: 3, late: [] });
        expect(await f.queue.claim(pixel, 10, T0 + 30 * 86_400_000, LEASE, 'w2')).toEqual([]);
      });

      it('markRetry puts the rows back at nextAttemptAt, not before, with one attempt counted', async () => {
        await f.enqueue(pixel, names('e', 2), T0);
        const held = await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
        expect(await answer(f.queue.markRetry(held, { reason: 'HTTP 503', nextAttemptAt: T0 + 5000 }, T0 + 10))).toEqual({ settled: 2, late: [] });
        expect(await f.queue.claim(pixel, 10, T0 + 4999, LEASE, 'w1')).toEqual([]);
        const again = await f.queue.claim(pixel, 10, T0 + 5000, LEASE, 'w1');
        expect(deliveryIds(again)).toEqual(deliveryIds(held));
        expect(again.map((d) => d.attempts)).toEqual([1, 1]);
      });

      it('markDead and markDropped settle the rows for good', async () => {
        await f.enqueue(pixel, names('e', 4), T0);
        const held = await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
        expect(await answer(f.queue.markDead(held.slice(0, 2), { reason: 'Invalid parameter' }, T0 + 10))).toEqual({ settled: 2, late: [] });
        expect(await answer(f.queue.markDropped(held.slice(2), { code: 'event_too_old', reason: 'too old' }, T0 + 10))).toEqual({ settled: 2, late: [] });
        expect(await f.queue.claim(pixel, 10, T0 + 30 * 86_400_000, LEASE, 'w2')).toEqual([]);
      });

      it('release puts the rows back at once without counting an attempt', async () => {
        await f.enqueue(pixel, names('e', 2), T0);
        const held = await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
        expect(await answer(f.queue.release(held, T0 + 10))).toEqual({ settled: 2, late: [] });
        const again = await f.queue.claim(pixel, 10, T0 + 10, LEASE, 'w2');
        expect(deliveryIds(again)).toEqual(deliveryIds(held));
        expect(again.map((d) => d.attempts)).toEqual([0, 0]);
      });

      it('a second ack of a settled row is late and changes nothing', async () => {
        await f.enqueue(pixel, ['e0'], T0);
        const held = await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
        await f.queue.markRetry(held, { reason: 'HTTP 503', nextAttemptAt: T0 + 1000 }, T0 + 10);
        expect(await answer(f.queue.markSent(held, { fbtraceId: null, eventsReceived: 1 }, T0 + 20))).toEqual({ settled: 0, late: deliveryIds(held) });
        expect(await answer(f.queue.release(held, T0 + 20))).toEqual({ settled: 0, late: deliveryIds(held) });
        // Still the retry it was: due at T0 + 1000, one attempt.
        expect(await f.queue.claim(pixel, 10, T0 + 999, LEASE, 'w1')).toEqual([]);
        expect((await f.queue.claim(pixel, 10, T0 + 1000, LEASE, 'w1')).map((d) => d.attempts)).toEqual([1]);
      });

      it('an ack after the lease lapsed still settles the rows when nobody took them over (the send happened)', async () => {
        await f.enqueue(pixel, names('e', 2), T0);
        const held = await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
        expect(await answer(f.queue.markSent(held, { fbtraceId: 'AbC', eventsReceived: 2 }, lapsedAfter(T0) + 5000))).toEqual({ settled: 2, late: [] });
        expect(await f.queue.claim(pixel, 10, lapsedAfter(T0) + 5000, LEASE, 'w2')).toEqual([]);
      });
    });

    describe('lapsed leases', () => {
      it('another worker reclaims rows once the lease lapsed, under its own lease, with the attempts they had', async () => {
        await f.enqueue(pixel, names('e', 3), T0);
        const a = await f.queue.claim(pixel, 10, T0, LEASE, 'A');
        await f.queue.markRetry(a.filter((d) => d.eventId === 'e0'), { reason: 'HTTP 503', nextAttemptAt: T0 + 1000 }, T0 + 10);
        const a2 = await f.queue.claim(pixel, 10, T0 + 1000, LEASE, 'A');
        expect(eventIds(a2)).toEqual(['e0']);
        // e1 and e2 lapsed at T0 + LEASE; e0, claimed again at T0 + 1000, is held one second longer.
        const b1 = await f.otherNode.claim(pixel, 10, T0 + 1000 + LEASE, LEASE, 'B');
        expect(b1.map((d) => [d.eventId, d.attempts]).sort()).toEqual([
          ['e1', 0],
          ['e2', 0],
        ]);
        const b2 = await f.otherNode.claim(pixel, 10, lapsedAfter(T0 + 1000), LEASE, 'B');
        expect(b2.map((d) => [d.eventId, d.attempts])).toEqual([['e0', 1]]);
        const aLeases = new Set([...a, ...a2].map((d) => d.lease));
        expect([...b1, ...b2].some((d) => aLeases.has(d.lease))).toBe(false);
      });

      it('a renewed lease holds past the first one; a renewal after a takeover or a settlement takes nothing back', async () => {
        await f.enqueue(pixel, names('e', 2), T0);
        const a = await f.queue.claim(pixel, 10, T0, LEASE, 'A');
        expect(await f.queue.renewLease(pixel, a[0]!.lease, T0 + 2 * LEASE)).toBe(true);
        expect(await f.otherNode.claim(pixel, 10, lapsedAfter(T0), LEASE, 'B')).toEqual([]);
        const t = T0 + 2 * LEASE + 1;
        const b = await f.otherNode.claim(pixel, 10, t, LEASE, 'B');
        expect(deliveryIds(b)).toEqual(deliveryIds(a));
        expect(await f.queue.renewLease(pixel, a[0]!.lease, t + 10 * LEASE)).toBe(false);
        // B's lease is as B took it: lapsed one LEASE after t, whatever A renewed.
        expect(deliveryIds(await f.queue.claim(pixel, 10, lapsedAfter(t), LEASE, 'C'))).toEqual(deliveryIds(a));
        const c = await f.queue.claim(pixel, 10, lapsedAfter(lapsedAfter(t)), LEASE, 'D');
        await f.queue.markSent(c, { fbtraceId: 'AbC', eventsReceived: 2 }, lapsedAfter(lapsedAfter(t)));
        expect(await f.queue.renewLease(pixel, c[0]!.lease, lapsedAfter(lapsedAfter(t)) + LEASE)).toBe(false);
      });

      it('a late ack from the old owner changes nothing: the new owner settles the rows', async () => {
        await f.enqueue(pixel, names('e', 3), T0);
        const a = await f.queue.claim(pixel, 10, T0, LEASE, 'A');
        const t = lapsedAfter(T0);
        const b = await f.otherNode.claim(pixel, 10, t, LEASE, 'B');
        expect(deliveryIds(b)).toEqual(deliveryIds(a));
        const late = { settled: 0, late: deliveryIds(a) };
        expect(await answer(f.queue.markSent(a, { fbtraceId: 'late', eventsReceived: 3 }, t + 1))).toEqual(late);
        expect(await answer(f.queue.markRetry(a, { reason: 'HTTP 503', nextAttemptAt: t + 2 }, t + 1))).toEqual(late);
        expect(await answer(f.queue.markDead(a, { reason: 'Invalid parameter' }, t + 1))).toEqual(late);
        expect(await answer(f.queue.markDropped(a, { code: 'event_too_old', reason: 'too old' }, t + 1))).toEqual(late);
        expect(await answer(f.queue.release(a, t + 1))).toEqual(late);
        // Nothing was requeued or settled: the rows are still B's, and nobody else can claim them.
        expect(await f.queue.claim(pixel, 10, t + 2, LEASE, 'C')).toEqual([]);
        expect(await answer(f.otherNode.markRetry(b, { reason: 'HTTP 503', nextAttemptAt: t + 100 }, t + 3))).toEqual({ settled: 3, late: [] });
        // One attempt, B's: the old owner's acks counted none.
        expect((await f.queue.claim(pixel, 10, t + 100, LEASE, 'C')).map((d) => d.attempts)).toEqual([1, 1, 1]);
      });

      it('a worker that takes back its own lapsed rows does not settle them with the old claim', async () => {
        await f.enqueue(pixel, names('e', 2), T0);
        const first = await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
        const second = await f.queue.claim(pixel, 10, lapsedAfter(T0), LEASE, 'w1');
        expect(deliveryIds(second)).toEqual(deliveryIds(first));
        expect(await answer(f.queue.markSent(first, { fbtraceId: null, eventsReceived: 2 }, lapsedAfter(T0) + 1))).toEqual({ settled: 0, late: deliveryIds(first) });
        expect(await answer(f.queue.markSent(second, { fbtraceId: 'AbC', eventsReceived: 2 }, lapsedAfter(T0) + 1))).toEqual({ settled: 2, late: [] });
      });

      it('an ack naming rows partly taken over settles only those still held', async () => {
        await f.enqueue(pixel, names('e', 4), T0);
        const a = await f.queue.claim(pixel, 10, T0, LEASE, 'A');
        const b = await f.otherNode.claim(pixel, 2, lapsedAfter(T0), LEASE, 'B');
        expect(b).toHaveLength(2);
        expect(await answer(f.queue.markSent(a, { fbtraceId: 'AbC', eventsReceived: 4 }, lapsedAfter(T0) + 1))).toEqual({ settled: 2, late: deliveryIds(b) });
        expect(await answer(f.otherNode.markSent(b, { fbtraceId: 'XyZ', eventsReceived: 2 }, lapsedAfter(T0) + 2))).toEqual({ settled: 2, late: [] });
      });
    });

    if (options.concurrentWriters) {
      describe('writes committing out of order', () => {
        it('an event whose write took a lower place in the log but commits after a later write is still claimed, once', async () => {
          const slow = await f.beginEnqueue!(pixel, ['slow'], T0);
          // A later write of the same store: it comes after the slow one in the log. Given a moment to commit
          // first (a queue that let it would hand out 'fast' and move past 'slow' for good), then a claim runs.
          const fast = f.enqueue(pixel, ['fast'], T0);
          await Promise.race([fast, new Promise((r) => setTimeout(r, 300))]);
          const during = await f.queue.claim(pixel, 10, T0, LEASE, 'w1');
          await slow.commit();
          await fast;
          const after: ClaimedDelivery[] = [];
          for (;;) {
            const batch = await f.otherNode.claim(pixel, 10, T0, LEASE, 'w2');
            if (batch.length === 0) break;
            after.push(...batch);
          }
          expect(eventIds([...during, ...after])).toEqual(['fast', 'slow']);
        });
      });
    }

    describe('racing workers', () => {
      it('workers claiming at once, on this node and another, get disjoint rows and together all of them', async () => {
        await f.enqueue(pixel, names('e', 300), T0);
        const drain = async (queue: DeliveryQueue, worker: string) => {
          const got: ClaimedDelivery[] = [];
          for (;;) {
            const batch = await queue.claim(pixel, 25, T0, LEASE, worker);
            if (batch.length === 0) return got;
            got.push(...batch);
          }
        };
        const all = (await Promise.all([drain(f.queue, 'A'), drain(f.otherNode, 'B'), drain(f.queue, 'C'), drain(f.otherNode, 'D')])).flat();
        expect(all).toHaveLength(300);
        expect(new Set(all.map((d) => d.deliveryId)).size).toBe(300);
      });

      it('workers racing for one lapsed claim take each row once', async () => {
        await f.enqueue(pixel, names('e', 60), T0);
        const a = await f.queue.claim(pixel, 60, T0, LEASE, 'A');
        const t = lapsedAfter(T0);
        const [b, c] = await Promise.all([f.queue.claim(pixel, 40, t, LEASE, 'B'), f.otherNode.claim(pixel, 40, t, LEASE, 'C')]);
        const taken = [...(b ?? []), ...(c ?? [])];
        expect(taken.map((d) => d.deliveryId).sort()).toEqual(deliveryIds(a));
      });

      it('the old owner and the new owner acking at once: only the holder settles', async () => {
        await f.enqueue(pixel, names('e', 20), T0);
        const a = await f.queue.claim(pixel, 20, T0, LEASE, 'A');
        const t = lapsedAfter(T0);
        const b = await f.otherNode.claim(pixel, 20, t, LEASE, 'B');
        const [oldAck, newAck] = await Promise.all([
          f.queue.markSent(a, { fbtraceId: 'late', eventsReceived: 20 }, t + 1),
          f.otherNode.markDead(b, { reason: 'Invalid parameter' }, t + 1),
        ]);
        expect(oldAck.settled).toBe(0);
        expect(newAck).toEqual({ settled: 20, late: [] });
        expect(await f.queue.claim(pixel, 20, t + 30 * 86_400_000, LEASE, 'C')).toEqual([]);
      });
    });
  });
}
