import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { cli, SERVE_NODE_FLAGS } from '../helpers/processes.js';
import { ADMIN_HEADERS as admin, addPixelViaApi, cliEnv, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

const run = promisify(execFile);
const ROWS = Number(process.env.CAPI_RELAY_CSV_TEST_ROWS ?? 100_000);
const DAY = 86_400;

/** Writes a CSV of `rows` in-store purchases with deterministic order ids (`{prefix}-{i}`), respecting backpressure. */
async function generate(path: string, rows: number, prefix = 'ORD'): Promise<void> {
  const out = createWriteStream(path);
  const now = Math.floor(Date.now() / 1000);
  out.write('email,phone,event_time,value,currency,order_id\n');
  for (let i = 0; i < rows; i++) {
    const line = `customer${i}@example.com,+3361234${String(i % 10000).padStart(4, '0')},${now - 3600 - (i % 1000)},${(i % 500) + 0.5},EUR,${prefix}-${i}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const MiB = 2 ** 20;
/**
 * The CLI import runs in its own process with V8's old space capped: an import that held the file's rows
 * (hundreds of MiB at 100,000 rows) dies there, so finishing at all shows the heap stays bounded. Its peak
 * RSS (kernel high-water mark) is printed at exit by a one-line preload, so no test code ships in the CLI.
 */
const HEAP_CAP_MIB = 64;
const REPORT_PEAK_RSS = 'data:text/javascript,process.on("exit",()=>process.stderr.write("peak_rss_kib="+process.resourceUsage().maxRSS+"\\n"))';

interface RssRun {
  rows: number;
  ms: number;
  peak: number;
  summary: Record<string, number>;
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

describe.each(dialects)('CSV import on $name', (dialect) => {
  // The 100,000-row memory figure is taken on the default store; PostgreSQL streams through the same code, so a
  // tenth of the rows shows the same bound there without doubling the suite's slowest test.
  const rowsHere = dialect.name === 'sqlite' ? ROWS : ROWS / 10;
  let t: TestRelay;
  let tenantId: string;
  let dir: string;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false });
    tenantId = (await createTenantViaApi(t, 'Offline')).id;
    await addPixelViaApi(t, tenantId, { pixelId: '123456789012345', accessToken: 'EAAB-offline-token-0123' });
    dir = mkdtempSync(join(tmpdir(), 'capi-relay-csv-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function upload(body: string | NodeJS.ReadableStream, query = '') {
    return t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/imports${query}`, headers: { ...admin, 'content-type': 'text/csv' }, payload: body as string });
  }

  /** Runs `capi-relay import-csv --json` in a heap-capped child and returns its summary and peak RSS. */
  async function importInChild(file: string, rows: number): Promise<RssRun> {
    const started = Date.now();
    // The V8 flags the installed CLI runs with (its shebang): without a bounded young generation, Node 22+ sizes
    // it from the machine's memory and RSS grows with the import before the heap cap matters.
    const args = [`--max-old-space-size=${HEAP_CAP_MIB}`, ...SERVE_NODE_FLAGS, '--import', REPORT_PEAK_RSS, '--import', 'tsx', 'src/cli/main.ts', 'import-csv', '--tenant', tenantId, file, '--json'];
    const { stdout, stderr } = await run(process.execPath, args, { env: cliEnv(t.db) });
    const peak = /peak_rss_kib=(\d+)/.exec(stderr)?.[1];
    if (!peak) throw new Error(`no peak RSS reported: ${stderr}`);
    return { rows, ms: Date.now() - started, peak: Number(peak) * 1024, summary: JSON.parse(stdout.trim()) as Record<string, number> };
  }

  it(`imports ${rowsHere} rows in constant memory, and a second import is all duplicates`, async () => {
    // Baseline: the same command on a 10-row file (runtime, modules, database driver). Then a tenth of
    // the rows and all of them: constant memory means both grow the peak by about the same amount.
    const files = { baseline: join(dir, 'ten.csv'), tenth: join(dir, 'tenth.csv'), full: join(dir, 'big.csv') };
    await generate(files.baseline, 10, 'TEN');
    await generate(files.tenth, rowsHere / 10, 'TENTH');
    await generate(files.full, rowsHere);
    const baseline = await importInChild(files.baseline, 10);
    const tenth = await importInChild(files.tenth, rowsHere / 10);
    const full = await importInChild(files.full, rowsHere);
    for (const r of [baseline, tenth, full]) expect(r.summary).toMatchObject({ rows: r.rows, accepted: r.rows, duplicate: 0, skipped: 0, rejected: 0, tooOld: 0 });
    const growth = (r: RssRun) => r.peak - baseline.peak;
    process.stdout.write(
      [baseline, tenth, full]
        .map((r) => `[csv ${dialect.name}] ${String(r.rows).padStart(6)} rows in ${r.ms} ms (heap cap ${HEAP_CAP_MIB} MiB): peak RSS ${mib(r.peak)}, growth over the 10-row baseline ${mib(growth(r))}`)
        .join('\n') + '\n',
    );
    // Ten times the rows, about the same memory: streaming in chunks of 1000 bounds the working set.
    expect(growth(full)).toBeLessThan(Math.max(growth(tenth), 0) + 32 * MiB);
    expect(growth(full)).toBeLessThan(96 * MiB);
    // The second import goes through the admin API upload, streamed the same way: nothing new is stored.
    const second = await upload(createReadStream(files.full));
    expect(second.json().summary).toMatchObject({ rows: rowsHere, accepted: 0, duplicate: rowsHere, rejected: 0 });
    const count = await t.relay.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('source', '=', 'csv')
      .where('event_id', 'like', 'purchase:ORD-%')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(rowsHere);
  }, 240_000);

  it('reports rejected rows with their line and too-old rows, and a dry run stores nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const csv = [
      'E-Mail,event_time,value,currency,order_id',
      `a@example.com,${now - 60},10,EUR,D-1`,
      `,${now - 60},10,EUR,D-2`,
      `b@example.com,${now - 70 * DAY},10,EUR,D-3`,
      `c@example.com,not-a-date,10,EUR,D-4`,
    ].join('\n');
    const dry = await upload(csv, '?dry_run=1&map=E-Mail=email');
    expect(dry.statusCode).toBe(200);
    const body = dry.json();
    expect(body.summary).toMatchObject({ rows: 4, accepted: 1, rejected: 2, tooOld: 1 });
    expect(body.rejected.map((r: { line: number }) => r.line)).toEqual([3, 5]);
    expect(body.tooOld[0].line).toBe(4);
    expect(body.events[0].event).toMatchObject({ event_name: 'Purchase', event_id: 'purchase:D-1', action_source: 'physical_store' });
    const stored = await t.relay.store.db.selectFrom('events').select('id').where('event_id', 'like', 'purchase:D-%').execute();
    expect(stored).toHaveLength(0);
    const real = await upload(csv, '?map=E-Mail=email');
    expect(real.json().summary).toMatchObject({ rows: 4, accepted: 1, skipped: 0, rejected: 2, tooOld: 1 });
  });

  it('counts rows the policy keeps back as skipped, with their line and reason, apart from accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    // A last name alone is customer information Meta treats as too thin to match: valid, but not sent.
    const csv = ['email,last_name,event_time,value,currency,order_id', `k@example.com,,${now - 60},10,EUR,K-1`, `,Doe,${now - 60},10,EUR,K-2`].join('\n');
    const res = await upload(csv);
    expect(res.json().summary).toMatchObject({ rows: 2, accepted: 1, skipped: 1, rejected: 0 });
    expect(res.json().skipped).toEqual([expect.objectContaining({ line: 3, reason: expect.stringMatching(/^thin_user_data: /) as unknown })]);
  });

  it('runs from the CLI: dry run, import, summary as JSON', async () => {
    const file = join(dir, 'small.csv');
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(file, `email,event_time,value,order_id\nx@example.com,${now - 60},5,C-1\ny@example.com,${now - 60},6,C-2\n`);
    const env = cliEnv(t.db);
    const dry = (await cli(env, 'import-csv', '--tenant', tenantId, file, '--currency', 'EUR', '--dry-run', '--json')).trim().split('\n');
    expect(dry).toHaveLength(3);
    expect(JSON.parse(dry[0]!).event.custom_data).toMatchObject({ value: 5, currency: 'EUR', order_id: 'C-1' });
    const summary = JSON.parse((await cli(env, 'import-csv', '--tenant', tenantId, file, '--currency', 'EUR', '--json')).trim());
    expect(summary).toMatchObject({ rows: 2, accepted: 2, duplicate: 0 });
    const again = JSON.parse((await cli(env, 'import-csv', '--tenant', tenantId, file, '--currency', 'EUR', '--json')).trim());
    expect(again).toMatchObject({ rows: 2, accepted: 0, duplicate: 2 });
  }, 120_000);
});
