/**
 * Failed-credential throttle for the admin API's bearer token and the dashboard sign-in, per client:
 * `freeFailures` wrong secrets, then each further one makes that client wait `baseDelayMs`, doubling up to
 * `maxDelayMs`. Only a client that has failed ever waits: there is no global lock another address could
 * trigger, so a guesser spread over many addresses cannot lock the operator out. A client is an IPv4
 * address or an IPv6 /64 (one host usually holds a whole /64). The right secret clears the client.
 *
 * Per node and in memory: at most `maxTrackedClients` clients are remembered (the one whose last failure
 * is oldest goes first), and a client is forgotten `forgetAfterMs` after its last failure. Pure: the clock
 * is injected.
 */
import { isIP } from 'node:net';

export interface AuthThrottleOptions {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  /** Forgetting a client early only lets it guess sooner; memory stays bounded whatever the traffic. */
  maxTrackedClients: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60 * 1000,
  forgetAfterMs: 24 * 60 * 60 * 1000,
  maxTrackedClients: 10_000,
};

interface ClientState {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
}

/** `2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::/64`; IPv4 (and anything else) as given. */
export function throttleKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::', 2);
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups; only the first four groups matter here.
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export function createAuthThrottle(options: AuthThrottleOptions = DEFAULT_AUTH_THROTTLE, clock: () => number = Date.now) {
  // Map order is by last failure (fail() re-inserts), so the stalest client is always first.
  const clients = new Map<string, ClientState>();

  const stale = (s: ClientState, now: number) => s.blockedUntil <= now && s.lastFailure <= now - options.forgetAfterMs;

  function forget(now: number): void {
    for (const [key, s] of clients) {
      if (!stale(s, now) && clients.size <= options.maxTrackedClients) break;
      clients.delete(key);
    }
  }

  return {
    /** How long this client must wait before it may present a secret again (0 = now). */
    retryAfterMs(ip: string): number {
      const now = clock();
      const key = throttleKey(ip);
      const s = clients.get(key);
      if (!s) return 0;
      if (stale(s, now)) {
        clients.delete(key);
        return 0;
      }
      return Math.max(0, s.blockedUntil - now);
    },
    /** Records a wrong secret; from the (freeFailures + 1)th on, the client waits, twice as long each time. */
    fail(ip: string): void {
      const now = clock();
      const key = throttleKey(ip);
      const s = clients.get(key) ?? { failures: 0, lastFailure: now, blockedUntil: 0 };
      s.failures += 1;
      s.lastFailure = now;
      const over = s.failures - options.freeFailures;
      // 2 ** over overflows to Infinity long after maxDelayMs caps it; Math.min keeps it finite.
      if (over > 0) s.blockedUntil = now + Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (over - 1));
      clients.delete(key);
      clients.set(key, s);
      forget(now);
    },
    /** The right secret: this client's failures are forgotten (a person who mistyped is not punished later). */
    succeed(ip: string): void {
      clients.delete(throttleKey(ip));
    },
    /** How many clients are remembered (memory use; for tests and diagnostics). */
    trackedClients(): number {
      return clients.size;
    },
  };
}

export type AuthThrottle = ReturnType<typeof createAuthThrottle>;
