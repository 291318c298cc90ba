import type { MetaServerEvent } from '../../src/core/meta-event.js';
import type { AckResult, ClaimedDelivery, DeliveryQueue, HeldDelivery, PixelTarget } from '../../src/delivery/queue.js';

/** One delivery of the in-memory queue, open for tests to read. */
export interface MemoryRow {
  deliveryId: string;
  pixelRowId: string;
  payload: MetaServerEvent;
  simulated: boolean;
  /** A simulated event's own Test Event Code (a Graph-compatible request's); null: the pixel's. */
  testEventCode?: string | null;
  attempts: number;
  status: 'queued' | 'failed' | 'sending' | 'sent' | 'dead' | 'dropped';
  nextAttemptAt: number;
  leaseUntil: number;
  lease: string | null;
  reason: string | null;
  fbtraceId?: string | null;
}

/**
 * A DeliveryQueue in memory, for the engine's unit tests. It keeps the promises of the SQL store: the same
 * contract suite (test/contracts/delivery-queue.contract.ts) runs on it and on SQLite and PostgreSQL.
 */
export class MemoryQueue implements DeliveryQueue {
  rows: MemoryRow[] = [];
  pixels = new Map<string, PixelTarget & { pauseReason?: string }>();
  private seq = 0;
  private leases = 0;

  addPixel(pixelRowId: string, testEventCode: string | null = null, graphVersion: string | null = null): void {
    this.pixels.set(pixelRowId, { pixelRowId, pixelId: `px-${pixelRowId}`, accessToken: `tok-${pixelRowId}`, testEventCode, graphVersion, paused: false });
  }
  enqueue(pixelRowId: string, payload: MetaServerEvent, simulated = false, now = 0, testEventCode: string | null = null): string {
    const deliveryId = `d${++this.seq}`;
    this.rows.push({ deliveryId, pixelRowId, payload, simulated, testEventCode, attempts: 0, status: 'queued', nextAttemptAt: now, leaseUntil: 0, lease: null, reason: null });
    return deliveryId;
  }
  byStatus(status: MemoryRow['status']): MemoryRow[] {
    return this.rows.filter((r) => r.status === status);
  }
  private lapsed(r: MemoryRow, now: number): boolean {
    return r.status === 'sending' && r.leaseUntil < now;
  }
  private due(r: MemoryRow, now: number): boolean {
    return (r.status === 'queued' || r.status === 'failed') && r.nextAttemptAt <= now;
  }
  /** Applies `f` to the rows still held under the lease each names; answers the others as late. */
  private settle(held: readonly HeldDelivery[], f: (r: MemoryRow) => void): Promise<AckResult> {
    const byId = new Map(this.rows.map((r) => [r.deliveryId, r]));
    const late: string[] = [];
    let settled = 0;
    for (const h of held) {
      const r = byId.get(h.deliveryId);
      if (!r || r.status !== 'sending' || r.lease !== h.lease) {
        late.push(h.deliveryId);
        continue;
      }
      f(r);
      Object.assign(r, { lease: null, leaseUntil: 0 });
      settled++;
    }
    return Promise.resolve({ settled, late });
  }
  duePixels(now: number): Promise<PixelTarget[]> {
    const ids = new Set(this.rows.filter((r) => this.due(r, now) || this.lapsed(r, now)).map((r) => r.pixelRowId));
    return Promise.resolve([...this.pixels.values()].filter((p) => ids.has(p.pixelRowId) && !p.paused).map((p) => ({ ...p })));
  }
  claim(pixelRowId: string, limit: number, now: number, leaseMs: number, workerId: string): Promise<ClaimedDelivery[]> {
    const mine = this.rows.filter((r) => r.pixelRowId === pixelRowId);
    const lapsed = mine.filter((r) => this.lapsed(r, now)).sort((a, b) => a.leaseUntil - b.leaseUntil);
    const due = mine.filter((r) => this.due(r, now)).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    const rows = [...lapsed, ...due].slice(0, limit);
    const lease = `${workerId}/${++this.leases}`;
    for (const r of rows) Object.assign(r, { status: 'sending', leaseUntil: now + leaseMs, lease });
    return Promise.resolve(
      rows.map((r) => ({
        deliveryId: r.deliveryId,
        lease,
        eventId: r.payload.event_id,
        eventName: r.payload.event_name,
        eventJson: JSON.stringify(r.payload),
        eventTime: r.payload.event_time,
        actionSource: r.payload.action_source,
        attempts: r.attempts,
        simulated: r.simulated,
        testEventCode: r.testEventCode ?? null,
      })),
    );
  }
  markSent(held: readonly HeldDelivery[], info: { fbtraceId: string | null }): Promise<AckResult> {
    return this.settle(held, (r) => Object.assign(r, { status: 'sent', attempts: r.attempts + 1, fbtraceId: info.fbtraceId }));
  }
  markRetry(held: readonly HeldDelivery[], info: { reason: string; nextAttemptAt: number }): Promise<AckResult> {
    return this.settle(held, (r) => Object.assign(r, { status: 'failed', attempts: r.attempts + 1, reason: info.reason, nextAttemptAt: info.nextAttemptAt }));
  }
  markDead(held: readonly HeldDelivery[], info: { reason: string }): Promise<AckResult> {
    return this.settle(held, (r) => Object.assign(r, { status: 'dead', attempts: r.attempts + 1, reason: info.reason }));
  }
  markDropped(held: readonly HeldDelivery[], info: { code: string }): Promise<AckResult> {
    return this.settle(held, (r) => Object.assign(r, { status: 'dropped', reason: info.code }));
  }
  release(held: readonly HeldDelivery[]): Promise<AckResult> {
    return this.settle(held, (r) => Object.assign(r, { status: 'queued' }));
  }
  renewLease(pixelRowId: string, lease: string, leaseUntil: number): Promise<boolean> {
    const held = this.rows.filter((r) => r.pixelRowId === pixelRowId && r.status === 'sending' && r.lease === lease);
    for (const r of held) r.leaseUntil = leaseUntil;
    return Promise.resolve(held.length > 0);
  }
  pausePixel(pixelRowId: string, reason: string): Promise<void> {
    const p = this.pixels.get(pixelRowId);
    if (p) Object.assign(p, { paused: true, pauseReason: reason });
    return Promise.resolve();
  }
}
