import type { TransformResult } from '../core/meta-event.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { Store } from '../store/database.js';
import { type EventToStore, storeEvents } from '../store/events.js';
import { switchOf, type SwitchRepository } from '../store/switches.js';
import type { TenantView } from '../store/tenants.js';
import { parsePolicy, type TenantPolicy, transformEvent } from '../transform/transform.js';

/**
 * What will happen to one event, answered per event by every channel:
 * - `accepted`: stored and queued for at least one pixel; it will be sent.
 * - `duplicate`: the same (event_name, event_id) was already stored for this tenant; nothing new.
 * - `skipped`: valid, stored and logged, but the store's policy keeps it back (consent, a gate, a switch,
 *   forwarding off, no enabled pixel); `code` and `message` say which.
 * - `rejected`: invalid (malformed, or Meta would refuse it); not stored; `code`, `message` and, when one
 *   field is at fault, `field`.
 */
export type IngestStatus = 'accepted' | 'duplicate' | 'skipped' | 'rejected';

export interface IngestResult {
  event_id: string | null;
  status: IngestStatus;
  code?: string;
  message?: string;
  field?: string;
}

export interface IngestOptions {
  source: string;
  simulated?: boolean;
  /** Deliver only to this pixel row (Simulate events on one pixel). */
  onlyPixelRowId?: string;
  /**
   * The event_id of input `index` when it has none and no template gives one (default: a random UUID).
   * A generic webhook derives it from the delivery id, so a retried delivery deduplicates.
   */
  eventIdFor?: (index: number) => string;
  /** With `simulated`: the Test Event Code to send with instead of the pixel's (a Graph-API-compatible request's). */
  testEventCode?: string;
}

/**
 * The one path every channel takes: transform (map, privacy, normalize+hash, gates), then store
 * and queue in one transaction. Answers one result per input, in input order.
 */
export function createIngestService(deps: { store: Store; metrics: IngestMetrics; clock: () => number; onQueued?: () => void; switches?: SwitchRepository }) {
  const policyCache = new Map<string, { raw: string; policy: TenantPolicy }>();

  function policyOf(tenant: TenantView): TenantPolicy {
    const raw = JSON.stringify(tenant.policy);
    const cached = policyCache.get(tenant.id);
    if (cached && cached.raw === raw) return cached.policy;
    const policy = parsePolicy(tenant.policy);
    policyCache.set(tenant.id, { raw, policy });
    return policy;
  }

  return {
    /** The injected clock, so channels (webhook signature windows) read the same time as ingest. */
    now: (): number => deps.clock(),

    async ingest(tenant: TenantView, inputs: unknown[], opts: IngestOptions): Promise<IngestResult[]> {
      const now = deps.clock();
      const policy = policyOf(tenant);
      const results: IngestResult[] = new Array(inputs.length);
      const toStore: EventToStore[] = [];
      const storeIndex: number[] = [];
      inputs.forEach((input, i) => {
        const eventIdFor = opts.eventIdFor;
        const r: TransformResult = transformEvent(input, policy, eventIdFor ? { now, newId: () => eventIdFor(i) } : { now });
        if (r.kind === 'rejected') {
          results[i] = { event_id: r.eventId, status: 'rejected', code: r.code, message: r.message, ...(r.field === undefined ? {} : { field: r.field }) };
          deps.metrics.rejected.inc({ code: r.code });
          return;
        }
        const common = { source: opts.source, simulated: opts.simulated ?? false, onlyPixelRowId: opts.onlyPixelRowId, testEventCode: opts.testEventCode, event: r.event, decisions: r.decisions };
        const item: EventToStore =
          r.kind === 'send'
            ? { ...common, eventName: r.event.event_name, eventId: r.event.event_id }
            : { ...common, eventName: r.eventName, eventId: r.eventId, drop: { code: r.code, message: r.message } };
        toStore.push(item);
        storeIndex.push(i);
      });
      // Per-event switches: a sendable event whose switch is off is stored as skipped, in the same transaction.
      const off = toStore.length > 0 && tenant.forwarding && deps.switches ? await deps.switches.offSet(tenant.id) : new Set<string>();
      if (off.size > 0) {
        for (const item of toStore) {
          const name = switchOf(item.eventName);
          if (!item.drop && name && off.has(name)) item.skip = { code: 'event_switch_off', message: `the ${name} switch is off: logged, not forwarded` };
        }
      }
      if (toStore.length > 0) {
        const outcomes = await storeEvents(deps.store, { id: tenant.id, forwarding: tenant.forwarding }, toStore, now);
        let queued = false;
        outcomes.forEach((o, k) => {
          const i = storeIndex[k] as number;
          const item = toStore[k] as EventToStore;
          if (o.status === 'duplicate') {
            results[i] = { event_id: item.eventId, status: 'duplicate' };
            deps.metrics.duplicates.inc({ source: opts.source });
            return;
          }
          deps.metrics.ingested.inc({ source: opts.source });
          if (o.eventStatus === 'queued') {
            queued = true;
            results[i] = { event_id: item.eventId, status: 'accepted' };
            return;
          }
          const notSent = o.notSent ?? item.drop ?? item.skip ?? { code: 'not_sent', message: 'not sent' };
          deps.metrics.dropped.inc({ code: notSent.code });
          results[i] = { event_id: item.eventId, status: 'skipped', code: notSent.code, message: `stored, not sent: ${notSent.message}` };
        });
        if (queued) deps.onQueued?.();
      }
      return results;
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
