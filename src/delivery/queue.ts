/**
 * The store contract the delivery engine works against; implemented by the store on SQLite and PostgreSQL.
 */

/** One claimed delivery row; `attempts` counts the sends already made before this claim. */
export interface ClaimedDelivery {
  deliveryId: string;
  /**
   * The claim's lease, opaque and new for every claim (two claims by one worker get two leases). Settling a row
   * takes it: once the lease lapsed and another claim took the row over, the old one settles nothing.
   */
  lease: string;
  eventId: string;
  eventName: string;
  /** The event as Meta receives it, JSON text: a batch is sent without parsing its events again. */
  eventJson: string;
  /** Seconds, and the action_source: what the age check before sending needs. */
  eventTime: number;
  actionSource: string | undefined;
  attempts: number;
  simulated: boolean;
  /** A simulated event's own Test Event Code (from a Graph-API-compatible request); unset: the pixel's. */
  testEventCode?: string | null;
}

/** A destination pixel with its decrypted credentials. */
export interface PixelTarget {
  pixelRowId: string;
  pixelId: string;
  accessToken: string;
  testEventCode: string | null;
  /** The pixel's own Graph API version; null: the Graph client's configured default. */
  graphVersion: string | null;
  paused: boolean;
}

/** A claimed row as an ack names it: the row and the lease it was claimed under. */
export type HeldDelivery = Pick<ClaimedDelivery, 'deliveryId' | 'lease'>;

/**
 * What an ack or release did. `late`: the rows it named that were no longer held under their lease (taken over
 * after the lease lapsed, or already settled); they are left exactly as they were.
 */
export interface AckResult {
  settled: number;
  late: string[];
}

/**
 * Durable delivery queue used by the engine. Its promises are checked by one contract suite
 * (test/contracts/delivery-queue.contract.ts) on every implementation: SQLite, PostgreSQL and the engine
 * tests' in-memory queue.
 *
 * Every ack (`mark*`) and `release` settles a row only while it is `sending` under the lease it names. An ack
 * after the lease lapsed still settles the row if nobody has claimed it since (the send happened; refusing it
 * would only send the event again); after a takeover it is late and changes nothing.
 */
export interface DeliveryQueue {
  /** Pixels with due work (status queued/failed with next_attempt_at <= now, or expired leases), not paused. */
  duePixels(now: number): Promise<PixelTarget[]>;
  /**
   * Atomically claim up to `limit` due deliveries for a pixel under a new lease until now+leaseMs: rows whose
   * lease lapsed first, then due rows, oldest first. Concurrent claims (other workers, other nodes) get disjoint
   * rows (FOR UPDATE SKIP LOCKED on PostgreSQL).
   */
  claim(pixelRowId: string, limit: number, now: number, leaseMs: number, workerId: string): Promise<ClaimedDelivery[]>;
  markSent(held: readonly HeldDelivery[], info: { fbtraceId: string | null; eventsReceived: number }, now: number): Promise<AckResult>;
  /** Back to the queue at `nextAttemptAt`, one attempt counted. */
  markRetry(held: readonly HeldDelivery[], info: { reason: string; nextAttemptAt: number }, now: number): Promise<AckResult>;
  markDead(held: readonly HeldDelivery[], info: { reason: string }, now: number): Promise<AckResult>;
  markDropped(held: readonly HeldDelivery[], info: { code: string; reason: string }, now: number): Promise<AckResult>;
  /**
   * Extends a live claim's lease to `leaseUntil` (the engine's heartbeat while it sends), so the lease itself can
   * be short and a crashed worker's claim is taken over within seconds. Answers false once the claim holds
   * nothing any more (settled, or taken over after it lapsed): a heartbeat never takes anything back.
   */
  renewLease(pixelRowId: string, lease: string, leaseUntil: number): Promise<boolean>;
  /** Release claimed rows back to queued without counting an attempt (e.g. pixel paused mid-flight). */
  release(held: readonly HeldDelivery[], now: number): Promise<AckResult>;
  pausePixel(pixelRowId: string, reason: string, now: number): Promise<void>;
}
