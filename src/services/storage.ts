/**
 * The store's health as the HTTP layer needs it: whether an error is a storage fault (answered 503, retried), and
 * readiness for `/readyz` (storage probe after a fault, a round trip, migrations applied).
 */
import type { Kysely } from 'kysely';
import type { Store } from '../store/database.js';
import { migrationsCurrent, ping } from '../store/migrations.js';
import type { StorageFaultState } from '../store/storage-health.js';

export type Readiness =
  | { ready: true; database: string }
  | { ready: false; reason: 'storage_fault'; fault: StorageFaultState | null }
  | { ready: false; reason: 'migrations_pending' }
  | { ready: false; reason: 'unreachable'; message: string };

export function createStorageService(store: Store) {
  const { health } = store;
  return {
    /** Records an error; true when it is a storage fault (answer 503 with Retry-After), false for anything else. */
    reportFault: (err: unknown): boolean => health.report(err),
    async readiness(): Promise<Readiness> {
      // After a storage fault (a full disk still answers select 1) ready only once the store's probe passes.
      if (health.fault() && !(await health.check())) return { ready: false, reason: 'storage_fault', fault: health.fault() };
      const db = store.db as unknown as Kysely<unknown>;
      try {
        await ping(db);
        if (!(await migrationsCurrent(db, store.adapter))) return { ready: false, reason: 'migrations_pending' };
      } catch (err) {
        health.report(err);
        return { ready: false, reason: 'unreachable', message: (err as Error).message };
      }
      return { ready: true, database: store.adapter.name };
    },
  };
}

export type StorageService = ReturnType<typeof createStorageService>;
