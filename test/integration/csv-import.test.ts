import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, ENCRYPTION_KEY, startTestRelay, type TestRelay } from '../helpers/relay.js';

const run = promisify(execFile);
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const ROWS = Number(process.env.CAPI_RELAY_CSV_TEST_ROWS ?? 100_000);
const DAY = 86_400;

/** Writes a CSV of `rows` in-store purchases with deterministic order ids, respecting backpressure. */
async function generate(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const now = Math.floor(Date.now() / 1000);
  out.write('email,phone,event_time,value,currency,order_id\n');
  for (let i = 0; i < rows; i++) {
    const line = `customer${i}@example.com,+3361234${String(i % 10000).padStart(4, '0')},${now - 3600 - (i % 1000)},${(i % 500) + 0.5},EUR,ORD-${i}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

describe.each(dialects)('CSV import on $name', (dialect) => {
  let t: TestRelay;
  let tenantId: string;
  let dir: string;

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false });
    tenantId = (await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: admin, payload: { name: 'Offline' } })).json().id;
    dir = mkdtempSync(join(tmpdir(), 'capi-relay-csv-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function upload(body: string | NodeJS.ReadableStream, query = '') {
    return t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/imports${query}`, headers: { ...admin, 'content-type': 'text/csv' }, payload: body as string });
  }

  it(`imports ${ROWS} rows in constant memory, and a second import is all duplicates`, async () => {
    const file = join(dir, 'big.csv');
    await generate(file, ROWS);
    let peak = process.memoryUsage().rss;
    const before = peak;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = Date.now();
    const first = await upload(createReadStream(file));
    const ms = Date.now() - started;
    clearInterval(timer);
    expect(first.statusCode).toBe(200);
    expect(first.json().summary).toMatchObject({ rows: ROWS, accepted: ROWS, duplicate: 0, rejected: 0, tooOld: 0 });
    process.stdout.write(`[csv ${dialect.name}] ${ROWS} rows in ${ms} ms; rss before ${(before / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB\n`);
    // The file is never held whole: the peak grows far less than a fully buffered import would.
    expect(peak - before).toBeLessThan(400 * 2 ** 20);
    const second = await upload(createReadStream(file));
    expect(second.json().summary).toMatchObject({ rows: ROWS, accepted: 0, duplicate: ROWS, rejected: 0 });
    const count = await t.relay.store.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).where('source', '=', 'csv').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(ROWS);
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
    expect(body.events[0].event).toMatchObject({ event_name: 'Purchase', event_id: 'csv:D-1', action_source: 'physical_store' });
    const stored = await t.relay.store.db.selectFrom('events').select('id').where('event_id', 'like', 'csv:D-%').execute();
    expect(stored).toHaveLength(0);
    const real = await upload(csv, '?map=E-Mail=email');
    expect(real.json().summary).toMatchObject({ rows: 4, accepted: 1, rejected: 2, tooOld: 1 });
  });

  it('runs from the CLI: dry run, import, summary as JSON', async () => {
    const file = join(dir, 'small.csv');
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(file, `email,event_time,value,order_id\nx@example.com,${now - 60},5,C-1\ny@example.com,${now - 60},6,C-2\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, CAPI_RELAY_DATA_DIR: t.db.dataDir, CAPI_RELAY_ENCRYPTION_KEY: ENCRYPTION_KEY, CAPI_RELAY_LOG_LEVEL: 'warn' };
    if (t.db.databaseUrl) env.CAPI_RELAY_DATABASE_URL = t.db.databaseUrl;
    else delete env.CAPI_RELAY_DATABASE_URL;
    const cli = async (...args: string[]) => (await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env })).stdout;
    const dry = (await cli('import-csv', '--tenant', tenantId, file, '--currency', 'EUR', '--dry-run', '--json')).trim().split('\n');
    expect(dry).toHaveLength(3);
    expect(JSON.parse(dry[0]!).event.custom_data).toMatchObject({ value: 5, currency: 'EUR', order_id: 'C-1' });
    const summary = JSON.parse((await cli('import-csv', '--tenant', tenantId, file, '--currency', 'EUR', '--json')).trim());
    expect(summary).toMatchObject({ rows: 2, accepted: 2, duplicate: 0 });
    const again = JSON.parse((await cli('import-csv', '--tenant', tenantId, file, '--currency', 'EUR', '--json')).trim());
    expect(again).toMatchObject({ rows: 2, accepted: 0, duplicate: 2 });
  }, 120_000);
});
