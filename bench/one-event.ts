/**
 * One-event requests, as real stores send them (every webhook, every snippet beacon): a closed loop of N
 * connections, an open loop at a fixed request rate, the bare-route baseline process, and the WAL bytes a
 * one-event request costs on SQLite.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { benchEvent, commerceEvent, sleep } from './harness.js';
import type { BenchEvent } from './sdk.js';
import { SERVE_ENV, SERVE_NODE_FLAGS } from '../test/helpers/processes.js';

export interface BareRoute {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts bench/bare-route.ts (the project's Fastify, JSON parsing, a 202) in its own process, with the relay's V8 flags and environment. */
export async function startBareRoute(): Promise<BareRoute> {
  const child = spawn(process.execPath, [...SERVE_NODE_FLAGS, '--import', 'tsx', 'bench/bare-route.ts'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...SERVE_ENV } });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`bare route exited ${String(c)}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url,
    pid: child.pid ?? -1,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The i-th one-event request body of a run: event ids `prefix-i`, so every request is a new event. */
export function oneEventBody(prefix: string, nowSec: number): (i: number) => string {
  return (i) => JSON.stringify({ events: [commerceEvent(benchEvent(`${prefix}-${i}`, nowSec))] });
}

export interface Target {
  pools: Pool[];
  key: string;
  close(): Promise<void>;
}

/** Keep-alive pools to one or more nodes, `connections` in all, spread evenly. */
export function target(urls: string[], key: string, connections: number): Target {
  const per = Math.max(1, Math.ceil(connections / urls.length));
  const pools = urls.map((u) => new Pool(u, { connections: per, pipelining: 1 }));
  return { pools, key, close: async () => void (await Promise.all(pools.map((p) => p.close()))) };
}

async function postOne(pool: Pool, key: string, body: string): Promise<void> {
  const res = await pool.request({
    path: '/v1/events',
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
  const text = await res.body.text();
  if (res.statusCode !== 202 || !text.includes('"accepted"')) throw new Error(`ingest answered ${res.statusCode}: ${text.slice(0, 300)}`);
}

/**
 * Closed loop: `connections` callers, each sending its next one-event request (`bodyOf(i)`, the i-th overall) when
 * the last is answered, until `seconds` pass or `limit` requests were sent. Returns requests answered per second.
 */
export async function closedLoop(t: Target, bodyOf: (i: number) => string, opts: { connections: number; seconds: number; limit?: number }): Promise<{ requests: number; rate: number }> {
  let next = 0;
  let done = 0;
  const limit = opts.limit ?? Infinity;
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  const caller = async (c: number) => {
    const pool = t.pools[c % t.pools.length] as Pool;
    while (performance.now() < deadline && next < limit) {
      await postOne(pool, t.key, bodyOf(next++));
      done++;
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, (_, c) => caller(c)));
  return { requests: done, rate: done / ((performance.now() - t0) / 1000) };
}

/**
 * Open loop: one-event requests leave on schedule (`rate` per second, in ticks of 5 ms) whether or not earlier
 * ones were answered; `onAnswer` gets each event_id and when its 202 arrived.
 */
export async function openLoop(t: Target, events: BenchEvent[], rate: number, onAnswer: (id: string, at: number) => void, bodyOf: (e: BenchEvent) => unknown = commerceEvent): Promise<void> {
  const tickMs = 5;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const start = Date.now();
  const pending: Promise<void>[] = [];
  let k = 0;
  for (let i = 0; i < events.length; i += perTick) {
    const due = start + (i / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    for (const e of events.slice(i, i + perTick)) {
      const pool = t.pools[k++ % t.pools.length] as Pool;
      pending.push(postOne(pool, t.key, JSON.stringify({ events: [bodyOf(e)] })).then(() => onAnswer(e.id, Date.now())));
    }
  }
  await Promise.all(pending);
}

/**
 * WAL bytes written per one-event request on SQLite. A read transaction held open on the relay's database keeps
 * every checkpoint from restarting the WAL, so the -wal file only grows: its growth over `bodies.length` requests
 * is every frame the relay wrote for them (each frame a page plus a 24-byte header).
 */
export async function walPerRequest(dataDir: string, t: Target, bodyOf: (i: number) => string, requests: number, connections: number): Promise<{ bytes: number; frames: number; pageSize: number }> {
  const file = join(dataDir, 'capi-relay.sqlite');
  const reader = new Database(file, { readonly: true });
  try {
    const pageSize = Number(reader.pragma('page_size', { simple: true }));
    reader.exec('begin');
    reader.prepare('select count(*) from tenants').get();
    const before = statSync(`${file}-wal`).size;
    const { requests: sent } = await closedLoop(t, bodyOf, { connections, seconds: 3600, limit: requests });
    const grown = statSync(`${file}-wal`).size - before;
    reader.exec('commit');
    return { bytes: grown / sent, frames: grown / (pageSize + 24) / sent, pageSize };
  } finally {
    reader.close();
  }
}
