import type { TransformResult } from '../core/meta-event.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { Store } from '../store/database.js';
import type { EventToStore, StoreOutcome } from '../store/events.js';
import { isStorageFault } from '../store/storage-fault.js';
import type { SwitchRepository } from '../store/switches.js';
import type { TenantView } from '../store/tenants.js';
import { parsePolicy, type TenantPolicy, transformEvent } from '../transform/transform.js';
import { createGroupCommitter } from './group-commit.js';
import { type StoreWrite, writeGroup } from './group-writes.js';
import { holdWindowOf } from './channel-holds.js';
import type { ChannelPresence } from '../store/channel-presence.js';

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

/** How concurrent ingest calls share a commit (src/ingest/group-commit.ts). */
export interface GroupCommitSettings {
  /** How long the first call of a group waits for others. */
  maxWaitMs: number;
  /** Events that close a group at once (Meta's batch size, and one CSV chunk). */
  maxEvents: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitSettings = { maxWaitMs: 2, maxEvents: 1000 };

/**
 * The one path every channel takes: transform (map, privacy, normalize+hash, gates), then store
 * and queue in one transaction, shared with the concurrent calls of other channels and requests (group
 * commit); each call is answered once that transaction is committed. Answers one result per input, in input order.
 */
export function createIngestService(deps: {
  store: Store;
  metrics: IngestMetrics;
  clock: () => number;
  onQueued?: () => void;
  switches?: SwitchRepository;
  groupCommit?: GroupCommitSettings;
  /** Channel merge (issue 18): without it no copy waits for its partner. */
  presence?: ChannelPresence;
}) {
  const settings = deps.groupCommit ?? DEFAULT_GROUP_COMMIT;
  const switches = deps.switches;
  const committer = createGroupCommitter<StoreWrite, StoreOutcome[]>({
    // Per-event switches are read once per tenant of a group, and a sendable event whose switch is off is stored skipped.
    run: (writes) => writeGroup(deps.store, writes, switches ? (id) => switches.offSet(id) : undefined, deps.presence),
    sizeOf: (w) => w.items.length,
    maxWaitMs: settings.maxWaitMs,
    maxSize: settings.maxEvents,
    // SQLite has one writer; on PostgreSQL a second group can be written while the first commits.
    maxInFlight: deps.store.adapter.supportsMultipleNodes ? 2 : 1,
    // Storage down fails every write alike: each caller gets the fault (503, retry later), without N more attempts.
    retryAlone: (err) => !isStorageFault(err),
    onCommit: ({ writes, events, retry }) => {
      deps.metrics.commits.inc({ kind: retry ? 'retry_alone' : 'group' });
      deps.metrics.callsPerCommit.observe(writes);
      deps.metrics.eventsPerCommit.observe(events);
    },
  });

  /** Stores already transformed events through the shared commit; resolves once they are committed. */
  function store(tenant: TenantView, items: EventToStore[], now: number): Promise<StoreOutcome[]> {
    return committer.submit({ tenant: { id: tenant.id, forwarding: tenant.forwarding }, items, now });
  }

  /**
   * The parsed policy of each tenant. A view answered from the key cache (src/store/key-cache.ts, SQLite) is the
   * same object request after request, so it is found by identity; a new view (PostgreSQL reads the tenant per
   * request) is compared by its policy's JSON, which costs less than parsing it again.
   */
  const policies = new Map<string, { view: TenantView; raw: string; policy: TenantPolicy }>();
  function policyOf(tenant: TenantView): TenantPolicy {
    const cached = policies.get(tenant.id);
    if (cached?.view === tenant) return cached.policy;
    const raw = JSON.stringify(tenant.policy);
    const policy = cached?.raw === raw ? cached.policy : parsePolicy(tenant.policy);
    policies.set(tenant.id, { view: tenant, raw, policy });
    return policy;
  }

  return {
    /** The injected clock, so channels (webhook signature windows) read the same time as ingest. */
    now: (): number => deps.clock(),

    /**
     * Stores events a channel built itself (a webhook delivery kept as Unmappable, without customer data) through
     * the same shared commit as ingest: they take no transform, and none is queued for delivery.
     */
    keep: store,

    /** Resolves once every call made so far is committed and answered (shutdown). */
    drain: (): Promise<void> => committer.drain(),

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
        if (deps.presence) item.holdMs = holdWindowOf(policy, item.eventName, opts.source, opts.simulated ?? false);
        toStore.push(item);
        storeIndex.push(i);
      });
      if (toStore.length > 0) {
        const outcomes = await store(tenant, toStore, now);
        let queued = false;
        outcomes.forEach((o, k) => {
          const i = storeIndex[k] as number;
          const item = toStore[k] as EventToStore;
          if (o.status === 'duplicate') {
            results[i] = { event_id: item.eventId, status: 'duplicate' };
            deps.metrics.duplicates.inc({ source: opts.source });
            if (o.merge === 'late_partner') deps.metrics.mergeLatePartners.inc();
            return;
          }
          deps.metrics.ingested.inc({ source: opts.source });
          if (o.merge === 'held') deps.metrics.mergeHeld.inc();
          else if (o.merge === 'merged') deps.metrics.mergeMerged.inc();
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
