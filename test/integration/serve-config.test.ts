import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, PG_BASE_URL, type TestDatabase } from '../helpers/databases.js';
import { relayEnv, runCli, TEST_ENCRYPTION_KEY } from '../helpers/processes.js';

/**
 * `serve` stops with exit code 2 for every configuration error, with a message naming the setting, before it
 * touches the database: no migration has run, no table exists (PostgreSQL), no database file was created (SQLite).
 */

/** The tables in the schema a test PostgreSQL URL points at (its `-c search_path=…` option). */
async function tablesIn(databaseUrl: string): Promise<string[]> {
  const schema = /search_path=(\w+)/.exec(new URL(databaseUrl).searchParams.get('options') ?? '')?.[1];
  if (!schema) throw new Error(`no schema in ${databaseUrl}`);
  const client = new pg.Client({ connectionString: PG_BASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema]);
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

/** Each bad setting, what the message must name, and the settings that make it one. */
const badSettings: { what: string; names: RegExp; env: Record<string, string> }[] = [
  { what: 'a trusted proxy that is no IP', names: /trustedProxies \(CAPI_RELAY_TRUSTED_PROXIES\).*999\.1\.2\.3/, env: { CAPI_RELAY_TRUSTED_PROXIES: '10.0.0.1, 999.1.2.3' } },
  { what: 'a trusted proxy CIDR prefix out of range', names: /trustedProxies \(CAPI_RELAY_TRUSTED_PROXIES\).*10\.0\.0\.0\/33/, env: { CAPI_RELAY_TRUSTED_PROXIES: '10.0.0.0/33' } },
  { what: 'a graphUrl that is not http(s)', names: /graphUrl \(flag --graph-url or CAPI_RELAY_GRAPH_URL\).*http/, env: { CAPI_RELAY_GRAPH_URL: 'ftp://graph.example' } },
  { what: 'a publicUrl that is not http(s)', names: /publicUrl \(CAPI_RELAY_PUBLIC_URL\).*http/, env: { CAPI_RELAY_PUBLIC_URL: 'javascript:alert(1)' } },
  { what: 'a listen address that is neither an IP nor a host name', names: /host \(flag --host or CAPI_RELAY_HOST\)/, env: { CAPI_RELAY_HOST: 'not a host' } },
];

describe.each(dialects)('serve with a configuration error on $name', (dialect) => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await dialect.create();
    // Port and host from the environment, so a case can override either; were the settings valid, it would listen.
    env = relayEnv({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, encryptionKey: TEST_ENCRYPTION_KEY, extra: { CAPI_RELAY_PORT: '0', CAPI_RELAY_HOST: '127.0.0.1' } });
  });
  afterAll(async () => db?.cleanup());

  /** Nothing was created: no table in the test schema, no file in the data directory. */
  async function untouched(): Promise<void> {
    if (db.databaseUrl) expect(await tablesIn(db.databaseUrl)).toEqual([]);
    expect(readdirSync(db.dataDir)).toEqual([]);
  }

  // The settings are checked alike on both; every case runs where it matters most (no schema created in PostgreSQL),
  // one on SQLite unless PostgreSQL is unavailable. Each is a process start (seconds), so the list stays short.
  const cases = dialect.name === 'sqlite' && dialects.length > 1 ? badSettings.slice(-1) : badSettings;
  it.each(cases)('exits 2 naming the setting, before touching the database: $what', async ({ names, env: bad }) => {
    const res = await runCli({ ...env, ...bad }, ['serve'], { timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(names);
    await untouched();
  });

  if (dialect.name === 'sqlite') {
    it('exits 2 naming the key file when the generated encryption key is unusable, before opening the database', async () => {
      const keyFile = join(db.dataDir, 'encryption.key');
      writeFileSync(keyFile, 'bm90IGEga2V5\n', { mode: 0o600 });
      try {
        const { CAPI_RELAY_ENCRYPTION_KEY: _key, ...noKey } = env;
        const res = await runCli(noKey, ['serve'], { timeoutMs: 30_000 });
        expect(res.code, res.stderr).toBe(2);
        expect(res.stderr).toContain(`encryptionKey: ${keyFile} does not hold a 32-byte base64 key`);
        expect(readdirSync(db.dataDir)).toEqual(['encryption.key']);
      } finally {
        rmSync(keyFile);
      }
    });
  }

  if (dialect.name === 'postgres') {
    it('exits 2 naming encryptionKey when PostgreSQL has none, before applying any migration', async () => {
      const { CAPI_RELAY_ENCRYPTION_KEY: _key, ...noKey } = env;
      const res = await runCli(noKey, ['serve'], { timeoutMs: 30_000 });
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(/setting encryptionKey \(CAPI_RELAY_ENCRYPTION_KEY\).*required with PostgreSQL/);
      await untouched();
    });
  }
});

describe('serve with a malformed database URL or config file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'capi-relay-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 naming databaseUrl when the URL cannot be parsed', async () => {
    const env = relayEnv({ databaseUrl: 'postgres://relay@db.internal:port/relay', dataDir: join(dir, 'data'), encryptionKey: TEST_ENCRYPTION_KEY });
    const res = await runCli(env, ['serve', '--port', '0'], { timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/setting databaseUrl \(flag --database-url or CAPI_RELAY_DATABASE_URL\)/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it.each([['an array', '[8080]'], ['null', 'null']])('exits 2 when the config file holds %s, not an object of settings', async (_what, text) => {
    const file = join(dir, 'config.json');
    writeFileSync(file, text);
    const env = relayEnv({ dataDir: join(dir, 'data'), encryptionKey: TEST_ENCRYPTION_KEY });
    const res = await runCli(env, ['serve', '--port', '0', '--config', file], { timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(`config file ${file}: not a JSON object of settings`);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});
