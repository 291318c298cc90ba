/**
 * The counters ingest moves, as ingest needs them: the composition root hands in the relay's Prometheus metrics
 * (src/http/metrics.ts), which fit this shape, so ingest does not depend on the HTTP layer.
 */
interface LabelledCounter<Label extends string> {
  inc(labels: Partial<Record<Label, string>>, value?: number): void;
}

interface PlainCounter {
  inc(value?: number): void;
}

interface Histogram {
  observe(value: number): void;
}

export interface IngestMetrics {
  /** Group commits: `kind` group (a shared transaction) or retry_alone (a call written alone after its group failed). */
  commits: LabelledCounter<'kind'>;
  callsPerCommit: Histogram;
  eventsPerCommit: Histogram;
  ingested: LabelledCounter<'source'>;
  duplicates: LabelledCounter<'source'>;
  rejected: LabelledCounter<'code'>;
  dropped: LabelledCounter<'code'>;
  /** The merge window: copies held for their partner, held copies completed by it, partners that came too late. */
  mergeHeld: PlainCounter;
  mergeMerged: PlainCounter;
  mergeLatePartners: PlainCounter;
}
