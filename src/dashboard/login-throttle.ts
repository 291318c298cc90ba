/**
 * Failed sign-in counting for the dashboard: at most `perIp` failures per client IP and `overall`
 * failures in total per window, after which sign-in answers 429 until the oldest failure leaves the
 * window. The overall cap stops a password guesser who spreads over many addresses; it is per node
 * (memory), which still bounds guesses to nodes × overall per window.
 */
export interface LoginThrottleOptions {
  windowMs: number;
  perIp: number;
  overall: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = { windowMs: 15 * 60 * 1000, perIp: 10, overall: 100 };

/** Counts failures; `retryAfterMs` says how long a client must wait (0 = may try now). */
export function createLoginThrottle(options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE, clock: () => number = Date.now) {
  const byIp = new Map<string, number[]>();
  const all: number[] = [];

  function prune(list: number[], now: number): void {
    while (list.length > 0 && (list[0] as number) <= now - options.windowMs) list.shift();
  }

  return {
    retryAfterMs(ip: string): number {
      const now = clock();
      prune(all, now);
      const mine = byIp.get(ip) ?? [];
      prune(mine, now);
      if (mine.length === 0) byIp.delete(ip);
      const waits: number[] = [];
      if (mine.length >= options.perIp) waits.push((mine[mine.length - options.perIp] as number) + options.windowMs - now);
      if (all.length >= options.overall) waits.push((all[all.length - options.overall] as number) + options.windowMs - now);
      return waits.length ? Math.max(1, ...waits) : 0;
    },
    fail(ip: string): void {
      const now = clock();
      all.push(now);
      const mine = byIp.get(ip) ?? [];
      mine.push(now);
      byIp.set(ip, mine);
    },
    /** A successful sign-in clears that IP's failures (a person who mistyped is not punished later). */
    succeed(ip: string): void {
      byIp.delete(ip);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
