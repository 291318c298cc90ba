/**
 * `npm run bench`: end-to-end throughput vs Meta's SDK, latency at a steady rate of one-event requests, a backlog
 * drain with the relay's peak RSS, the transform alone vs the SDK, one-event requests vs a bare Fastify route, the
 * WAL bytes of a one-event request, and (a) and (e) on PostgreSQL with one and two nodes. Relay, emulator and
 * bare route run in separate processes. `npm run bench -- --only e,b` (or BENCH_ONLY=eb) runs some parts.
 * Sizes: BENCH_EVENTS (a), BENCH_STEADY_SECONDS (b), BENCH_BACKLOG (c), BENCH_TRANSFORM (d), BENCH_E_SECONDS and
 * BENCH_E_ROUNDS (e), BENCH_WAL_REQUESTS (w). Writes docs/benchmarks.md unless BENCH_WRITE_DOC=0.
 */
import Database from 'better-sqlite3';
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sha256Hex } from '../src/transform/hash.js';
import { defaultPolicy, transformEvent } from '../src/transform/transform.js';
import { createTenantWithPixel, relayEnv, startRelayProcess, TEST_ENCRYPTION_KEY, type RelayProcess } from '../test/helpers/processes.js';
import type { ReleaseColumn } from './doc.js';
import { benchEvent, commerceEvent, cpuUs, load, ownCpuUs, percentile, PIXEL, postBatch, rssMb, sleep, startEmulatorProcess, TOKEN, until, type EmulatorProcess } from './harness.js';
import { durableWriteRate } from './floor.js';
import { closedLoop, oneEventBody, openLoop, startBareRoute, target, walPerRequest, type BareRoute } from './one-event.js';
import { sdkBuildAll, sdkSend, sdkServerEvent, type BenchEvent } from './sdk.js';

const N = Number(process.env.BENCH_EVENTS ?? 50_000);
const STEADY_S = Number(process.env.BENCH_STEADY_SECONDS ?? 15);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
/** Events of (c) that go through HTTP; the rest of the backlog is copies of them made in SQL. */
const BACKLOG_SEED = Number(process.env.BENCH_BACKLOG_SEED ?? 10_000);
const TRANSFORM_N = Number(process.env.BENCH_TRANSFORM ?? 20_000);
const TRANSFORM_ROUNDS = 7;
const E_SECONDS = Number(process.env.BENCH_E_SECONDS ?? 5);
const E_ROUNDS = Number(process.env.BENCH_E_ROUNDS ?? 3);
const E_CONNECTIONS = 32;
const WAL_REQUESTS = Number(process.env.BENCH_WAL_REQUESTS ?? 3000);
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.CAPI_RELAY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const CLIENTS = 4;
/** The transform's events/s from part (d), which runs first; part (a) sets it beside the SDK's per-event budget. */
let transformRate: number | undefined;

/** `release` names the per-release table's column a row also fills (docs/benchmarks.md, one row per Node.js major). */
const rows: { part: string; metric: string; value: string; target: string; release?: ReleaseColumn }[] = [];
const log = (msg: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const nowSec = () => Math.floor(Date.now() / 1000);
const events = (prefix: string, n: number): BenchEvent[] => Array.from({ length: n }, (_, i) => benchEvent(`${prefix}-${i}`, nowSec()));

/**
 * Node flags for each relay process the bench starts, beside those it ships with: BENCH_PROFILE=DIR writes a V8
 * CPU profile of each there (on graceful exit); BENCH_RELAY_NODE_ARGS adds flags to try (e.g. heap sizes).
 */
function relayNodeArgs(): string[] {
  const prof = process.env.BENCH_PROFILE;
  const extra = (process.env.BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), ...extra];
}

interface RelaySet {
  relays: RelayProcess[];
  urls: string[];
  key: string;
  tenantId: string;
  dataDir: string;
  stop(graceMs?: number): Promise<void>;
}

/** A fresh PostgreSQL schema (dropped by `drop`), as the tests' databases are: the relay's URL names it in search_path. */
async function freshPgSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`create schema ${schema}`);
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => admin(`drop schema ${schema} cascade`) };
}

/**
 * Relay processes on a fresh store with one tenant and pixel: SQLite in a fresh data dir, or with `postgres` a
 * fresh schema shared by `nodes` processes (nodes > 1 needs PostgreSQL).
 */
async function freshRelays(emu: EmulatorProcess, opts: { postgres?: boolean; nodes?: number; extra?: Record<string, string> } = {}): Promise<RelaySet> {
  const dataDir = mkdtempSync(join(tmpdir(), 'capi-relay-bench-'));
  const schema = opts.postgres ? await freshPgSchema() : null;
  const env = relayEnv({ dataDir, encryptionKey: TEST_ENCRYPTION_KEY, graphUrl: emu.url, ...(schema ? { databaseUrl: schema.url } : {}), ...(opts.extra ? { extra: opts.extra } : {}) });
  const { ingestKey, tenantId } = await createTenantWithPixel(env, PIXEL, TOKEN);
  const relays: RelayProcess[] = [];
  for (let n = 0; n < (opts.nodes ?? 1); n++) relays.push(await startRelayProcess(env, { built: true, nodeArgs: relayNodeArgs() }));
  return {
    relays,
    urls: relays.map((r) => r.url),
    key: ingestKey,
    tenantId,
    dataDir,
    async stop(graceMs) {
      await Promise.all(relays.map((r) => r.stop(graceMs)));
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A relay process on a fresh SQLite data dir with one tenant and pixel. */
async function freshRelay(emu: EmulatorProcess, extra?: Record<string, string>): Promise<{ relay: RelayProcess; key: string; tenantId: string; dataDir: string }> {
  const set = await freshRelays(emu, extra ? { extra } : {});
  return { relay: set.relays[0] as RelayProcess, key: set.key, tenantId: set.tenantId, dataDir: set.dataDir };
}

/**
 * N events POSTed in batches of 1000 by CLIENTS clients spread over `urls`, timed until the emulator has them all;
 * returns events/s (and logs when ingest was answered).
 */
async function endToEnd(emu: EmulatorProcess, urls: string[], key: string, prefix: string): Promise<{ rate: number; ingestedMs: number }> {
  await emu.reset();
  const list = events(prefix, N);
  const t0 = performance.now();
  await Promise.all(urls.map((u, n) => load(u, key, list.filter((_, i) => Math.floor(i / 1000) % urls.length === n), Math.max(1, CLIENTS / urls.length))));
  const ingested = performance.now() - t0;
  const ok = await until(async () => (await emu.acceptedTotal()) >= N, 300_000);
  const relayMs = performance.now() - t0;
  if (!ok) throw new Error(`relay delivered only ${await emu.acceptedTotal()} of ${N}`);
  log(`    relay: ingest answered in ${fmt(ingested)} ms, all delivered in ${fmt(relayMs)} ms`);
  return { rate: N / (relayMs / 1000), ingestedMs: ingested };
}

/** CPU time per unit of work on one side of a comparison: the measured processes, the emulator, and this process (the load generator). */
interface CpuSide {
  own: number;
  emulator: number;
  loader: number;
}

/**
 * Counts the CPU time `pids`, the emulator and this process use from now on (the bench's own process is the load
 * generator, or with no pids the SDK sender itself). Rates on this shared 2-core machine swing with other load;
 * CPU time per event hardly does, and it says whether a ratio is reachable on two cores at all.
 */
function cpuMeter(emu: EmulatorProcess, pids: number[]): { perUnit(units: number): CpuSide } {
  const sum = () => pids.reduce((t, pid) => t + cpuUs(pid), 0);
  const start = { own: sum(), emulator: cpuUs(emu.pid), loader: ownCpuUs() };
  return {
    perUnit: (units) => ({
      own: (sum() - start.own) / units,
      emulator: (cpuUs(emu.pid) - start.emulator) / units,
      loader: (ownCpuUs() - start.loader) / units,
    }),
  };
}

/**
 * Rows of CPU µs per unit for the relay and its baseline, and the cores the relay's run would need to reach half
 * the baseline's rate: (relay + emulator + load generator) µs per unit × half the baseline's units per second.
 * With no pids (the SDK sender is this process) a side's `own` is zero and its `loader` is its own work.
 */
function cpuRows(part: string, unit: string, relay: { name: string; side: CpuSide }, base: { name: string; side: CpuSide }, baseRate: number) {
  const total = (s: CpuSide) => s.own + s.emulator + s.loader;
  const us = (n: number) => fmt(n, 1);
  return [
    { part, metric: `CPU µs per ${unit}: ${relay.name} / emulator / load generator`, value: `${us(relay.side.own)} / ${us(relay.side.emulator)} / ${us(relay.side.loader)}`, target: '' },
    { part, metric: `CPU µs per ${unit}: ${base.name} / emulator / load generator`, value: `${us(base.side.own)} / ${us(base.side.emulator)} / ${us(base.side.loader)}`, target: '' },
    { part, metric: `CPU cores the relay's run would use at 0.5 × the ${base.name}'s rate (the machine has ${cpus().length})`, value: fmt((total(relay.side) * baseRate * 0.5) / 1e6, 2), target: '' },
  ];
}

async function throughput(emu: EmulatorProcess): Promise<void> {
  log(`(a) end-to-end: ${fmt(N)} events, batches of 1000, ${CLIENTS} clients`);
  const { relay, key, dataDir } = await freshRelay(emu);
  try {
    const relayCpu = cpuMeter(emu, [relay.pid]);
    const { rate: relayRate, ingestedMs: ingested } = await endToEnd(emu, [relay.url], key, 'a');
    const relaySide = relayCpu.perUnit(N);
    await emu.reset();
    const sdkCpu = cpuMeter(emu, []);
    const t1 = performance.now();
    await sdkSend(emu.url, PIXEL, TOKEN, events('sdk', N), CLIENTS);
    const sdkMs = performance.now() - t1;
    const sdkSide = sdkCpu.perUnit(N);
    log(`    SDK: ${fmt(sdkMs)} ms`);
    const sdkRate = N / (sdkMs / 1000);
    const floorEvents = events('floor', N);
    const floorRate = durableWriteRate(floorEvents.map((e) => e.id), floorEvents.map((e) => JSON.stringify(sdkServerEvent(e).normalize())));
    log(`    durable write alone: ${fmt(floorRate)} events/s`);
    rows.push(
      { part: 'a', metric: 'relay: ingest answered (events/s)', value: fmt(N / (ingested / 1000)), target: '' },
      { part: 'a', metric: 'relay: ingest → delivered to emulator (events/s)', value: fmt(relayRate), target: '', release: '(a) relay events/s' },
      { part: 'a', metric: 'SDK: build + POST to emulator (events/s)', value: fmt(sdkRate), target: '', release: '(a) SDK events/s' },
      { part: 'a', metric: 'ratio relay / SDK', value: fmt(relayRate / sdkRate, 2), target: '≥ 0.5', release: '(a) relay / SDK' },
      { part: 'a', metric: 'floor: the same events written once to a bare SQLite table, nothing else (events/s)', value: fmt(floorRate), target: '' },
      { part: 'a', metric: 'SDK: whole path, wall µs per event', value: fmt(1e6 / sdkRate, 1), target: '' },
      { part: 'a', metric: 'relay: bare write + transform alone (d), µs per event', value: transformRate ? fmt(1e6 / floorRate + 1e6 / transformRate, 1) : 'run with d', target: '' },
      ...cpuRows('a', 'event', { name: 'relay', side: relaySide }, { name: 'SDK sender', side: sdkSide }, sdkRate),
    );
  } finally {
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What (b) holds for a partner: every HELD_EVERY-th request is a Purchase of a store that reports Purchases from both sides. */
const HELD_EVERY = 20;
const HELD_WINDOW_S = 5;
const BENCH_ADMIN = 'bench-admin-token-0123456789';

/**
 * The store of (b) as a store with the snippet and a webhook: it has reported a Purchase from the browser and the
 * server (so Purchases wait for their partner, issue 18, for HELD_WINDOW_S), and other events are not held.
 */
async function reportFromBothSides(url: string, tenantId: string, ingestKey: string, merging: boolean): Promise<void> {
  const admin = { authorization: `Bearer ${BENCH_ADMIN}`, 'content-type': 'application/json' };
  const call = async (path: string, method: string, body: unknown, headers: Record<string, string> = admin) => {
    const res = await fetch(`${url}${path}`, { method, headers, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const { key: publishable } = (await call(`/api/v1/tenants/${tenantId}/keys/publishable/rotate`, 'POST', {})) as { key: string };
  await call(`/api/v1/tenants/${tenantId}/origins`, 'POST', { origin: 'https://shop.example.com' });
  await call(`/api/v1/tenants/${tenantId}/policy`, 'PUT', { channelMerge: merging ? { windowSeconds: 60, eventWindowSeconds: { Purchase: HELD_WINDOW_S } } : { windowSeconds: 0 } });
  const order = { event_id: 'purchase:prime', order_id: 'prime', value: 10, currency: 'USD', url: 'https://shop.example.com/thanks' };
  await call('/v1/collect', 'POST', { key: publishable, event: 'Purchase', fbp: 'fb.1.1596403881668.1116446470', consent: true, ...order }, { origin: 'https://shop.example.com', 'content-type': 'text/plain' });
  await call('/v1/events', 'POST', { events: [{ event: 'purchase', user: { email: 'prime@example.com' }, ...order }] }, { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' });
}

/**
 * (b) twice, merging on then off (window 0: nothing held, every event straight into the log), so the latency of
 * the events not held is compared with the same run's figure without the merge window.
 */
async function latencies(emu: EmulatorProcess): Promise<void> {
  const on = await latency(emu, true);
  const off = await latency(emu, false);
  rows.push({ part: 'b', metric: 'not held p99, merging on ÷ merging off (same run)', value: (on.p99 / off.p99).toFixed(2), target: '≈ 1' });
}

async function latency(emu: EmulatorProcess, merging: boolean): Promise<{ p99: number }> {
  const rate = 2000;
  const total = rate * STEADY_S;
  log(`(b) latency: ${fmt(rate)} one-event requests/s for ${STEADY_S} s (open loop), emulator latency 50 ms; ${merging ? `1 in ${HELD_EVERY} a Purchase held ${HELD_WINDOW_S} s for its partner` : 'merging off (window 0)'}`);
  const { relay, key, tenantId, dataDir } = await freshRelay(emu, { CAPI_RELAY_ADMIN_TOKEN: BENCH_ADMIN });
  // Enough connections that requests wait in the relay, not in the load generator, when it falls behind.
  const t = target([relay.url], key, 256);
  try {
    await reportFromBothSides(relay.url, tenantId, key, merging);
    await emu.reset();
    await emu.faults({ latencyMs: 50 });
    const answered = new Map<string, number>();
    const list = events('b', total);
    const heldIds = new Set(list.filter((_, i) => i % HELD_EVERY === 0).map((e) => e.id));
    // The Purchases of a store that reports them from both sides wait for their partner; every other event (here an
    // AddToCart) goes straight into the log: its latency is the one that must not change.
    const bodyOf = (e: BenchEvent) => (heldIds.has(e.id) ? commerceEvent(e) : { ...commerceEvent(e), event: 'add_to_cart' });
    const t0 = Date.now();
    await openLoop(t, list, rate, (id, at) => answered.set(id, at), bodyOf);
    const answerRate = total / ((Date.now() - t0) / 1000);
    await until(async () => (await emu.acceptedTotal()) >= total, 120_000 + HELD_WINDOW_S * 1000);
    const received = (await emu.events()).filter((r) => answered.has(r.event.event_id as string));
    const latencyOf = (rs: typeof received) => rs.map((r) => r.receivedAt - (answered.get(r.event.event_id as string) ?? NaN)).filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
    const lat = latencyOf(received.filter((r) => !heldIds.has(r.event.event_id as string)));
    const held = latencyOf(received.filter((r) => heldIds.has(r.event.event_id as string)));
    log(`    ${fmt(lat.length)} not-held events matched; answered ${fmt(answerRate)} requests/s; p50 ${fmt(percentile(lat, 50))} ms, p99 ${fmt(percentile(lat, 99))} ms`);
    log(`    ${fmt(held.length)} held events (no partner came): sent alone after p50 ${fmt(percentile(held, 50))} ms`);
    if (merging) {
      rows.push(
        { part: 'b', metric: 'one-event requests answered per second over the run (offered 2,000)', value: fmt(answerRate), target: '' },
        { part: 'b', metric: 'not held: ingest answer → emulator receipt p50 (ms)', value: fmt(percentile(lat, 50)), target: '' },
        { part: 'b', metric: 'not held: ingest answer → emulator receipt p99 (ms)', value: fmt(percentile(lat, 99)), target: '≤ 250', release: '(b) p99 ms' },
        { part: 'b', metric: 'not held: max (ms)', value: fmt(lat[lat.length - 1] ?? NaN), target: '' },
        { part: 'b', metric: `held ${HELD_WINDOW_S} s for a partner (1 in ${HELD_EVERY}): answer → receipt p50 (ms)`, value: fmt(percentile(held, 50)), target: '' },
      );
    } else {
      rows.push(
        { part: 'b', metric: 'merging off: requests answered per second', value: fmt(answerRate), target: '' },
        { part: 'b', metric: 'merging off: answer → receipt p50 (ms)', value: fmt(percentile(lat, 50)), target: '' },
        { part: 'b', metric: 'merging off: answer → receipt p99 (ms)', value: fmt(percentile(lat, 99)), target: '' },
      );
    }
    return { p99: percentile(lat, 99) };
  } finally {
    await t.close();
    await emu.clearFaults();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Relay ÷ bare route for closed-loop one-event requests: after a 1 s warm-up each, E_ROUNDS alternating rounds of
 * E_SECONDS (relay, bare, relay, …), each side's median round. With `nodes` > 1 as many relays on one PostgreSQL
 * database and as many bare-route processes, the connections spread over them.
 */
async function oneEventVsBare(emu: EmulatorProcess, opts: { postgres?: boolean; nodes?: number }): Promise<{ relay: number; bare: number; eventsPerCommit: number; relayCpu: CpuSide; bareCpu: CpuSide }> {
  const set = await freshRelays(emu, opts);
  const bares: BareRoute[] = [];
  for (let n = 0; n < (opts.nodes ?? 1); n++) bares.push(await startBareRoute());
  const relayT = target(set.urls, set.key, E_CONNECTIONS);
  const bareT = target(bares.map((b) => b.url), 'bare', E_CONNECTIONS);
  let round = 0;
  const pass = (t: typeof relayT, seconds: number) => closedLoop(t, oneEventBody(`e${round++}`, nowSec()), { connections: E_CONNECTIONS, seconds });
  try {
    await emu.reset();
    await pass(relayT, 1);
    await pass(bareT, 1);
    const relayRates: number[] = [];
    const bareRates: number[] = [];
    // Each side's CPU per request over all its rounds (the emulator's share on the relay's side is delivery).
    const used = { relay: { own: 0, emulator: 0, loader: 0, requests: 0 }, bare: { own: 0, emulator: 0, loader: 0, requests: 0 } };
    const timed = async (t: typeof relayT, pids: number[], rates: number[], sum: CpuSide & { requests: number }) => {
      const meter = cpuMeter(emu, pids);
      const { rate, requests } = await pass(t, E_SECONDS);
      const cpu = meter.perUnit(1);
      rates.push(rate);
      sum.own += cpu.own;
      sum.emulator += cpu.emulator;
      sum.loader += cpu.loader;
      sum.requests += requests;
    };
    for (let r = 0; r < E_ROUNDS; r++) {
      await timed(relayT, set.relays.map((p) => p.pid), relayRates, used.relay);
      await timed(bareT, bares.map((b) => b.pid), bareRates, used.bare);
      // The emulator keeps what it receives: keep its memory bounded between rounds.
      await emu.reset();
    }
    const perRequest = (u: CpuSide & { requests: number }): CpuSide => ({ own: u.own / u.requests, emulator: u.emulator / u.requests, loader: u.loader / u.requests });
    return { relay: median(relayRates), bare: median(bareRates), eventsPerCommit: await eventsPerCommit(set.urls), relayCpu: perRequest(used.relay), bareCpu: perRequest(used.bare) };
  } finally {
    await relayT.close();
    await bareT.close();
    await Promise.all(bares.map((b) => b.stop()));
    await set.stop();
  }
}

/** Mean events per committed ingest transaction over the relays' lives, from their /metrics (group commit at work). */
async function eventsPerCommit(urls: string[]): Promise<number> {
  let sum = 0;
  let count = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    sum += read('capi_relay_ingest_events_per_commit_sum');
    count += read('capi_relay_ingest_events_per_commit_count');
  }
  return sum / count;
}

async function oneEvent(emu: EmulatorProcess): Promise<void> {
  log(`(e) one-event requests, ${E_CONNECTIONS} connections, closed loop: relay vs bare Fastify route, ${E_ROUNDS} alternating rounds of ${E_SECONDS} s`);
  const { relay, bare, eventsPerCommit: perCommit, relayCpu, bareCpu } = await oneEventVsBare(emu, {});
  log(`    relay ${fmt(relay)} requests/s (${fmt(perCommit, 1)} events per commit), bare route ${fmt(bare)} requests/s`);
  rows.push(
    { part: 'e', metric: 'relay: one-event requests answered (events/s)', value: fmt(relay), target: '' },
    { part: 'e', metric: 'bare Fastify route: JSON parsed, 202 (requests/s)', value: fmt(bare), target: '' },
    { part: 'e', metric: 'ratio relay / bare route', value: fmt(relay / bare, 2), target: '≥ 0.5', release: '(e) relay / bare' },
    { part: 'e', metric: 'relay: events per ingest commit, mean (capi_relay_ingest_events_per_commit)', value: Number.isFinite(perCommit) ? fmt(perCommit, 1) : '1 (no group commit)', target: '' },
    ...cpuRows('e', 'request', { name: 'relay', side: relayCpu }, { name: 'bare route', side: bareCpu }, bare),
  );
}

async function walBytes(emu: EmulatorProcess): Promise<void> {
  log(`(w) WAL bytes per one-event request: ${fmt(WAL_REQUESTS)} requests, ${E_CONNECTIONS} connections, delivery off`);
  // Delivery off: the figure is the ingest path's own writes (claims and acks would add theirs).
  const set = await freshRelays(emu, { extra: { CAPI_RELAY_DELIVERY_ENABLED: 'false' } });
  const t = target(set.urls, set.key, E_CONNECTIONS);
  try {
    await closedLoop(t, oneEventBody('w-warm', nowSec()), { connections: E_CONNECTIONS, seconds: 60, limit: 300 });
    const wal = await walPerRequest(set.dataDir, t, oneEventBody('w', nowSec()), WAL_REQUESTS, E_CONNECTIONS);
    log(`    ${fmt(wal.bytes / 1024, 1)} KB (${fmt(wal.frames, 1)} frames of ${wal.pageSize} B) per request`);
    rows.push(
      { part: 'w', metric: 'WAL written per one-event request, 32 concurrent (KB)', value: fmt(wal.bytes / 1024, 1), target: '≤ 13 (5× under ~65)', release: '(w) WAL KB/event' },
      { part: 'w', metric: `WAL frames (pages of ${wal.pageSize} B) per one-event request`, value: fmt(wal.frames, 2), target: '' },
    );
  } finally {
    await t.close();
    await set.stop();
  }
}

async function postgresParts(emu: EmulatorProcess): Promise<void> {
  log(`(f) PostgreSQL: (a) end-to-end with ${fmt(N)} events and (e) one-event requests, one node and two`);
  await emu.reset();
  const t1 = performance.now();
  await sdkSend(emu.url, PIXEL, TOKEN, events('f-sdk', N), CLIENTS);
  const sdkRate = N / ((performance.now() - t1) / 1000);
  log(`    SDK: ${fmt(sdkRate)} events/s`);
  rows.push({ part: 'f', metric: 'SDK: build + POST to emulator (events/s)', value: fmt(sdkRate), target: '' });
  for (const nodes of [1, 2]) {
    const label = nodes === 1 ? 'one node' : 'two nodes';
    const set = await freshRelays(emu, { postgres: true, nodes });
    let relayRate: number;
    try {
      relayRate = (await endToEnd(emu, set.urls, set.key, `f${nodes}`)).rate;
    } finally {
      await set.stop();
    }
    log(`    (a) ${label}: relay ${fmt(relayRate)} events/s`);
    const e = await oneEventVsBare(emu, { postgres: true, nodes });
    log(`    (e) ${label}: relay ${fmt(e.relay)} requests/s (${fmt(e.eventsPerCommit, 1)} events per commit), bare route ${fmt(e.bare)} requests/s`);
    rows.push(
      { part: 'f', metric: `(a) ${label}: relay ingest → delivered (events/s)`, value: fmt(relayRate), target: '' },
      { part: 'f', metric: `(a) ${label}: ratio relay / SDK`, value: fmt(relayRate / sdkRate, 2), target: '' },
      { part: 'f', metric: `(e) ${label}: relay one-event requests (events/s)`, value: fmt(e.relay), target: '' },
      { part: 'f', metric: `(e) ${label}: bare route${nodes > 1 ? ' (two processes)' : ''} (requests/s)`, value: fmt(e.bare), target: '' },
      { part: 'f', metric: `(e) ${label}: ratio relay / bare route`, value: fmt(e.relay / e.bare, 2), target: '' },
      { part: 'f', metric: `(e) ${label}: events per ingest commit, mean`, value: fmt(e.eventsPerCommit, 1), target: '' },
      { part: 'f', metric: `(e) ${label}: relay CPU µs per request (${nodes > 1 ? "the relays' Node processes" : "the relay's Node process"}, not PostgreSQL's)`, value: fmt(e.relayCpu.own, 1), target: '' },
    );
  }
}

/**
 * Builds a backlog of BACKLOG events without timing ingest: BACKLOG_SEED events go through HTTP to a relay with
 * delivery off (so they are stored exactly as ingest stores them), then the relay stops and the bench copies
 * them in SQL, each copy with new seqs, row ids and event ids, until the log holds BACKLOG queued events that no
 * pixel has claimed. Building 1,000,000 through HTTP took ~1,000 s of the run and measured ingest, not delivery.
 */
function copySeed(dataDir: string, seed: number, total: number): void {
  const sqlite = new Database(join(dataDir, 'capi-relay.sqlite'), { timeout: 30_000 });
  try {
    const cols = (table: string) => (sqlite.prepare(`pragma table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    const eventCols = cols('events');
    // Each copy's keys start with its number, so copy k appends to the end of every text index instead of
    // landing between the seed's keys (which made building 1,000,000 several times slower).
    const tag = "'z' || printf('%05d', @k) || '-' || ";
    const expr: Record<string, string> = {
      id: `${tag}id`,
      seq: 'seq + @k * @seed',
      event_id: `${tag}event_id`,
      order_id: `case when order_id is null then null else ${tag}order_id end`,
      payload: `replace(payload, '"event_id":"' || event_id || '"', '"event_id":"' || ${tag}event_id || '"')`,
    };
    const copyEvents = sqlite.prepare(`insert into events (${eventCols.join(', ')}) select ${eventCols.map((c) => expr[c] ?? c).join(', ')} from events where seq <= @seed`);
    const clearCols = cols('event_clear_fields');
    const copyClear = sqlite.prepare(`insert into event_clear_fields (${clearCols.join(', ')}) select ${clearCols.map((c) => (c === 'seq' ? 'seq + @k * @seed' : c)).join(', ')} from event_clear_fields where seq <= @seed`);
    // One transaction per copy: one for all of them grew the WAL past a gigabyte before its checkpoint. A crash
    // here only loses the bench's scratch database, so no fsync.
    sqlite.pragma('synchronous = OFF');
    sqlite.pragma('cache_size = -262144');
    const copy = sqlite.transaction((k: number) => {
      copyEvents.run({ k, seed });
      copyClear.run({ k, seed });
    });
    for (let k = 1; k * seed < total; k++) copy(k);
    sqlite.prepare('update tenant_sequences set next_seq = (select max(seq) + 1 from events)').run();
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const count = (sqlite.prepare("select count(*) as n from events where status = 'queued'").get() as { n: number }).n;
    if (count !== total) throw new Error(`backlog holds ${count} queued events, not ${total}`);
  } finally {
    sqlite.close();
  }
}

async function backlog(emu: EmulatorProcess): Promise<void> {
  const seed = Math.min(BACKLOG_SEED, BACKLOG);
  if (BACKLOG % seed !== 0) throw new Error(`BENCH_BACKLOG (${BACKLOG}) must be a multiple of the seed (${seed})`);
  log(`(c) backlog: ${fmt(seed)} events ingested with delivery off, copied in SQL to ${fmt(BACKLOG)}, then a relay drains them`);
  const dataDir = mkdtempSync(join(tmpdir(), 'capi-relay-bench-'));
  const env = relayEnv({ dataDir, encryptionKey: TEST_ENCRYPTION_KEY, graphUrl: emu.url });
  let relay: RelayProcess | null = null;
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      if (relay) peak = Math.max(peak, rssMb(relay.pid).rss);
    } catch {
      /* process gone */
    }
  }, 200);
  try {
    const { ingestKey } = await createTenantWithPixel(env, PIXEL, TOKEN);
    const t0 = performance.now();
    const seeder = await startRelayProcess({ ...env, CAPI_RELAY_DELIVERY_ENABLED: 'false' }, { built: true });
    try {
      await load(seeder.url, ingestKey, events('c', seed), CLIENTS);
    } finally {
      await seeder.stop();
    }
    copySeed(dataDir, seed, BACKLOG);
    const buildMs = performance.now() - t0;
    log(`    backlog built in ${fmt(buildMs / 1000, 1)} s`);
    await emu.reset();
    const t1 = performance.now();
    relay = await startRelayProcess(env, { built: true, nodeArgs: relayNodeArgs() });
    const drainer = relay;
    let lastLog = Date.now();
    let lastCount = 0;
    const ok = await until(async () => {
      lastCount = await emu.acceptedTotal();
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`    drained ${fmt(lastCount)}, RSS ${fmt(rssMb(drainer.pid).rss)} MB`);
      }
      return lastCount >= BACKLOG;
    }, 420_000, 200);
    const drainMs = performance.now() - t1;
    const peakAll = Math.max(peak, rssMb(drainer.pid).peak);
    log(`    drain ${ok ? 'done' : 'INCOMPLETE'}: ${fmt(lastCount)} in ${fmt(drainMs / 1000, 1)} s (from the relay's start); peak RSS ${fmt(peakAll)} MB`);
    rows.push(
      { part: 'c', metric: `backlog size (events; ${fmt(seed)} ingested, the rest copied in SQL: ${fmt(buildMs / 1000, 0)} s)`, value: fmt(BACKLOG), target: '1,000,000' },
      { part: 'c', metric: 'relay peak RSS while draining (MB)', value: fmt(peakAll), target: '≤ 200', release: '(c) peak RSS MB' },
      { part: 'c', metric: `drain rate (events/s)${ok ? '' : ' — INCOMPLETE'}`, value: fmt(lastCount / (drainMs / 1000)) + (ok ? '' : ' (incomplete)'), target: '≥ 50,000', release: '(c) drain events/s' },
    );
  } finally {
    clearInterval(sampler);
    await relay?.stop(60_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function transformVsSdk(): void {
  log(`(d) transform alone vs SDK build: ${fmt(TRANSFORM_N)} events`);
  const list = events('d', TRANSFORM_N);
  const inputs = list.map(commerceEvent);
  const run = () => {
    const now = Date.now();
    let bytes = 0;
    for (const input of inputs) {
      const r = transformEvent(input, defaultPolicy, { now });
      if (r.kind !== 'send') throw new Error(`transform did not send: ${JSON.stringify(r).slice(0, 200)}`);
      bytes += JSON.stringify(r.event).length;
    }
    return bytes;
  };
  // Both warmed by a first pass, then measured in alternating rounds (ours, SDK, ours, …) and each side's median
  // kept: on a shared 2-core machine a single pass swung the ratio between 1.2 and 3.4 with the load around it.
  run();
  sdkBuildAll(list);
  const rate = (fn: () => unknown) => {
    const t = performance.now();
    fn();
    return TRANSFORM_N / ((performance.now() - t) / 1000);
  };
  // The two steps no transform can skip, timed alone: SHA-256 of the normalized e-mail and phone, and serializing
  // the finished event. Their rate bounds what any validating transform could reach on this machine.
  const now = Date.now();
  const built = inputs.map((input) => {
    const r = transformEvent(input, defaultPolicy, { now });
    if (r.kind !== 'send') throw new Error('transform did not send');
    return r.event;
  });
  const plain = list.map((e) => [e.email.trim().toLowerCase(), `1${e.phone.replace(/\D/g, '')}`] as const);
  const hashAndSerialize = () => {
    let bytes = 0;
    for (let i = 0; i < built.length; i++) {
      const [em, ph] = plain[i]!;
      bytes += sha256Hex(em).length + sha256Hex(ph).length + JSON.stringify(built[i]).length;
    }
    return bytes;
  };
  hashAndSerialize();
  const oursRates: number[] = [];
  const theirsRates: number[] = [];
  const floorRates: number[] = [];
  for (let round = 0; round < TRANSFORM_ROUNDS; round++) {
    oursRates.push(rate(run));
    theirsRates.push(rate(() => sdkBuildAll(list)));
    floorRates.push(rate(hashAndSerialize));
  }
  const ours = median(oursRates);
  transformRate = ours;
  const theirs = median(theirsRates);
  const floor = median(floorRates);
  log(`    transform ${fmt(ours)} events/s, SDK ${fmt(theirs)} events/s, hash + serialize alone ${fmt(floor)} events/s`);
  rows.push(
    { part: 'd', metric: 'transform + JSON (events/s)', value: fmt(ours), target: '', release: '(d) transform events/s' },
    { part: 'd', metric: 'SDK ServerEvent + normalize + JSON (events/s)', value: fmt(theirs), target: '', release: '(d) SDK events/s' },
    { part: 'd', metric: 'ratio transform / SDK', value: fmt(ours / theirs, 2), target: '≥ 3.0', release: '(d) transform / SDK' },
    { part: 'd', metric: 'floor: 2 SHA-256 + JSON.stringify of the built event, nothing else (events/s)', value: fmt(floor), target: '' },
    { part: 'd', metric: 'ratio floor / SDK (no validation, normalization, mapping, privacy or gates)', value: fmt(floor / theirs, 2), target: '' },
  );
}

function machine(): string {
  const free = execSync('free -h').toString().trimEnd();
  return `- CPU: ${cpus().length} cores (\`nproc\` = ${execSync('nproc').toString().trim()}), ${cpus()[0]?.model ?? 'unknown'}\n` +
    `- memory: ${fmt(totalmem() / 2 ** 30, 1)} GiB\n- Node.js ${process.version}, SQLite (better-sqlite3), relay and emulator as separate processes on the same machine\n\n\`\`\`\n$ free -h\n${free}\n\`\`\``;
}

function table(): string {
  return ['| part | metric | measured | target |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.part} | ${r.metric} | ${r.value} | ${r.target} |`)].join('\n');
}

const started = Date.now();
// The 1-minute load average, sampled through the run: the machine is shared, and the figures move with its load.
const loads = [loadavg()[0] ?? NaN];
const loadSampler = setInterval(() => loads.push(loadavg()[0] ?? NaN), 15_000).unref();
const ALL_PARTS = 'dabcewf';
/** `npm run bench -- --only e,b` or BENCH_ONLY=eb: the parts to run (all by default). */
function partsToRun(): string[] {
  const i = process.argv.indexOf('--only');
  const arg = i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const chosen = (arg ?? process.env.BENCH_ONLY ?? ALL_PARTS).replace(/[\s,]/g, '').split('');
  const unknown = chosen.filter((p) => !ALL_PARTS.includes(p));
  if (unknown.length > 0) throw new Error(`unknown bench part(s) ${unknown.join(', ')}: the parts are ${ALL_PARTS.split('').join(', ')}`);
  return chosen;
}
const only = partsToRun();
if (only.some((p) => 'abcewf'.includes(p))) {
  // The relay is measured as it ships (`npm start` runs dist/), so build the current sources first.
  log('building dist/ (tsc)');
  execSync('npx tsc -p tsconfig.build.json', { stdio: 'inherit' });
}
const emu = await startEmulatorProcess();
try {
  if (only.includes('d')) transformVsSdk();
  if (only.includes('a')) await throughput(emu);
  if (only.includes('b')) await latencies(emu);
  if (only.includes('e')) await oneEvent(emu);
  if (only.includes('w')) await walBytes(emu);
  if (only.includes('f')) await postgresParts(emu);
  if (only.includes('c')) await backlog(emu);
} finally {
  emu.stop();
}
const md = table();
process.stdout.write(`\n${md}\n\ntotal ${fmt((Date.now() - started) / 1000, 0)} s\n`);
clearInterval(loadSampler);
loads.push(loadavg()[0] ?? NaN);
const machineLoad = `${fmt(loads.reduce((a, b) => a + b, 0) / loads.length, 1)} (${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)})`;
log(`machine load (1 min) over the run: ${machineLoad}`);
if (process.env.BENCH_WRITE_DOC !== '0') {
  const { keptResultRows, releaseTable, renderDoc } = await import('./doc.js');
  const DOC = 'docs/benchmarks.md';
  const previousPage = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const order = (line: string) => ALL_PARTS.indexOf(line.slice(2, 3));
  const merged = [...md.split('\n').slice(2), ...keptResultRows(previousPage, only)].sort((x, y) => order(x) - order(y));
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const cells = Object.fromEntries(rows.flatMap((r) => (r.release ? [[r.release, r.value]] : [])));
  const releases = releaseTable(previousPage, { node: process.version, date, load: machineLoad, cells });
  const fullTable = [...md.split('\n').slice(0, 2), ...merged].join('\n');
  writeFileSync(DOC, renderDoc({ machine: machine(), table: fullTable, releases, date, sizes: { N, STEADY_S, BACKLOG, TRANSFORM_N, E_SECONDS, E_ROUNDS, WAL_REQUESTS } }));
  log('wrote docs/benchmarks.md');
}
