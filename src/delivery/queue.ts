/**
 * The store contract the delivery engine works against; implemented by the store on SQLite and PostgreSQL.
 */

/** One claimed delivery row; `attempts` counts the sends already made before this claim. */
export interface ClaimedDelivery {
  deliveryId: string;
  eventId: string;
  eventName: string;
  /** The event as Meta receives it, JSON text: a batch is sent without parsing its events again. */
  eventJson: string;
  /** Seconds, and the action_source: what the age check before sending needs. */
  eventTime: number;
  actionSource: string | undefined;
  attempts: number;
  simulated: boolean;
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

/** Durable delivery queue used by the engine. */
export interface DeliveryQueue {
  /** Pixels with due work (status queued/failed with next_attempt_at <= now, or expired leases), not paused. */
  duePixels(now: number): Promise<PixelTarget[]>;
  /** Atomically claim up to `limit` due deliveries for a pixel with a lease until now+leaseMs (FOR UPDATE SKIP LOCKED on PostgreSQL). Oldest first. */
  claim(pixelRowId: string, limit: number, now: number, leaseMs: number, workerId: string): Promise<ClaimedDelivery[]>;
  markSent(deliveryIds: string[], info: { fbtraceId: string | null; eventsReceived: number }, now: number): Promise<void>;
  markRetry(deliveryIds: string[], info: { reason: string; nextAttemptAt: number }, now: number): Promise<void>;
  markDead(deliveryIds: string[], info: { reason: string }, now: number): Promise<void>;
  markDropped(deliveryIds: string[], info: { code: string; reason: string }, now: number): Promise<void>;
  /** Release claimed rows back to queued without counting an attempt (e.g. pixel paused mid-flight). */
  release(deliveryIds: string[], now: number): Promise<void>;
  pausePixel(pixelRowId: string, reason: string, now: number): Promise<void>;
}
