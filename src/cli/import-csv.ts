/** `capi-relay import-csv`: offline conversions from a CSV file, streamed, with a TTY progress bar. */
import { createReadStream, statSync } from 'node:fs';
import { pipeline, Transform } from 'node:stream';
import type { Command } from 'commander';
import { createMetrics } from '../http/metrics.js';
import { importCsv, type CsvRowReport } from '../ingest/csv-import.js';
import { createIngestService } from '../ingest/ingest-service.js';
import { csvErrorMessage, parseCsvMapping, type CsvMapping } from '../sources/csv.js';
import { createSwitchRepository } from '../store/switches.js';
import type { CliContext } from './program.js';

interface Flags {
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
  json?: boolean;
  tenant: string;
  map: string[];
  dryRun?: boolean;
  currency?: string;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

/** A one-line progress bar on stderr (only on a TTY), with rows/s and an ETA from the bytes read. */
export function progressBar(totalBytes: number, stream: NodeJS.WriteStream = process.stderr) {
  const start = Date.now();
  let last = 0;
  return {
    update(rows: number, bytes: number, force = false) {
      const t = Date.now();
      if (!stream.isTTY || (!force && t - last < 100)) return;
      last = t;
      const frac = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 0;
      const secs = (t - start) / 1000;
      const width = 30;
      const filled = Math.round(frac * width);
      const eta = frac > 0 ? (secs * (1 - frac)) / frac : Number.POSITIVE_INFINITY;
      const rate = secs > 0 ? Math.round(rows / secs) : 0;
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${rows} rows  ${rate}/s  ETA ${fmtDuration(eta)} `);
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

export function registerImportCommand(program: Command, { storeOptions, withStore }: CliContext): void {
  storeOptions(
    program
      .command('import-csv')
      .description('import offline conversions from a CSV file (header row first)')
      .argument('<file>', 'CSV file')
      .requiredOption('--tenant <id>', 'tenant id')
      .option('--map <col=field>', 'read a field from another column (repeatable), e.g. --map "E-mail=email"', (v: string, acc: string[]) => [...acc, v], [])
      .option('--dry-run', 'print what would be sent and every rejected row; store nothing')
      .option('--currency <ISO>', 'currency for rows without a currency column')
      .option('--json', 'print the summary as JSON'),
  ).action(async (file: string, flags: Flags) => {
    let mapping: CsvMapping;
    try {
      mapping = parseCsvMapping(flags.map);
    } catch (err) {
      process.stderr.write(`capi-relay: ${(err as Error).message}\n`);
      process.exit(2);
    }
    const total = statSync(file).size;
    await withStore(flags, async ({ store, tenants }) => {
      const tenant = await tenants.getTenant(flags.tenant);
      const ingest = createIngestService({ store, metrics: createMetrics(), clock: Date.now, switches: createSwitchRepository(store) });
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          cb(null, chunk);
        },
      });
      pipeline(createReadStream(file), counter, () => undefined);
      const bar = progressBar(total);
      const out = (s: string) => process.stdout.write(`${s}\n`);
      const onRow = (r: CsvRowReport) => {
        if (r.kind === 'send') out(JSON.stringify({ line: r.line, event: r.event }));
        else process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}line ${r.line}: ${r.kind.replace('_', ' ')}: ${r.reason}\n`);
      };
      const summary = await importCsv({ ingest, tenant, input: counter, mapping, currency: flags.currency, dryRun: flags.dryRun, onRow, onProgress: (rows) => bar.update(rows, bytes) }).catch((err: unknown) => {
        // csv-parse's own message quotes the offending field (a customer's e-mail, perhaps): its rule and line only.
        const why = csvErrorMessage(err);
        throw why === null ? err : new Error(`the CSV could not be read: ${why}`);
      });
      bar.update(summary.rows, total, true);
      bar.done();
      const human = `${flags.dryRun ? 'dry run (nothing stored): ' : ''}rows ${summary.rows}, accepted ${summary.accepted}, skipped ${summary.skipped}, duplicate ${summary.duplicate}, rejected ${summary.rejected}, too old ${summary.tooOld}`;
      out(flags.json ? JSON.stringify(summary) : human);
    });
  });
}
