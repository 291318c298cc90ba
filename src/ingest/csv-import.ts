/**
 * CSV import of offline conversions: streams rows, maps them (src/sources/csv.ts) and sends them in
 * chunks of 1000 through the one ingest path, so memory stays constant whatever the file size. Event
 * ids are deterministic, so importing the same file again answers every row `duplicate`.
 */
import type { Readable } from 'node:stream';
import type { MetaServerEvent } from '../core/meta-event.js';
import type { CommerceEvent } from '../sources/commerce-event.js';
import { csvEventStream, type CsvMapping } from '../sources/csv.js';
import type { TenantView } from '../store/tenants.js';
import { parsePolicy, transformEvent } from '../transform/transform.js';
import type { IngestService } from './ingest-service.js';

/** Rows per ingest call (Meta's batch size, and one store transaction). */
export const CSV_CHUNK = 1000;
const DAY_S = 86_400;

/** Every row is counted once, under the per-event status ingest answered (plus `tooOld`, checked first). */
export interface CsvImportSummary {
  rows: number;
  /** Stored and queued for at least one pixel: will be sent (a dry run: would be, policy permitting). */
  accepted: number;
  duplicate: number;
  /** Stored and logged, not sent: consent, a gate, a switch, forwarding off or no enabled pixel said no. */
  skipped: number;
  rejected: number;
  tooOld: number;
}

/** One row worth telling the operator about. */
export type CsvRowReport =
  | { kind: 'send'; line: number; event: MetaServerEvent }
  | { kind: 'rejected'; line: number; reason: string }
  | { kind: 'too_old'; line: number; reason: string }
  | { kind: 'skipped'; line: number; reason: string };

export interface CsvImportOptions {
  ingest: IngestService;
  tenant: TenantView;
  input: Readable;
  mapping?: CsvMapping | undefined;
  currency?: string | undefined;
  /** Transform and report only: nothing is stored or sent. */
  dryRun?: boolean | undefined;
  onRow?: (report: CsvRowReport) => void;
  /** Called after each chunk with the rows read so far. */
  onProgress?: (rows: number) => void;
}

/** Meta's acceptance window for an event (62 days in store, 7 otherwise) [M-API, M-OFF]. */
function tooOld(e: CommerceEvent, nowMs: number): string | null {
  const days = (e.action_source ?? 'physical_store') === 'physical_store' ? 62 : 7;
  return nowMs / 1000 - e.timestamp > days * DAY_S ? `event_time is more than ${days} days old: Meta would reject it` : null;
}

/** Imports a CSV stream for a tenant; resolves with the summary once every chunk is stored. */
export async function importCsv(opts: CsvImportOptions): Promise<CsvImportSummary> {
  const summary: CsvImportSummary = { rows: 0, accepted: 0, duplicate: 0, skipped: 0, rejected: 0, tooOld: 0 };
  const report = opts.onRow ?? (() => undefined);
  const policy = parsePolicy(opts.tenant.policy);
  let chunk: { line: number; event: CommerceEvent }[] = [];

  async function flush(): Promise<void> {
    if (chunk.length === 0) return;
    const batch = chunk;
    chunk = [];
    if (opts.dryRun) {
      const now = opts.ingest.now();
      for (const { line, event } of batch) {
        const r = transformEvent(event, policy, { now });
        if (r.kind === 'send') {
          summary.accepted++;
          report({ kind: 'send', line, event: r.event });
        } else if (r.kind === 'dropped') {
          summary.skipped++;
          report({ kind: 'skipped', line, reason: `${r.code}: ${r.message}` });
        } else {
          summary.rejected++;
          report({ kind: 'rejected', line, reason: `${r.code}: ${r.message}` });
        }
      }
    } else {
      const results = await opts.ingest.ingest(opts.tenant, batch.map((b) => b.event), { source: 'csv' });
      results.forEach((r, k) => {
        const line = batch[k]?.line ?? 0;
        if (r.status === 'duplicate') summary.duplicate++;
        else if (r.status === 'rejected') {
          summary.rejected++;
          report({ kind: 'rejected', line, reason: `${r.code ?? 'rejected'}: ${r.message ?? ''}` });
        } else if (r.status === 'skipped') {
          summary.skipped++;
          report({ kind: 'skipped', line, reason: `${r.code ?? 'skipped'}: ${r.message ?? ''}` });
        } else summary.accepted++;
      });
    }
    opts.onProgress?.(summary.rows);
  }

  const stream = csvEventStream(opts.input, { now: opts.ingest.now(), mapping: opts.mapping, currency: opts.currency });
  for await (const { line, result } of stream) {
    summary.rows++;
    if (!result.ok) {
      summary.rejected++;
      report({ kind: 'rejected', line, reason: result.reason });
      continue;
    }
    const old = tooOld(result.event, opts.ingest.now());
    if (old) {
      summary.tooOld++;
      report({ kind: 'too_old', line, reason: old });
      continue;
    }
    chunk.push({ line, event: result.event });
    if (chunk.length >= CSV_CHUNK) await flush();
  }
  await flush();
  opts.onProgress?.(summary.rows);
  return summary;
}
