/**
 * Counts requests refused before anything was stored (an Origin not on the allow-list, a webhook signature that
 * does not verify, a rate-limited beacon) per store, UTC hour and reason. A flood must not become a write per
 * request: each refusal adds 1 in memory (and to the Prometheus counter), and the sums reach the database at most
 * every few seconds as one upsert per (store, hour, reason). What a crash loses is those few seconds of counts.
 */
import type { RefusedReason } from '../core/overview-api.js';
import { hourOf, type RefusedCount, type RefusedRequestRepository } from '../store/refused-requests.js';

/** How long counts wait in memory before they are written. */
export const REFUSED_FLUSH_DELAY_MS = 5_000;
/** How long hourly counts are kept: the overview reads a day, alerts an hour; a month leaves room to look back. */
export const REFUSED_KEEP_MS = 30 * 24 * 3_600_000;
const PURGE_EVERY_MS = 3_600_000;
/** Keys (store × hour × reason) kept in memory while the database cannot take them; beyond, the oldest are dropped. */
const MAX_PENDING_KEYS = 10_000;

export interface RefusedTraffic {
  /** Counts one refused request; tenantId null when the request named no store (an Origin no store allows). */
  record(tenantId: string | null, reason: RefusedReason): void;
  /** Writes what is counted so far (readers call it first, so they see this node's latest counts). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export function createRefusedTraffic(opts: {
  repository: RefusedRequestRepository;
  /** The Prometheus counter capi_relay_refused_requests_total. */
  counter: { inc(labels: { reason: RefusedReason }): void };
  clock: () => number;
  onFlushError?: (err: unknown) => void;
  flushDelayMs?: number;
}): RefusedTraffic {
  const pending = new Map<string, RefusedCount>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  let closed = false;
  let purgedAt = -Infinity;

  function schedule(): void {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void flush().catch((err: unknown) => opts.onFlushError?.(err));
    }, opts.flushDelayMs ?? REFUSED_FLUSH_DELAY_MS);
    // Counting must never keep the process alive.
    timer.unref();
  }

  function add(c: RefusedCount): void {
    const key = `${c.tenantId}\u0000${c.hour}\u0000${c.reason}`;
    const entry = pending.get(key);
    if (entry) {
      entry.count += c.count;
      return;
    }
    if (pending.size >= MAX_PENDING_KEYS) {
      const oldest = pending.keys().next();
      if (!oldest.done) pending.delete(oldest.value);
    }
    pending.set(key, { ...c });
  }

  async function write(): Promise<void> {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending.clear();
    try {
      await opts.repository.add(batch);
      // Old hours go with the writes (at most hourly): with no refusals nothing is written, and nothing grows.
      const now = opts.clock();
      if (now - purgedAt >= PURGE_EVERY_MS) {
        purgedAt = now;
        await opts.repository.purgeBefore(now - REFUSED_KEEP_MS);
      }
    } catch (err) {
      // Kept for the next flush (storage faults pass); counted again on top of what arrived meanwhile.
      for (const c of batch) add(c);
      schedule();
      throw err;
    }
  }

  function flush(): Promise<void> {
    // One write at a time, so two flushes never add the same counts twice.
    flushing = flushing.catch(() => undefined).then(write);
    return flushing;
  }

  return {
    record(tenantId, reason) {
      opts.counter.inc({ reason });
      add({ tenantId: tenantId ?? '', hour: hourOf(opts.clock()), reason, count: 1 });
      schedule();
    },
    flush,
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await flush();
    },
  };
}
