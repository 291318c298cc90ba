/**
 * Runs the retention purge in the server: a minute after start, then every hour. Every node may run it; the
 * deletes are idempotent, so two nodes purging at once only repeat a little work. Each run also erases the IP
 * and user agent kept for replaying dead deliveries once that window has closed, with any retention (0 too).
 *
 * On SQLite it also empties the write-ahead log every minute (and after each run): a deleted row (an IP and user
 * agent once sent, an erased customer) is overwritten in the database file, but its older copy stays in the
 * `-wal` file until the log is reset, which an idle relay may not do for days.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/database.js';
import { eraseExpiredClearFields, purgeOlderThan, type RemovedCounts } from '../store/retention.js';

const FIRST_RUN_AFTER_MS = 60_000;
const EVERY_MS = 60 * 60_000;
const WAL_PURGE_EVERY_MS = 60_000;

export interface RetentionJob {
  /** Schedules the runs (with retention 0 they only erase expired IPs and user agents). */
  start(): void;
  /** One run now (its counts are logged); a run already going is joined, not doubled. */
  runOnce(): Promise<void>;
  /** Cancels the schedule and waits for a running purge. */
  stop(): Promise<void>;
}

/** The purge of data older than `days`; 0 keeps every event (IP and user agent still go when their time is up). */
export function createRetentionJob(deps: { store: Store; days: number; clock: () => number; logger: Logger; onPurged?: (removed: RemovedCounts) => void }): RetentionJob {
  let running: Promise<void> | null = null;
  let first: NodeJS.Timeout | null = null;
  let every: NodeJS.Timeout | null = null;
  let walPurge: NodeJS.Timeout | null = null;
  // Skipped (false) while a transaction or another reader is open: the next minute tries again.
  const purgeWal = () => deps.store.truncateWal?.();
  const runOnce = (): Promise<void> => {
    running ??= (async () => {
      const now = deps.clock();
      try {
        const erasedClientIpUa = await eraseExpiredClearFields(deps.store, now);
        if (deps.days === 0) {
          if (erasedClientIpUa > 0) deps.logger.info({ erasedClientIpUa, retentionDays: 0 }, 'retention: replay window closed');
          return;
        }
        const removed = await purgeOlderThan(deps.store, deps.days, now);
        deps.logger.info({ removed, erasedClientIpUa, retentionDays: deps.days }, 'retention purge');
        deps.onPurged?.(removed);
      } catch (err) {
        // A failed purge is tried again at the next run; it must never take the server down.
        deps.logger.error({ err }, 'retention purge failed');
      } finally {
        purgeWal();
        running = null;
      }
    })();
    return running;
  };
  return {
    start() {
      if (every) return;
      first = setTimeout(() => void runOnce(), FIRST_RUN_AFTER_MS).unref();
      every = setInterval(() => void runOnce(), EVERY_MS).unref();
      if (deps.store.truncateWal) walPurge = setInterval(purgeWal, WAL_PURGE_EVERY_MS).unref();
    },
    runOnce,
    async stop() {
      if (first) clearTimeout(first);
      if (every) clearInterval(every);
      if (walPurge) clearInterval(walPurge);
      first = every = walPurge = null;
      await running;
    },
  };
}
