import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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
    queued: new Gauge({ name: 'capi_relay_deliveries_queued', help: 'Deliveries waiting to be sent (queued, retrying or being sent)', registers: [registry] }),
    dead: new Gauge({ name: 'capi_relay_deliveries_dead', help: 'Deliveries that gave up, waiting for a Retry or capi-relay replay', registers: [registry] }),
    oldestQueuedAge: new Gauge({
      name: 'capi_relay_oldest_queued_age_seconds',
      help: 'Seconds since the oldest delivery still waiting to be sent was queued; 0 when none waits',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
