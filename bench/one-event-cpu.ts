/**
 * `npx tsx bench/one-event-cpu.ts`: CPU time per one-event request, relay and bare route, read from
 * /proc/<pid>/stat (user + system) around a closed loop of BENCH_CPU_REQUESTS requests over 32 connections.
 * Unlike (e)'s requests per second, CPU per request hardly moves with the load other processes put on a shared
 * machine, so it shows what a change to the request path saves. BENCH_PROFILE=DIR also writes the relay's V8
 * CPU profile there; BENCH_CPU_DELIVERY=false runs the relay with delivery off (the ingest path alone);
 * BENCH_CPU_POSTGRES=1 runs it on a fresh PostgreSQL schema.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createTenantWithPixel, relayEnv, startRelayProcess, TEST_ENCRYPTION_KEY } from '../test/helpers/processes.js';
import { cpuUs, PIXEL, startEmulatorProcess, TOKEN } from './harness.js';
import { closedLoop, oneEventBody, startBareRoute, target } from './one-event.js';

const REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? 20_000);
const CONNECTIONS = 32;

async function measure(pid: number, url: string, key: string, prefix: string): Promise<{ cpuUsPerRequest: number; rate: number }> {
  const t = target([url], key, CONNECTIONS);
  try {
    await closedLoop(t, oneEventBody(`${prefix}-warm`, Math.floor(Date.now() / 1000)), { connections: CONNECTIONS, seconds: 60, limit: 3000 });
    const before = cpuUs(pid);
    const { requests, rate } = await closedLoop(t, oneEventBody(prefix, Math.floor(Date.now() / 1000)), { connections: CONNECTIONS, seconds: 600, limit: REQUESTS });
    return { cpuUsPerRequest: (cpuUs(pid) - before) / requests, rate };
  } finally {
    await t.close();
  }
}

const pgUrl = process.env.CAPI_RELAY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = async (q: string) => {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
};

const emu = await startEmulatorProcess();
const dataDir = mkdtempSync(join(tmpdir(), 'capi-relay-cpu-'));
const schema = process.env.BENCH_CPU_POSTGRES === '1' ? `bench_${randomBytes(6).toString('hex')}` : null;
let databaseUrl: string | undefined;
if (schema) {
  await admin(`create schema ${schema}`);
  const u = new URL(pgUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  databaseUrl = u.toString();
}
const env = relayEnv({ dataDir, encryptionKey: TEST_ENCRYPTION_KEY, graphUrl: emu.url, ...(databaseUrl ? { databaseUrl } : {}), extra: { CAPI_RELAY_DELIVERY_ENABLED: process.env.BENCH_CPU_DELIVERY ?? 'true' } });
const { ingestKey } = await createTenantWithPixel(env, PIXEL, TOKEN);
const prof = process.env.BENCH_PROFILE;
const relay = await startRelayProcess(env, { built: true, ...(prof ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', prof] } : {}) });
const bare = await startBareRoute();
try {
  const r = await measure(relay.pid, relay.url, ingestKey, 'cpu');
  const b = await measure(bare.pid, bare.url, 'bare', 'bare');
  const f = (n: number) => n.toFixed(0);
  process.stdout.write(`${JSON.stringify({ requests: REQUESTS, relayCpuUs: Number(r.cpuUsPerRequest.toFixed(1)), bareCpuUs: Number(b.cpuUsPerRequest.toFixed(1)), cpuRatio: Number((b.cpuUsPerRequest / r.cpuUsPerRequest).toFixed(3)), relayRate: f(r.rate), bareRate: f(b.rate) })}\n`);
} finally {
  await bare.stop();
  await relay.stop();
  emu.stop();
  if (schema) await admin(`drop schema ${schema} cascade`);
  rmSync(dataDir, { recursive: true, force: true });
}
