/**
 * An in-process signal from the delivery engine to requests waiting for Meta's answer (Simulate): the engine
 * notifies a pixel each time it records an outcome for it, and a waiter wakes at once instead of polling the
 * database. Another node's engine cannot notify this process, so every wait has a timeout and the waiter reads
 * the database again when it passes.
 */

export interface SettledSignal {
  /** The engine of this process recorded an outcome (sent, retry, dead, dropped) for deliveries of the pixel. */
  notify(pixelRowId: string): void;
  /** Resolves at the pixel's next notification, or after `timeoutMs`, whichever comes first. */
  next(pixelRowId: string, timeoutMs: number): Promise<void>;
}

export function createSettledSignal(): SettledSignal {
  const waiters = new Map<string, Set<() => void>>();
  return {
    notify(pixelRowId) {
      const set = waiters.get(pixelRowId);
      if (!set) return;
      waiters.delete(pixelRowId);
      for (const wake of set) wake();
    },
    next(pixelRowId, timeoutMs) {
      return new Promise<void>((resolve) => {
        let set = waiters.get(pixelRowId);
        if (!set) waiters.set(pixelRowId, (set = new Set()));
        const wake = () => {
          clearTimeout(timer);
          waiters.get(pixelRowId)?.delete(wake);
          if (waiters.get(pixelRowId)?.size === 0) waiters.delete(pixelRowId);
          resolve();
        };
        const timer = setTimeout(wake, timeoutMs);
        timer.unref();
        set.add(wake);
      });
    },
  };
}
