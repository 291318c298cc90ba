import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { loadConfig, type ConfigInput } from '../../src/config/config.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';
import { createLogger } from '../../src/logger.js';
import { createRelay, type Relay } from '../../src/relay.js';
import type { steppedClock } from './clock.js';
import type { Dialect, TestDatabase } from './databases.js';
import { startEmulator } from './emulator.js';
import { TEST_ENCRYPTION_KEY } from './processes.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ENCRYPTION_KEY = TEST_ENCRYPTION_KEY;
/** The admin API's Authorization header. */
export const ADMIN_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${ADMIN_TOKEN}` };

export interface TestRelay {
  relay: Relay;
  db: TestDatabase;
  logs: string[];
  close(): Promise<void>;
}

/** The test relay's settings on a test database: a free port, the test admin token and encryption key. */
function relayConfig(db: TestDatabase, overrides: Partial<ConfigInput>) {
  return loadConfig({
    flags: { port: 0, host: '127.0.0.1', dataDir: db.dataDir, databaseUrl: db.databaseUrl, adminToken: ADMIN_TOKEN, encryptionKey: ENCRYPTION_KEY, logLevel: 'debug', ...overrides },
  });
}

/** A relay on a fresh database of the dialect, with its log lines captured for assertions. */
export async function startTestRelay(dialect: Dialect, overrides: Partial<ConfigInput> = {}, clock?: () => number): Promise<TestRelay> {
  const db = await dialect.create();
  const config = relayConfig(db, overrides);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger: pino.Logger = createLogger('debug', sink);
  const relay = await createRelay(config, logger, clock);
  return {
    relay,
    db,
    logs,
    async close() {
      await relay.close();
      await db.cleanup();
    },
  };
}

/**
 * Another relay node on the database of a running test relay (`t.db`), as a second node behind a load
 * balancer: its own process state, the same store and keys. It logs nothing; the caller closes it (the
 * database stays the first relay's to clean up).
 */
export async function startRelayNode(db: TestDatabase, overrides: Partial<ConfigInput> = {}, clock?: () => number): Promise<Relay> {
  return createRelay(relayConfig(db, { logLevel: 'silent', ...overrides }), createLogger('silent'), clock);
}

export interface EmulatedRelay extends TestRelay {
  emulator: Emulator;
  graphUrl: string;
}

/**
 * A test relay (startTestRelay) that delivers to a Graph API emulator of its own on a free port;
 * `close()` stops the relay, removes its database and then stops the emulator.
 */
export async function startEmulatedRelay(
  dialect: Dialect,
  opts: { emulator?: EmulatorOptions; relay?: Partial<ConfigInput>; clock?: () => number } = {},
): Promise<EmulatedRelay> {
  const { emulator, graphUrl } = await startEmulator(opts.emulator);
  let t: TestRelay;
  try {
    t = await startTestRelay(dialect, { graphUrl, ...opts.relay }, opts.clock);
  } catch (err) {
    await emulator.close();
    throw err;
  }
  return {
    ...t,
    emulator,
    graphUrl,
    async close() {
      try {
        await t.close();
      } finally {
        await emulator.close();
      }
    },
  };
}

/** A tenant as the admin API creates it. */
export interface ApiTenant {
  id: string;
  ingestKey: string;
  publishableKey: string;
}

/** Creates a tenant through the admin API (POST /api/v1/tenants); throws unless it answers 201. */
export async function createTenantViaApi(t: Pick<TestRelay, 'relay'>, name: string): Promise<ApiTenant> {
  const res = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: ADMIN_HEADERS, payload: { name } });
  if (res.statusCode !== 201) throw new Error(`POST /api/v1/tenants answered ${res.statusCode}: ${res.body}`);
  return res.json<ApiTenant>();
}

/** Adds a pixel to a tenant through the admin API; throws unless it answers 201. Returns the pixel's row id. */
export async function addPixelViaApi(t: Pick<TestRelay, 'relay'>, tenantId: string, pixel: { pixelId: string; accessToken: string; graphVersion?: string }): Promise<string> {
  const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/pixels`, headers: ADMIN_HEADERS, payload: pixel });
  if (res.statusCode !== 201) throw new Error(`POST /api/v1/tenants/${tenantId}/pixels answered ${res.statusCode}: ${res.body}`);
  return res.json<{ id: string }>().id;
}

/** The CLI's environment on a test database's store; defined in helpers/processes.ts, which process tests import alone. */
export { cliEnv } from './processes.js';

/** What each test of a `useEmulatedStore` suite gets: the shared emulator, its own relay and its store. */
export interface EmulatedStore {
  emulator: Emulator;
  t: TestRelay;
  tenant: Awaited<ReturnType<Relay['tenants']['createTenant']>>;
}

/**
 * Registers the hooks of a suite in which one emulator (on `clock`) knows `pixels`, and every test gets a fresh
 * relay on `dialect` (with `opts.relay` settings) with one store holding all of them, unless `opts.addPixels` is
 * false (the store then starts with none); `use` receives each test's set before it runs. Each test starts with
 * the emulator's events and faults cleared.
 */
export function useEmulatedStore(
  dialect: Dialect,
  clock: ReturnType<typeof steppedClock>,
  pixels: Record<string, { name: string; tokens: string[] }>,
  use: (store: EmulatedStore) => void,
  opts: { relay?: Partial<ConfigInput>; addPixels?: boolean } = {},
): void {
  let emulator: Emulator;
  let graphUrl: string;
  let t: TestRelay | undefined;
  beforeAll(async () => {
    ({ emulator, graphUrl } = await startEmulator({ now: clock.now, pixels }));
  });
  afterAll(async () => emulator?.close());
  beforeEach(async () => {
    clock.set(Date.now());
    emulator.state.resetEvents();
    emulator.state.clearFaults();
    t = await startTestRelay(dialect, { graphUrl, graphVersion: 'v24.0', ...opts.relay }, clock.now);
    const tenant = await t.relay.tenants.createTenant('Store');
    if (opts.addPixels === false) return use({ emulator, t, tenant });
    for (const [pixelId, { tokens }] of Object.entries(pixels)) await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId, accessToken: tokens[0] as string });
    use({ emulator, t, tenant });
  });
  afterEach(async () => t?.close());
}
