/**
 * What /v1/collect asks before ingesting a beacon: may this key (tenant + client IP) send one more?
 * Two implementations: the in-memory buckets below (one node, SQLite) and a fixed window counted in
 * the database (src/store/collect-rate-windows.ts), so several nodes on PostgreSQL share one limit.
 */
export interface RateLimiter {
  /** Counts one request; false when the key is over its rate. */
  take(key: string): boolean | Promise<boolean>;
}

/**
 * In-memory token buckets, one per key (IP + tenant): a beacon flood is stopped without a database
 * round trip. Right for a single node only; each process keeps its own buckets.
 */
export function createRateLimiter(opts: { perMinute: number; burst?: number; clock?: () => number; maxKeys?: number }) {
  const capacity = opts.burst ?? opts.perMinute;
  const refillPerMs = opts.perMinute / 60_000;
  const clock = opts.clock ?? Date.now;
  const maxKeys = opts.maxKeys ?? 100_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  return {
    /** Takes one token; false when the key is over its rate. */
    take(key: string): boolean {
      const now = clock();
      let b = buckets.get(key);
      if (!b) {
        // Bounded memory: a spray of new IPs evicts the oldest buckets (Map keeps insertion order).
        if (buckets.size >= maxKeys) {
          const oldest = buckets.keys().next();
          if (!oldest.done) buckets.delete(oldest.value);
        }
        b = { tokens: capacity, at: now };
        buckets.set(key, b);
      } else {
        b.tokens = Math.min(capacity, b.tokens + (now - b.at) * refillPerMs);
        b.at = now;
      }
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}

