/**
 * Sends alone the held copies whose merge window ended without their partner (src/store/channel-hold.ts): every
 * `everyMs`, each due event gets its place in the log and the delivery engine is woken. Every node may run it: a
 * row is released by a conditional update (`where seq is null`), so two nodes never release one event twice, and a
 * restart in the window releases what the killed process held (it is all in the store).
 */
import type { Logger } from 'pino';
import type { Store } from '../store/database.js';
import { isStorageFault } from '../store/storage-fault.js';
import { releaseDueHolds } from '../store/channel-hold.js';

export interface HoldSweeper {
  start(): void;
  /** One pass now; a pass already going is joined. Answers how many events were released. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function createHoldSweeper(deps: { store: Store; clock: () => number; logger: Logger; everyMs?: number; onReleased?: (count: number) => void }): HoldSweeper {
  let running: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const runOnce = (): Promise<number> => {
    running ??= (async () => {
      let total = 0;
      try {
        // A pass takes up to 500 at a time until nothing due is left.
        for (let n = await releaseDueHolds(deps.store, deps.clock()); n > 0; n = await releaseDueHolds(deps.store, deps.clock())) total += n;
      } catch (err) {
        // Tried again at the next pass; a storage outage is logged once by the store's health.
        if (!isStorageFault(err) || !deps.store.health.report(err)) deps.logger.error({ err }, 'releasing held events failed');
      } finally {
        running = null;
      }
      if (total > 0) deps.onReleased?.(total);
      return total;
    })();
    return running;
  };
  return {
    start() {
      timer ??= setInterval(() => void runOnce(), deps.everyMs ?? 1000).unref();
    },
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
