/**
 * Whether the store works right now, as seen by the process: the first storage fault of an outage is
 * logged once with its real cause, then a probe runs on a timer until storage works again (logged once
 * too). /readyz reads it, so a node that cannot write is taken out of the load balancer even when a
 * plain `select 1` still succeeds (a full disk still reads), and comes back by itself.
 */
import { describeFault, isStorageFault } from './storage-fault.js';

export interface HealthLogger {
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface StorageFaultState {
  /** When the outage began (clock ms). */
  since: number;
  code: string | undefined;
  message: string;
}

export interface StorageHealth {
  /** Records an error; true when it is a storage fault (answer 503, retry later), false for anything else. */
  report(err: unknown): boolean;
  /** Null while storage works; else since when and why it does not. */
  fault(): StorageFaultState | null;
  /** Runs the probe now (once, shared by concurrent callers) and resolves true when storage works again. */
  check(): Promise<boolean>;
  /** Where outages and recoveries are logged (the relay sets it once it has a logger). */
  setLogger(logger: HealthLogger): void;
  /** Stops the probe timer. */
  close(): void;
}

export interface StorageHealthOptions {
  /** A cheap operation that fails while storage is unavailable: on SQLite a committed write. */
  probe: () => Promise<void>;
  clock?: () => number;
  /** How often the probe runs during an outage. */
  probeIntervalMs?: number;
}

export function createStorageHealth(opts: StorageHealthOptions): StorageHealth {
  const clock = opts.clock ?? Date.now;
  const intervalMs = opts.probeIntervalMs ?? 1000;
  let logger: HealthLogger | null = null;
  let state: StorageFaultState | null = null;
  let timer: NodeJS.Timeout | null = null;
  let probing: Promise<boolean> | null = null;
  let closed = false;

  function schedule(): void {
    if (timer || closed || !state) return;
    timer = setTimeout(() => {
      timer = null;
      void check().then((ok) => {
        if (!ok) schedule();
      });
    }, intervalMs);
    // An outage must not keep a finished CLI command (or a closing server) alive.
    timer.unref();
  }

  function check(): Promise<boolean> {
    if (!state) return Promise.resolve(true);
    probing ??= opts
      .probe()
      .then(
        () => {
          if (state) logger?.info({ downMs: clock() - state.since }, 'storage available again');
          state = null;
          return true;
        },
        () => false,
      )
      .finally(() => {
        probing = null;
      });
    return probing;
  }

  return {
    report(err) {
      if (!isStorageFault(err)) return false;
      if (!state) {
        state = { since: clock(), ...describeFault(err) };
        logger?.error({ code: state.code, cause: state.message }, 'storage unavailable: answering 503 and probing until it recovers');
      }
      schedule();
      return true;
    },
    fault: () => state,
    check,
    setLogger(l) {
      logger = l;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
