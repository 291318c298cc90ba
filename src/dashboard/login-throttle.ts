/**
 * Failed sign-in counting for the dashboard: at most `perIp` failures per client IP and `overall`
 * failures in total per window, after which sign-in answers 429 until the oldest failure leaves the
 * window. The overall cap stops a password guesser who spreads over many addresses; it is per node
 * (memory), which still bounds guesses to nodes × overall per window.
 *
 * Memory stays bounded whatever the traffic: an IP is forgotten once its last failure leaves the window,
 * at most `maxTrackedIps` IPs are remembered (the one whose last failure is oldest goes first), and only
 * the newest `perIp` / `overall` failure times are kept, the only ones a wait is computed from.
 */
export interface LoginThrottleOptions {
  windowMs: number;
  perIp: number;
  overall: number;
  /** Forgetting an IP early only lets it try again sooner; the overall cap still holds. */
  maxTrackedIps: number;
}

const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = { windowMs: 15 * 60 * 1000, perIp: 10, overall: 100, maxTrackedIps: 10_000 };

/** Counts failures; `retryAfterMs` says how long a client must wait (0 = may try now). */
export function createLoginThrottle(options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE, clock: () => number = Date.now) {
  // Failure times per IP, oldest first. Map order is by last failure (fail() re-inserts), so stale IPs are at the front.
  const byIp = new Map<string, number[]>();
  const all: number[] = [];

  function prune(list: number[], now: number): void {
    while (list.length > 0 && (list[0] as number) <= now - options.windowMs) list.shift();
  }

  /** Drops the IPs whose last failure has left the window, and the oldest ones beyond the cap. */
  function forgetIps(now: number): void {
    for (const [ip, list] of byIp) {
      const last = list[list.length - 1];
      if (last !== undefined && last > now - options.windowMs && byIp.size <= options.maxTrackedIps) break;
      byIp.delete(ip);
    }
  }

  function keepNewest(list: number[], n: number): void {
    if (list.length > n) list.splice(0, list.length - n);
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
      keepNewest(all, options.overall);
      const mine = byIp.get(ip) ?? [];
      mine.push(now);
      keepNewest(mine, options.perIp);
      byIp.delete(ip);
      byIp.set(ip, mine);
      forgetIps(now);
    },
    /** A successful sign-in clears that IP's failures (a person who mistyped is not punished later). */
    succeed(ip: string): void {
      byIp.delete(ip);
    },
    /** How many IPs have failures remembered (memory use; for tests and diagnostics). */
    trackedIps(): number {
      return byIp.size;
    },
  };
}

