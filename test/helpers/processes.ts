import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestDatabase } from './databases.js';

/**
 * Real `capi-relay serve` child processes, for tests and benchmarks that need what an in-process relay
 * cannot give: a SIGKILL mid-batch, several nodes on one database, the relay's own RSS.
 */
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const run = promisify(execFile);

/** The test encryption key (helpers/relay.ts's ENCRYPTION_KEY), kept here so process tests do not load the relay in-process. */
export const TEST_ENCRYPTION_KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

/**
 * The V8 flags the shipped relay runs with (`npm start` and the `capi-relay` shebang; test/integration/runtime-flags.test.ts
 * keeps the three in step). A 4 MB young generation cuts the relay's peak RSS by ~30 MB under load, at the same
 * drain rate; letting the heap grow by 40 % of what is live after a full collection (V8 allows up to 4×) keeps a
 * draining relay near 195 MB instead of ~280 (docs/benchmarks.md).
 */
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=40'];

/**
 * The environment the shipped relay sets for itself, beside its flags (the same three places). At most two malloc
 * arenas: glibc otherwise gives each of V8's and libuv's threads an arena of its own, ~20 MB of a draining relay's
 * RSS in partly used arenas, ~10 MB of it saved at the same drain rate (docs/benchmarks.md). Only glibc reads it.
 */
export const SERVE_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** `NAME=value …` of SERVE_ENV, as the start script and the shebang write it. */
export const SERVE_ENV_PREFIX = Object.entries(SERVE_ENV).map(([name, value]) => `${name}=${value}`).join(' ');

export interface RelayProcess {
  url: string;
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string | null>;
  /** Everything written to stdout/stderr so far (for failure messages). */
  output(): string;
  /** SIGKILL: no shutdown path runs, like a crashed machine. */
  kill(): Promise<void>;
  /** SIGTERM and wait (graceful shutdown), SIGKILL if it takes longer than `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The relay's environment from a test database: every setting a child needs, nothing inherited by surprise. */
export function relayEnv(settings: { databaseUrl?: string; dataDir: string; encryptionKey: string; graphUrl?: string; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CAPI_RELAY_DATA_DIR: settings.dataDir, CAPI_RELAY_ENCRYPTION_KEY: settings.encryptionKey, CAPI_RELAY_LOG_LEVEL: 'warn' };
  // A leftover variable from the developer's shell must not point a SQLite test at PostgreSQL.
  delete env.CAPI_RELAY_DATABASE_URL;
  if (settings.databaseUrl) env.CAPI_RELAY_DATABASE_URL = settings.databaseUrl;
  if (settings.graphUrl) env.CAPI_RELAY_GRAPH_URL = settings.graphUrl;
  return { ...env, ...settings.extra };
}

/**
 * The CLI's (or a `serve` child's) environment on the store of a test database (a test relay's `t.db`, so the
 * CLI and the relay share it), with the test encryption key: relayEnv from the database's settings.
 */
export function cliEnv(db: TestDatabase, settings: { graphUrl?: string; extra?: Record<string, string> } = {}): NodeJS.ProcessEnv {
  return relayEnv({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, encryptionKey: TEST_ENCRYPTION_KEY, ...settings });
}

/** Runs a CLI command (tenants create …) to completion and returns its stdout. */
export async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...CLI, ...args], { env });
  return stdout;
}

export interface CliOutcome {
  /** The exit code (null when a signal ended it). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI command that may fail, with `input` on its stdin; resolves with its exit code and output, whatever they are.
 * With `timeoutMs`, a command still running then is killed (SIGKILL, code null): a `serve` expected to refuse its
 * configuration must not outlive the test when it starts after all.
 */
export function runCli(env: NodeJS.ProcessEnv, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Creates a tenant and one pixel through the CLI; returns the ingest key and pixel row id. */
export async function createTenantWithPixel(env: NodeJS.ProcessEnv, pixelId: string, token: string): Promise<{ tenantId: string; ingestKey: string; pixelRowId: string }> {
  // `tenants create` opens the store with migrations applied, so a fresh database needs no `migrate` first.
  const tenant = JSON.parse(await cli(env, 'tenants', 'create', '--name', 'Bench Store', '--json')) as { id: string; ingestKey: string };
  const pixel = JSON.parse(await cli(env, 'pixels', 'add', '--tenant', tenant.id, '--pixel-id', pixelId, '--token', token, '--json')) as { id: string };
  return { tenantId: tenant.id, ingestKey: tenant.ingestKey, pixelRowId: pixel.id };
}

/** Starts `serve` on a free port and resolves once it logs its URL (bounded by `timeoutMs`). */
export async function startRelayProcess(
  env: NodeJS.ProcessEnv,
  opts: { timeoutMs?: number; nodeArgs?: string[]; /** Run the built dist/ (as `npm start` does) rather than the sources through tsx. */ built?: boolean } = {},
): Promise<RelayProcess> {
  // The V8 flags the relay ships with (npm start, the bin's shebang), from the sources too: memory figures
  // measured on a child are those of the relay as it runs.
  const entry = [...SERVE_NODE_FLAGS, ...(opts.built ? ['dist/cli/main.js'] : CLI)];
  // Info level is needed for the "listening" line that carries the URL.
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, 'serve', '--port', '0', '--host', '127.0.0.1'], {
    env: { ...env, ...SERVE_ENV, CAPI_RELAY_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Keep only the tail: a long benchmark must not grow this string without bound.
  const append = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay did not start within ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    const check = () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (${String(code)}) before listening: ${out}`));
    });
  });
  const pid = child.pid ?? -1;
  return {
    url,
    child,
    pid,
    exited,
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A commerce-shaped purchase the relay accepts; `id` becomes the event_id. */
export function purchase(id: string, nowSec = Math.floor(Date.now() / 1000)) {
  return {
    event: 'purchase',
    event_id: id,
    timestamp: nowSec - 5,
    url: 'https://shop.example.com/thanks',
    value: 42.5,
    currency: 'USD',
    order_id: id,
    user: { email: `buyer-${id}@example.com`, ip: '203.0.113.9', user_agent: 'Mozilla/5.0', fbp: 'fb.1.1596403881668.1116446470' },
  };
}

/** POSTs one batch to /v1/events; returns the event_ids answered `accepted` (throws on a non-202). */
export async function postEvents(url: string, ingestKey: string, events: unknown[], signal?: AbortSignal): Promise<string[]> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
    signal,
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { results: { event_id: string | null; status: string; code?: string }[] };
  return body.results.filter((r) => r.status === 'accepted' && !r.code && r.event_id).map((r) => r.event_id as string);
}

/** Polls `check` until it returns true, bounded by `timeoutMs`; the error carries `describe()`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => Promise<string> | string, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
