/**
 * The owners of API keys already checked, kept in memory: every ingest request authenticates, and the lookup
 * (a hash, a joined query, a row turned into a tenant) cost more than the rest of the request's own work.
 *
 * An entry is good only while nothing about keys or tenants changed. Writes made through this process's tenant
 * repository call `clear()`; writes made by anyone else (a CLI command, another process on the same SQLite file)
 * are seen through `changedElsewhere`, SQLite's data_version, read before each lookup: when it moved, everything
 * is dropped. So a rotated or revoked key, a disabled tenant or a new policy is seen by the very next request, as
 * with a query per request. Without such a signal (PostgreSQL, several nodes) nothing is cached.
 *
 * Only keys that were found are kept (an unknown key is asked again each time: random keys must not fill memory),
 * at most `maxEntries`, and by the key's hash, never the key itself.
 */
export interface KeyCache<V> {
  /**
   * The cached value for this key hash (undefined when absent, or when the store was written elsewhere), and the
   * generation to hand to `set` with what a lookup made after this call found.
   */
  get(keyHash: string): { value: V | undefined; generation: number };
  /** Keeps what a lookup found, unless something was written since the `get` that gave `generation`. */
  set(generation: number, keyHash: string, value: V): void;
  /** Drops everything: a key, tenant or policy was written. */
  clear(): void;
}

export function createKeyCache<V>(changedElsewhere: (() => number) | undefined, maxEntries = 1000): KeyCache<V> {
  const entries = new Map<string, V>();
  let seenVersion = changedElsewhere?.();
  // Moves on every clear: a lookup that started before a write must not store what it read before it.
  let generation = 0;
  function clear(): void {
    entries.clear();
    generation++;
  }
  function fresh(): boolean {
    if (!changedElsewhere) return false;
    const version = changedElsewhere();
    if (version !== seenVersion) {
      seenVersion = version;
      clear();
    }
    return true;
  }
  return {
    get(keyHash) {
      return { value: fresh() ? entries.get(keyHash) : undefined, generation };
    },
    set(from, keyHash, value) {
      if (!fresh() || from !== generation) return;
      if (entries.size >= maxEntries) entries.clear();
      entries.set(keyHash, value);
    },
    clear,
  };
}
