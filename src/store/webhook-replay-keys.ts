import { createHash } from 'node:crypto';
import type { Store } from './database.js';

/** How long a generic webhook's delivery id (and signature) is remembered: retries within it are duplicates. */
export const REPLAY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a claimed signature stays "in flight" before its request must have finished (stored, or failed and
 * released): longer than any request may take. A claim still in flight after it (the node died mid-request) lapses,
 * so the sender's retry is served instead of being refused for REPLAY_KEY_TTL_MS.
 */
export const IN_FLIGHT_MS = 2 * 60 * 1000;

/** What a signature's claim found: this call claimed it, the same request is being processed, or it was processed. */
export type SignatureClaim = 'claimed' | 'in_flight' | 'done';
const SWEEP_EVERY_MS = 60_000;

/**
 * Generic webhook deliveries and signatures already processed, in the database so every node sharing it
 * refuses the same repeat. Only a SHA-256 of (source, kind, value) is stored: a delivery id is the
 * sender's and may say more than it should. Rows live REPLAY_KEY_TTL_MS; an expired row counts as absent
 * and is swept at most once a minute per node.
 */
export function createReplayKeyRepository(store: Store, clock: () => number = Date.now) {
  const { db } = store;
  let swept = 0;
  const keyOf = (sourceId: string, kind: 'delivery' | 'signature', value: string) =>
    createHash('sha256').update(`${sourceId}\n${kind}\n${value}`).digest('hex');

  async function sweep(now: number): Promise<void> {
    if (now - swept < SWEEP_EVERY_MS) return;
    swept = now;
    await db.deleteFrom('webhook_replay_keys').where('expires_at', '<=', now).execute();
  }

  /**
   * Records the key unless a live one is there; true when this call recorded it. One statement, so two
   * nodes receiving the same request at once cannot both win.
   */
  async function claim(key: string, now: number, ttlMs = REPLAY_KEY_TTL_MS): Promise<boolean> {
    const res = await db
      .insertInto('webhook_replay_keys')
      .values({ key, expires_at: now + ttlMs })
      .onConflict((oc) => oc.column('key').doUpdateSet({ expires_at: now + ttlMs }).where('webhook_replay_keys.expires_at', '<=', now))
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  return {
    /**
     * Claims a verified signature (`t` + v1) for the request being processed, for IN_FLIGHT_MS until
     * completeSignature. Another request with the same signature meanwhile finds it `in_flight` (the sender
     * retried before the first answer: it must not be told "duplicate" while the first may still fail), and
     * after completion `done` (a replayed request).
     */
    async claimSignature(sourceId: string, replayKey: string): Promise<SignatureClaim> {
      const now = clock();
      await sweep(now);
      const key = keyOf(sourceId, 'signature', replayKey);
      if (await claim(key, now, IN_FLIGHT_MS)) return 'claimed';
      const row = await db.selectFrom('webhook_replay_keys').select('expires_at').where('key', '=', key).executeTakeFirst();
      // Gone since (the first request failed and released it): claim it once more, or let the sender retry.
      if (row === undefined) return (await claim(key, now, IN_FLIGHT_MS)) ? 'claimed' : 'in_flight';
      return row.expires_at > now + IN_FLIGHT_MS ? 'done' : 'in_flight';
    },
    /** The request of a claimed signature was processed: its signature is now a replay for REPLAY_KEY_TTL_MS. */
    async completeSignature(sourceId: string, replayKey: string): Promise<void> {
      await db
        .updateTable('webhook_replay_keys')
        .set({ expires_at: clock() + REPLAY_KEY_TTL_MS })
        .where('key', '=', keyOf(sourceId, 'signature', replayKey))
        .execute();
    },
    /** Gives a signature back when the request it came with failed, so the sender's identical retry is served. */
    async releaseSignature(sourceId: string, replayKey: string): Promise<void> {
      await db.deleteFrom('webhook_replay_keys').where('key', '=', keyOf(sourceId, 'signature', replayKey)).execute();
    },
    /** True when this delivery id was processed less than REPLAY_KEY_TTL_MS ago. */
    async deliverySeen(sourceId: string, deliveryId: string): Promise<boolean> {
      const row = await db
        .selectFrom('webhook_replay_keys')
        .select('key')
        .where('key', '=', keyOf(sourceId, 'delivery', deliveryId))
        .where('expires_at', '>', clock())
        .executeTakeFirst();
      return row !== undefined;
    },
    /** Records a delivery id once its events are stored (not before: a failed attempt must stay retryable). */
    async recordDelivery(sourceId: string, deliveryId: string): Promise<void> {
      await claim(keyOf(sourceId, 'delivery', deliveryId), clock());
    },
  };
}

export type ReplayKeyRepository = ReturnType<typeof createReplayKeyRepository>;
