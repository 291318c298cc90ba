/**
 * What the intake channels keep beside the events themselves: the snippet's click ids (attribution), remembered
 * Segment `identify` traits, webhook replay keys, the /v1/collect rate limit, and the PII-free record of a webhook
 * delivery that could not be mapped. Events themselves take the ingest service (src/ingest/).
 */
import { createRateLimiter, type RateLimiter } from '../browser/rate-limit.js';
import type { Config } from '../config/config.js';
import { createClickRepository, type ClickRepository } from '../store/clicks.js';
import { createStoreRateLimiter } from '../store/collect-rate-windows.js';
import type { Store } from '../store/database.js';
import { createUserTraitsRepository, type UserTraitsRepository } from '../store/user-traits.js';
import { createReplayKeyRepository, type ReplayKeyRepository } from '../store/webhook-replay-keys.js';

/**
 * One node (SQLite) keeps its buckets in memory; nodes sharing PostgreSQL count in the database, so
 * the limit holds for the deployment and not once per node.
 */
function collectRateLimiter(store: Store, config: Config, clock: () => number): RateLimiter {
  const perMinute = config.collectRatePerMinute;
  if (!store.adapter.supportsMultipleNodes) return createRateLimiter({ perMinute, clock });
  // Required with PostgreSQL at boot (resolveEncryptionKey); every node holds the same one.
  if (!config.encryptionKey) throw new Error('encryptionKey is required with PostgreSQL (the shared rate limit derives its bucket key from it)');
  return createStoreRateLimiter(store, { perMinute, secret: config.encryptionKey, clock });
}

export interface IntakeServices {
  clicks: ClickRepository;
  userTraits: UserTraitsRepository;
  webhookReplayKeys: ReplayKeyRepository;
  collectRateLimiter: RateLimiter;
}

export function createIntakeServices(store: Store, config: Config, clock: () => number): IntakeServices {
  return {
    clicks: createClickRepository(store),
    userTraits: createUserTraitsRepository(store),
    webhookReplayKeys: createReplayKeyRepository(store, clock),
    collectRateLimiter: collectRateLimiter(store, config, clock),
  };
}
