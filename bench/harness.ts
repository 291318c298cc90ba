/**
 * Benchmark plumbing: the emulator process and its control API, relay processes, a batch loader, RSS sampling.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import type { BenchEvent } from './sdk.js';

export const PIXEL = '555555555555';
export const TOKEN = 'tok-bench';

/** Same fields for the relay (commerce shape) and for the SDK (BenchEvent). */
export function benchEvent(id: string, nowSec: number): BenchEvent {
  const n = id.length + id.charCodeAt(id.length - 1);
  return { id, email: ` Buyer.${id}@Example.com `, phone: `(650) 555-${String(1000 + (n % 9000))}`, value: 10 + (n % 90), timeSec: nowSec - 5 };
}

export function commerceEvent(e: BenchEvent) {
  return {
    event: 'purchase',
    event_id: e.id,
    timestamp: e.timeSec,
    url: 'https://shop.example.com/thanks',
    value: e.value,
    currency: 'USD',
    order_id: e.id,
    user: { email: e.email, phone: e.phone, ip: '203.0.113.9', user_agent: 'Mozilla/5.0', fbp: 'fb.1.1596403881668.1116446470' },
  };
}

export interface EmulatorProcess {
  url: string;
  pid: number;
  faults(f: object): Promise<void>;
  clearFaults(): Promise<void>;
  reset(): Promise<void>;
  acceptedTotal(): Promise<number>;
  events(): Promise<{ receivedAt: number; event: { event_id: string } }[]>;
  stop(): void;
}

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, body?: object): Promise<unknown> {
  const res = await request(url, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return res.body.json();
}

/** Starts bench/emulator-process.ts and wraps its control API. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/emulator-process.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`emulator exited ${String(c)}`)));
  });
  return {
    url,
    pid: child.pid ?? -1,
    faults: async (f) => void (await call('POST', `${url}/_emulator/faults`, f)),
    clearFaults: async () => void (await call('DELETE', `${url}/_emulator/faults`)),
    reset: async () => void (await call('DELETE', `${url}/_emulator/events`)),
    // A pixel id nothing is sent to: the answer carries the total without the event list.
    acceptedTotal: async () => ((await call('GET', `${url}/_emulator/events?pixel_id=0`)) as { accepted_total: number }).accepted_total,
    events: async () => ((await call('GET', `${url}/_emulator/events?pixel_id=${PIXEL}`)) as { events: { receivedAt: number; event: { event_id: string } }[] }).events,
    stop: () => child.kill('SIGTERM'),
  };
}

/** Posts events in batches of `batch` with `clients` concurrent undici clients; calls onAnswer per batch. */
export async function load(url: string, key: string, events: BenchEvent[], clients: number, batch = 1000, onAnswer?: (ids: string[], at: number) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const part = events.slice(next, next + batch);
      next += batch;
      await postBatch(url, key, part, onAnswer);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
}

export async function postBatch(url: string, key: string, part: BenchEvent[], onAnswer?: (ids: string[], at: number) => void): Promise<void> {
  const res = await request(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events: part.map(commerceEvent) }),
  });
  const body = (await res.body.json()) as { results?: { status: string }[] };
  const at = Date.now();
  if (res.statusCode !== 202 || !body.results?.every((r) => r.status === 'accepted')) {
    throw new Error(`ingest answered ${res.statusCode}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  onAnswer?.(part.map((e) => e.id), at);
}

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** User + system CPU time a process has used so far, in µs (Linux /proc; 10 ms resolution). */
export function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** This process's own user + system CPU time so far, in µs. */
export function ownCpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Current and peak resident set size of a process, in MB (Linux /proc). */
export function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Polls until `check` is true or `timeoutMs` passes; returns whether it became true. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Milliseconds `run` takes: the median of `runs` timed calls, after one untimed call to warm it up. */
export async function medianMs(run: () => Promise<unknown>, runs: number): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The value after `--name` on this script's command line (`npx tsx bench/x.ts --events 50000`), else `fallback`. */
export function cliFlag(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
