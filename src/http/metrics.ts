import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The relay's Prometheus metrics, on a registry of its own (several apps may live in one test process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    ingested: new Counter({ name: 'capi_relay_events_ingested_total', help: 'Events accepted, by source', labelNames: ['source'], registers: [registry] }),
    duplicates: new Counter({ name: 'capi_relay_events_duplicate_total', help: 'Events answered duplicate', labelNames: ['source'], registers: [registry] }),
    rejected: new Counter({ name: 'capi_relay_events_rejected_total', help: 'Events rejected at ingest, by code', labelNames: ['code'], registers: [registry] }),
    dropped: new Counter({ name: 'capi_relay_events_dropped_total', help: 'Events stored but not sent, by code', labelNames: ['code'], registers: [registry] }),
    sent: new Counter({ name: 'capi_relay_deliveries_sent_total', help: 'Deliveries accepted by Meta', registers: [registry] }),
    failed: new Counter({ name: 'capi_relay_deliveries_failed_total', help: 'Delivery failures, by reason', labelNames: ['reason'], registers: [registry] }),
    lateAcks: new Counter({
      name: 'capi_relay_late_acks_total',
      help: 'Acks and releases refused because the lease had lapsed and another worker had taken the deliveries over, by action',
      labelNames: ['action'],
      registers: [registry],
    }),
    purged: new Counter({ name: 'capi_relay_purged_total', help: 'Rows deleted by the retention purge, by kind', labelNames: ['kind'], registers: [registry] }),
    commits: new Counter({
      name: 'capi_relay_ingest_commits_total',
      help: 'Ingest transactions committed: "group" holds the concurrent calls gathered together, "retry_alone" one call retried alone after its group failed',
      labelNames: ['kind'],
      registers: [registry],
    }),
    callsPerCommit: new Histogram({
      name: 'capi_relay_ingest_calls_per_commit',
      help: 'Ingest calls (requests, webhook deliveries, CSV chunks) sharing one committed transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    eventsPerCommit: new Histogram({
      name: 'capi_relay_ingest_events_per_commit',
      help: 'Events stored by one committed ingest transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
      registers: [registry],
    }),
    queued: new Gauge({ name: 'capi_relay_deliveries_queued', help: 'Deliveries waiting to be sent', registers: [registry] }),
    refused: new Counter({
      name: 'capi_relay_refused_requests_total',
      help: 'Requests refused before anything was stored, by reason (origin_not_allowed, signature_refused, rate_limited)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    pausedPixels: new Gauge({ name: 'capi_relay_pixels_paused', help: 'Pixels paused by Meta refusing their access token (their events wait)', registers: [registry] }),
    deadDeliveries: new Gauge({ name: 'capi_relay_deliveries_dead', help: 'Deliveries that died and wait for a retry (Retry all / capi-relay replay)', registers: [registry] }),
    oldestQueuedAge: new Gauge({
      name: 'capi_relay_oldest_queued_age_seconds',
      help: 'Age of the oldest delivery still to be sent (queued, retrying or sending); 0 when none is',
      registers: [registry],
    }),
    // The channel merge window (issue 18): copies held for their other channel's copy, and how each wait ended.
    mergeHeld: new Counter({ name: 'capi_relay_merge_held_total', help: 'Events held by the merge window for their other channel\'s copy', registers: [registry] }),
    mergeMerged: new Counter({ name: 'capi_relay_merge_merged_total', help: 'Held events completed by their partner and sent merged', registers: [registry] }),
    mergeSentAlone: new Counter({ name: 'capi_relay_merge_sent_alone_total', help: 'Held events released alone because their window ended without a partner', registers: [registry] }),
    mergeLatePartners: new Counter({ name: 'capi_relay_merge_late_partners_total', help: 'Partners that came after their event went out alone (recorded, not sent)', registers: [registry] }),
    mergeHeldNow: new Gauge({ name: 'capi_relay_merge_held_events', help: 'Events held now by the merge window, waiting for their partner', registers: [registry] }),
    requestDuration: new Histogram({
      name: 'capi_relay_http_request_duration_seconds',
      help: 'HTTP request latency by method, matched route and status class',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
