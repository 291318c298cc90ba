/**
 * PostgreSQL connection loss, as a restart or failover makes it: the relay's backends are terminated
 * (pg_terminate_backend on its application_name) and, for a few seconds, the server is unreachable (a TCP
 * proxy between the relay and PostgreSQL refuses connections). The relay must not crash, must answer
 * ingest 503 storage_unavailable with Retry-After and /readyz 503 meanwhile, and must recover by itself:
 * every event answered accepted reaches Meta (the emulator), mid-ingest and mid-delivery alike. An address
 * that stops answering (the proxy holds every byte) must not hang /readyz: a load balancer needs its answer;
 * and a node that goes silent mid-transaction must not hold its locks, and so the other nodes, for long.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READINESS_DEADLINE_MS } from '../../src/services/storage.js';
import { PG_IDLE_IN_TRANSACTION_TIMEOUT_MS } from '../../src/store/database.js';
import { dialects, PG_BASE_URL, type Dialect } from '../helpers/databases.js';
import { postEvents, purchase, relayEnv, startRelayProcess, TEST_ENCRYPTION_KEY, waitUntil, type RelayProcess } from '../helpers/processes.js';
import { addPixelViaApi, createTenantViaApi, startEmulatedRelay, type ApiTenant, type EmulatedRelay } from '../helpers/relay.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const PIXEL = '555555555555';
const postgres = dialects.find((d) => d.name === 'postgres');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!postgres)('PostgreSQL connection loss', () => {
  let proxy: TcpProxy;
  let t: EmulatedRelay;
  let url: string;
  let tenant: ApiTenant;
  const appName = `capi-relay-test-${randomBytes(4).toString('hex')}`;

  /** The test database reached through the proxy, its sessions named appName. */
  const viaProxy: Dialect = {
    name: 'postgres',
    async create() {
      const db = await (postgres as Dialect).create();
      const u = new URL(db.databaseUrl as string);
      u.hostname = '127.0.0.1';
      u.port = String(proxy.port);
      u.searchParams.set('application_name', appName);
      return { ...db, databaseUrl: u.toString() };
    },
  };

  /** Terminates every session of this relay (and only this relay); resolves with how many there were. */
  async function terminateRelaySessions(): Promise<number> {
    const admin = new pg.Client({ connectionString: PG_BASE_URL });
    await admin.connect();
    try {
      const r = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [appName]);
      return r.rowCount ?? 0;
    } finally {
      await admin.end();
    }
  }

  async function readyz(signal?: AbortSignal): Promise<{ status: number; code?: string; message?: string }> {
    const res = await fetch(`${url}/readyz`, { signal });
    const body = (await res.json()) as { error?: { code: string; message: string } };
    return { status: res.status, ...(body.error ? { code: body.error.code, message: body.error.message } : {}) };
  }

  const received = () => new Set(t.emulator.state.events({ pixelId: PIXEL }).map((e) => String(e.event.event_id)));

  beforeEach(async () => {
    const pgUrl = new URL(PG_BASE_URL);
    proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    // A short lease: a batch whose outcome could not be recorded is claimed again within a second.
    t = await startEmulatedRelay(viaProxy, { emulator: { allowAnyPixel: true }, relay: { deliveryLeaseMs: 1000, logLevel: 'info' } });
    url = await t.relay.listen();
    tenant = await createTenantViaApi(t, 'Faults');
    await addPixelViaApi(t, tenant.id, { pixelId: PIXEL, accessToken: 'tok-faults-0123456789' });
  });
  afterEach(async () => {
    proxy.restore();
    await t?.close();
    await proxy?.close();
  });

  /** POSTs a batch until it is answered 202 (a 503 must be storage_unavailable with Retry-After). */
  async function ingestUntilAccepted(ids: string[], seen: { unavailable: number }): Promise<void> {
    for (;;) {
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: ids.map((id) => purchase(id)) }),
      });
      const body = (await res.json()) as { results?: { status: string }[]; error?: { code: string } };
      if (res.status === 202) {
        expect(body.results?.every((r) => r.status === 'accepted' || r.status === 'duplicate')).toBe(true);
        return;
      }
      expect(res.status).toBe(503);
      expect(body.error?.code).toBe('storage_unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      seen.unavailable++;
      await sleep(100);
    }
  }

  it('survives terminated sessions and an outage mid-ingest, answers 503, recovers, loses nothing', { timeout: 60_000 }, async () => {
    const seen = { unavailable: 0 };
    const all: string[] = [];
    let batch = 0;
    const nextBatch = () => {
      const ids = Array.from({ length: 50 }, (_, i) => `ingest-${batch}-${i}`);
      batch++;
      all.push(...ids);
      return ids;
    };

    // Terminated sessions alone (what crashed the relay 3 of 3 times): it keeps answering.
    for (let k = 0; k < 3; k++) {
      await ingestUntilAccepted(nextBatch(), seen);
      expect(await terminateRelaySessions()).toBeGreaterThan(0);
    }
    await ingestUntilAccepted(nextBatch(), seen);

    // An outage: sessions terminated and the server unreachable while a loader keeps sending.
    let stop = false;
    const loader = (async () => {
      while (!stop) {
        await ingestUntilAccepted(nextBatch(), seen);
      }
    })();
    await sleep(200);
    proxy.cut();
    await terminateRelaySessions();
    await waitUntil(async () => (await readyz()).status === 503, 10_000, () => 'readyz never reported the outage');
    expect((await readyz()).code).toBe('not_ready');
    await waitUntil(() => seen.unavailable > 0, 10_000, () => 'ingest was never answered 503 during the outage');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await sleep(1500);
    proxy.restore();
    await waitUntil(async () => (await readyz()).status === 200, 15_000, () => 'readyz did not come back after the outage');
    await sleep(300);
    stop = true;
    await loader;

    await waitUntil(
      () => all.every((id) => received().has(id)),
      30_000,
      () => `${all.filter((id) => !received().has(id)).length} of ${all.length} accepted events never reached the emulator`,
    );
    // The cause was logged, once per outage, and recovery too.
    const outages = t.logs.filter((l) => l.includes('storage unavailable')).length;
    expect(outages).toBeGreaterThanOrEqual(1);
    expect(outages).toBeLessThanOrEqual(5);
    expect(t.logs.some((l) => l.includes('storage available again'))).toBe(true);
    expect(t.logs.some((l) => l.includes('"msg":"unhandled error"'))).toBe(false);
  });

  it('survives an outage mid-delivery and delivers every accepted event once the database is back', { timeout: 60_000 }, async () => {
    // Graph answers slowly, so batches are in flight at Meta when the database goes away: their outcome
    // cannot be recorded, and the lease hands them out again after the outage.
    t.emulator.state.setFaults({ latencyMs: 800 });
    const ids = Array.from({ length: 400 }, (_, i) => `deliver-${i}`);
    await ingestUntilAccepted(ids, { unavailable: 0 });
    await waitUntil(
      async () => Number((await t.relay.store.db.selectFrom('delivery_batches').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'sending').executeTakeFirstOrThrow()).n) > 0,
      10_000,
      () => 'no batch was ever claimed',
      20,
    );
    proxy.cut();
    expect(await terminateRelaySessions()).toBeGreaterThanOrEqual(0);
    await waitUntil(async () => (await readyz()).status === 503, 10_000, () => 'readyz never reported the outage');
    await sleep(2000);
    proxy.restore();
    t.emulator.state.clearFaults();
    await waitUntil(async () => (await readyz()).status === 200, 15_000, () => 'readyz did not come back after the outage');
    await waitUntil(
      () => ids.every((id) => received().has(id)),
      30_000,
      () => `${ids.filter((id) => !received().has(id)).length} of ${ids.length} accepted events never reached the emulator`,
    );
    // …and the relay recorded them sent: the batch whose outcome was lost was claimed again after its lease.
    // Events of sent batches (a batch's event_count), and single events sent apart from theirs.
    const sent = async () => {
      const batches = await t.relay.store.db.selectFrom('delivery_batches').select((eb) => eb.fn.sum<number>('event_count').as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow();
      const single = await t.relay.store.db.selectFrom('delivery_exceptions').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow();
      return Number(batches.n ?? 0) + Number(single.n);
    };
    await waitUntil(async () => (await sent()) === ids.length, 30_000, async () => `${await sent()} of ${ids.length} deliveries recorded sent`);
    expect(t.logs.some((l) => l.includes('scanning due pixels works again') || l.includes('storage available again'))).toBe(true);
  });

  it('answers /readyz not ready within its deadline while the database does not answer, and ready once it does', { timeout: 60_000 }, async () => {
    // Established, idle connections in the pool, as a relay under load has them: the ones a stalled address hangs.
    await Promise.all(Array.from({ length: 8 }, (_, i) => ingestUntilAccepted([`warm-${i}`], { unavailable: 0 })));
    expect((await readyz()).status).toBe(200);
    proxy.stall();
    const started = Date.now();
    const r = await readyz(AbortSignal.timeout(30_000));
    const tookMs = Date.now() - started;
    expect(r).toMatchObject({ status: 503, code: 'not_ready' });
    expect(r.message).toContain('did not answer');
    expect(tookMs).toBeGreaterThanOrEqual(READINESS_DEADLINE_MS - 100);
    expect(tookMs).toBeLessThan(READINESS_DEADLINE_MS + 3000);
    proxy.restore();
    await waitUntil(async () => (await readyz()).status === 200, 20_000, () => 'readyz did not come back after the stall');
  });

  it('frees the locks of a node that went silent mid-transaction, so another node ingests again', { timeout: 120_000 }, async () => {
    await ingestUntilAccepted(['before-silence'], { unavailable: 0 });
    // This node (through the proxy) holds its store's seq lock, as a writer does between its statements…
    const trx = await t.relay.store.db.startTransaction().execute();
    await trx.updateTable('tenant_sequences').set({ next_seq: sql`next_seq` }).where('tenant_id', '=', tenant.id).execute();
    // …when its network goes silent: no byte either way, no connection closed (a power loss, a partition).
    proxy.stall();
    // Another node on the same database, connected directly.
    const direct = new URL(t.db.databaseUrl as string);
    const base = new URL(PG_BASE_URL);
    direct.hostname = base.hostname;
    direct.port = base.port || '5432';
    direct.searchParams.delete('application_name');
    let other: RelayProcess | null = null;
    try {
      other = await startRelayProcess(relayEnv({ databaseUrl: direct.toString(), dataDir: t.db.dataDir, encryptionKey: TEST_ENCRYPTION_KEY, graphUrl: t.graphUrl }));
      const started = Date.now();
      // Its writer waits on the silent node's lock until PostgreSQL ends that session, not for hours.
      const accepted = await postEvents(other.url, tenant.ingestKey, [purchase('after-silence')], AbortSignal.timeout(PG_IDLE_IN_TRANSACTION_TIMEOUT_MS + 30_000));
      expect(accepted).toEqual(['after-silence']);
      expect(Date.now() - started).toBeLessThan(PG_IDLE_IN_TRANSACTION_TIMEOUT_MS + 15_000);
    } finally {
      await other?.kill();
      proxy.restore();
      await trx.rollback().execute().catch(() => undefined);
    }
  });
});
