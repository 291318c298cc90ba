/**
 * The counters ingest moves, as ingest needs them: the composition root hands in the relay's Prometheus metrics
 * (src/http/metrics.ts), which fit this shape, so ingest does not depend on the HTTP layer.
 */
interface LabelledCounter<Label extends string> {
  inc(labels: Partial<Record<Label, string>>, value?: number): void;
}

export interface IngestMetrics {
  ingested: LabelledCounter<'source'>;
  duplicates: LabelledCounter<'source'>;
  rejected: LabelledCounter<'code'>;
  dropped: LabelledCounter<'code'>;
}
