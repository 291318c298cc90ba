/**
 * Runs the retention purge in the server: a minute after start, then every hour. Every node may run it; the
 * deletes are idempotent, so two nodes purging at once only repeat a little work.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/database.js';
import { purgeOlderThan, type RemovedCounts } from '../store/retention.js';

const FIRST_RUN_AFTER_MS = 60_000;
const EVERY_MS = 60 * 60_000;

export interface RetentionJob {
  /** Schedules the purges (nothing when retention is 0). */
  start(): void;
  /** One purge now (its counts are logged); a purge already running is joined, not doubled. */
  runOnce(): Promise<void>;
  /** Cancels the schedule and waits for a running purge. */
  stop(): Promise<void>;
}

/** The purge of data older than `days`; 0 keeps everything. */
export function createRetentionJob(deps: { store: Store; days: number; clock: () => number; logger: Logger; onPurged?: (removed: RemovedCounts) => void }): RetentionJob {
  let running: Promise<void> | null = null;
  let first: NodeJS.Timeout | null = null;
  let every: NodeJS.Timeout | null = null;
  const runOnce = (): Promise<void> => {
    if (deps.days === 0) return Promise.resolve();
    running ??= (async () => {
      const now = deps.clock();
      try {
        const removed = await purgeOlderThan(deps.store, deps.days, now);
        deps.logger.info({ removed, retentionDays: deps.days }, 'retention purge');
        deps.onPurged?.(removed);
      } catch (err) {
        // A failed purge is tried again at the next run; it must never take the server down.
        deps.logger.error({ err }, 'retention purge failed');
      } finally {
        running = null;
      }
    })();
    return running;
  };
  return {
    start() {
      if (deps.days === 0 || every) return;
      first = setTimeout(() => void runOnce(), FIRST_RUN_AFTER_MS).unref();
      every = setInterval(() => void runOnce(), EVERY_MS).unref();
    },
    runOnce,
    async stop() {
      if (first) clearTimeout(first);
      if (every) clearInterval(every);
      first = every = null;
      await running;
    },
  };
}
