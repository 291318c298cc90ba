import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '../../src/sources/index.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { cli, relayEnv, startRelayProcess, TEST_ENCRYPTION_KEY, type RelayProcess } from '../helpers/processes.js';

/**
 * The README promises that every CLI command works while a server runs on the same store. With the
 * embedded SQLite store that means two processes writing one database file: the server's WAL and busy
 * timeout must let the CLI's transactions in, and the server must read what the CLI wrote without a
 * restart (no cached sources).
 */
const ADMIN_TOKEN = 'cli-concurrent-admin-token-0123';
const SECRET = 'cli-concurrent-generic-secret';
const CSV_ROWS = 3000;
const sqlite = dialects.find((d) => d.name === 'sqlite')!;

describe('CLI commands on the SQLite store of a running server', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let server: RelayProcess;
  let tenantId: string;
  let sourceId: string;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    db = await sqlite.create();
    env = relayEnv({ dataDir: db.dataDir, encryptionKey: TEST_ENCRYPTION_KEY, extra: { CAPI_RELAY_ADMIN_TOKEN: ADMIN_TOKEN, CAPI_RELAY_DELIVERY_ENABLED: 'false' } });
    server = await startRelayProcess(env);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.cleanup();
  });

  async function webhook(sourceId: string, n: number): Promise<Response> {
    const body = JSON.stringify({
      event: 'purchase', event_id: `purchase:W${n}`, order_id: `W${n}`, timestamp: Math.floor(Date.now() / 1000) - 5,
      url: 'https://shop.example.com/thanks', value: 12.5, currency: 'EUR', user: { email: `w${n}@example.com`, user_agent: 'Mozilla/5.0' },
    });
    return fetch(`${server.url}/v1/webhooks/generic/${sourceId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-capi-relay-signature': signGeneric(SECRET, body, Math.floor(Date.now() / 1000)) },
      body,
    });
  }

  /** Every event of the tenant from one source, read through the server's event log, page by page. */
  async function eventIdsFromServer(source: string): Promise<Set<string>> {
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ source, limit: '500', ...(cursor ? { cursor } : {}) });
      const res = await fetch(`${server.url}/api/v1/tenants/${tenantId}/events?${q.toString()}`, { headers: admin });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { eventId: string }[]; nextCursor: string | null };
      for (const item of page.items) ids.add(item.eventId);
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  it('adds a source from the CLI that the server then lists, verifies and ingests', async () => {
    tenantId = (JSON.parse(await cli(env, 'tenants', 'create', '--name', 'Shared Store', '--json')) as { id: string }).id;
    // A pixel, so events are queued (accepted); nothing is delivered here (delivery is off on this server).
    await cli(env, 'pixels', 'add', '--tenant', tenantId, '--pixel-id', '123456789012345', '--token', 'EAAB-concurrent-token-0123', '--json');
    const added = JSON.parse(await cli(env, 'sources', 'add', '--tenant', tenantId, '--platform', 'generic', '--secret', SECRET, '--json')) as { id: string; webhookUrl: string };
    expect(added.webhookUrl).toMatch(new RegExp(`/v1/webhooks/generic/${added.id}$`));

    // The server reads the source the CLI wrote: the listing shows it and a signed webhook verifies.
    const listed = (await (await fetch(`${server.url}/api/v1/tenants/${tenantId}/sources`, { headers: admin })).json()) as { sources: { id: string }[] };
    expect(listed.sources.map((s) => s.id)).toEqual([added.id]);
    const res = await webhook(added.id, 0);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: { status: string }[] }).results[0]?.status).toBe('accepted');
    sourceId = added.id;
  });

  it('imports a CSV from the CLI while the server takes webhooks; each sees the other, nothing is lost', async () => {
    const file = join(db.dataDir, 'offline.csv');
    const now = Math.floor(Date.now() / 1000);
    const lines = ['email,event_time,value,currency,order_id'];
    for (let i = 0; i < CSV_ROWS; i++) lines.push(`buyer${i}@example.com,${now - 3600},${(i % 90) + 10},EUR,C${i}`);
    writeFileSync(file, `${lines.join('\n')}\n`);

    // The import and a stream of webhooks write the same SQLite file at the same time.
    const importing = cli(env, 'import-csv', '--tenant', tenantId, file, '--json');
    let done = false;
    void importing.then(
      () => (done = true),
      () => (done = true),
    );
    const posted: string[] = [];
    for (let n = 100; !done || posted.length < 5; n++) {
      const res = await webhook(sourceId, n);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(((await res.json()) as { results: { status: string }[] }).results[0]?.status).toBe('accepted');
      posted.push(`purchase:W${n}`);
    }
    const summary = JSON.parse((await importing).trim()) as Record<string, number>;
    expect(summary).toMatchObject({ rows: CSV_ROWS, accepted: CSV_ROWS, duplicate: 0, rejected: 0 });

    // The server's event log holds every imported row and every webhook taken during the import.
    const imported = await eventIdsFromServer('csv');
    expect(imported.size).toBe(CSV_ROWS);
    // Purchases with an order id are named by the store's Purchase template, as the order's webhook would be.
    expect(imported.has('purchase:C0') && imported.has(`purchase:C${CSV_ROWS - 1}`)).toBe(true);
    const hooked = await eventIdsFromServer('webhook:generic');
    for (const id of posted) expect(hooked.has(id), id).toBe(true);

    // A source disabled from the CLI stops at once: the server caches nothing.
    await cli(env, 'sources', 'disable', '--source', sourceId);
    expect((await webhook(sourceId, 1)).status).toBe(404);
  }, 120_000);
});
