/**
 * Two real relay processes on one PostgreSQL database: they must split the delivery queue without sending
 * an event twice (FOR UPDATE SKIP LOCKED), and one node must finish a batch a killed node had claimed,
 * once its lease has expired.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { cliEnv, createTenantWithPixel, postEvents, purchase, startRelayProcess, waitUntil, type RelayProcess } from '../helpers/processes.js';

const postgres = dialects.find((d) => d.name === 'postgres');
const PIXEL = '333333333333';
// Short enough that the takeover test waits seconds, not a minute; long enough that a loaded machine
// never lets a live node's lease lapse during a 30 ms-latency batch.
const LEASE_MS = 4000;

if (!postgres) process.stderr.write('\n[multi-node] SKIPPED: multi-node delivery needs PostgreSQL, which is unreachable here\n\n');

describe.skipIf(!postgres)('two relay nodes on one PostgreSQL database', () => {
  let emulator: Emulator;
  let graphUrl: string;
  let db: TestDatabase;
  let client: pg.Client;
  let env: NodeJS.ProcessEnv;
  let ingestKey: string;
  const nodes: RelayProcess[] = [];

  beforeAll(async () => {
    ({ emulator, graphUrl } = await startEmulator({ allowAnyPixel: true }));
  });
  afterAll(async () => emulator?.close());

  beforeEach(async () => {
    emulator.state.resetEvents();
    emulator.state.clearFaults();
    db = await postgres!.create();
    env = cliEnv(db, { graphUrl, extra: { CAPI_RELAY_DELIVERY_LEASE_MS: String(LEASE_MS) } });
    ({ ingestKey } = await createTenantWithPixel(env, PIXEL, 'tok-multi'));
    client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
  }, 60_000);

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.kill()));
    await client?.end();
    await db?.cleanup();
  });

  /** Deliveries by status: events of sent batches, and the batch statuses of the rest (no exceptions expected). */
  async function statusCounts(): Promise<Record<string, number>> {
    const { rows } = await client.query<{ status: string; n: string }>(
      `select status, sum(event_count) as n from delivery_batches group by status
       union all select 'exception:' || status, count(*) from delivery_exceptions group by status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  const received = () => emulator.state.events({ pixelId: PIXEL });

  it('splits 5,000 events between two nodes and sends each exactly once', async () => {
    // Latency makes batches of the two nodes overlap in time, so they really compete for rows.
    emulator.state.setFaults({ latencyMs: 30 });
    nodes.push(await startRelayProcess(env), await startRelayProcess(env));
    const ids = Array.from({ length: 5000 }, (_, i) => `mn-${i}`);
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += 250) batches.push(ids.slice(i, i + 250));
    // Both nodes ingest at once, alternating batches, while both deliver.
    const accepted = (
      await Promise.all(batches.map((b, i) => postEvents(nodes[i % 2]!.url, ingestKey, b.map((id) => purchase(id)))))
    ).flat();
    expect(accepted).toHaveLength(5000);

    await waitUntil(async () => (await statusCounts()).sent === 5000, 90_000, async () => JSON.stringify(await statusCounts()));
    const events = received();
    const counts = new Map<string, number>();
    for (const e of events) counts.set(String(e.event.event_id), (counts.get(String(e.event.event_id)) ?? 0) + 1);
    const repeated = [...counts].filter(([, n]) => n > 1);
    expect(repeated, 'event_ids sent more than once').toEqual([]);
    expect(counts.size).toBe(5000);
    expect(events.filter((e) => e.deduplicated)).toHaveLength(0);
    // Meta's limit of 1000 events per request held across both nodes' batches.
    const { rows } = await client.query<{ n: string; most: string }>("select count(distinct fbtrace_id) as n, max(event_count) as most from delivery_batches where status = 'sent'");
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(5);
    expect(Number(rows[0]!.most)).toBeLessThanOrEqual(1000);
    // The batches of a pixel tile its log without overlapping, and the cursor is past all of them.
    const { rows: ranges } = await client.query<{ from_seq: string; to_seq: string }>('select from_seq, to_seq from delivery_batches order by from_seq');
    ranges.forEach((r, i) => i > 0 && expect(Number(r.from_seq)).toBe(Number(ranges[i - 1]!.to_seq) + 1));
    const { rows: cursor } = await client.query<{ sent_through: string }>('select sent_through from pixel_cursors');
    expect(Number(cursor[0]!.sent_through)).toBe(Number(ranges.at(-1)!.to_seq));
  }, 150_000);

  it('finishes a batch claimed by a node that was SIGKILLed mid-send, after its lease expires', async () => {
    // 5 s per Graph request: node 1 is surely inside the send when it is killed.
    emulator.state.setFaults({ latencyMs: 5000 });
    const node1 = await startRelayProcess(env);
    nodes.push(node1);
    const ids = Array.from({ length: 1000 }, (_, i) => `kill-${i}`);
    expect(await postEvents(node1.url, ingestKey, ids.map((id) => purchase(id)))).toHaveLength(1000);

    // Wait until node 1 holds the whole batch under its lease (worker id is "<pid>-<random>").
    await waitUntil(
      async () => {
        const { rows } = await client.query<{ n: string }>("select coalesce(sum(event_count), 0) as n from delivery_batches where status = 'sending' and lease_owner like $1", [`${node1.pid}-%`]);
        return Number(rows[0]!.n) === 1000;
      },
      30_000,
      async () => JSON.stringify(await statusCounts()),
      50,
    );
    const { rows: leaseRows } = await client.query<{ until: string }>("select max(lease_until) as until from delivery_batches where status = 'sending'");
    const leaseUntil = Number(leaseRows[0]!.until);
    // Kill first: booting node 2 takes seconds, and node 1 must still be inside its send.
    await node1.kill();
    emulator.state.setFaults({ latencyMs: 20 });
    nodes.push(await startRelayProcess(env));

    await waitUntil(async () => (await statusCounts()).sent === 1000, 90_000, async () => JSON.stringify(await statusCounts()));
    // Node 2 took the range over only once node 1's lease had lapsed: never two live owners of a batch. The
    // batch was claimed twice (node 1, then node 2's takeover) and sent once, whole.
    const { rows: batches } = await client.query<{ claims: number; claimed_at: string; event_count: number; status: string }>(
      'select claims, claimed_at, event_count, status from delivery_batches',
    );
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ claims: 2, event_count: 1000, status: 'sent' });
    expect(Number(batches[0]!.claimed_at)).toBeGreaterThanOrEqual(leaseUntil);
    // At-least-once after a crash: node 1's request may have reached Meta too, so repeats are allowed here,
    // but no event may be missing.
    const got = new Set(received().map((e) => String(e.event.event_id)));
    expect(ids.filter((id) => !got.has(id))).toEqual([]);
  }, 150_000);
});
