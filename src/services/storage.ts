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

/**
 * How long /readyz waits for the database. A connection to an address that stopped answering (a blackholed
 * failover address) is not reset: a query on it waits for TCP to give up, many minutes. A load balancer's check
 * must get an answer, not hang, so past this the node is reported not ready (the query itself is left to end).
 */
export const READINESS_DEADLINE_MS = 5000;

export function createStorageService(store: Store) {
  const { health } = store;

  async function check(): Promise<Readiness> {
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
  }

  return {
    /** Records an error; true when it is a storage fault (answer 503 with Retry-After), false for anything else. */
    reportFault: (err: unknown): boolean => health.report(err),
    async readiness(): Promise<Readiness> {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<Readiness>((resolve) => {
        timer = setTimeout(() => resolve({ ready: false, reason: 'unreachable', message: `the database did not answer within ${READINESS_DEADLINE_MS / 1000} s` }), READINESS_DEADLINE_MS);
      });
      try {
        return await Promise.race([check(), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type StorageService = ReturnType<typeof createStorageService>;
