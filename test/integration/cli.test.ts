import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { cli as cliStdout, runCli, startRelayProcess } from '../helpers/processes.js';
import { cliEnv } from '../helpers/relay.js';

describe.each(dialects)('CLI on $name', (dialect) => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await dialect.create();
    env = cliEnv(db);
  });
  afterAll(async () => db?.cleanup());

  const cli = (...args: string[]) => cliStdout(env, ...args);

  it('creates a tenant and a pixel, lists and rotates them, with JSON output', async () => {
    expect(await cli('migrate')).toMatch(/up to date|applied/);
    const tenant = JSON.parse(await cli('tenants', 'create', '--name', 'CLI Store', '--json'));
    expect(Object.keys(tenant).sort()).toEqual(['id', 'ingestKey', 'publishableKey']);
    const pixel = JSON.parse(await cli('pixels', 'add', '--tenant', tenant.id, '--pixel-id', '1234567890', '--token', 'EAAB-cli-token', '--test-event-code', 'TEST123', '--json'));
    expect(pixel).toEqual({ id: expect.any(String) });
    const pixels = JSON.parse(await cli('pixels', 'list', '--tenant', tenant.id, '--json'));
    expect(pixels).toHaveLength(1);
    expect(JSON.stringify(pixels)).not.toContain('EAAB-cli-token');
    await cli('pixels', 'rotate', '--pixel', pixel.id, '--token', 'EAAB-new-token');
    await cli('pixels', 'disable', '--pixel', pixel.id);
    expect(JSON.parse(await cli('pixels', 'list', '--json'))[0].status).toBe('disabled');
    const rotated = JSON.parse(await cli('tenants', 'rotate-key', '--tenant', tenant.id, '--json'));
    expect(rotated.key).toMatch(/^cr_ingest_/);
    const tenants = JSON.parse(await cli('tenants', 'list', '--json'));
    expect(tenants.map((t: { name: string }) => t.name)).toContain('CLI Store');
  });

  it("sets a pixel's own Graph API version and refuses a malformed one", async () => {
    const tenant = JSON.parse(await cli('tenants', 'create', '--name', 'Versioned Store', '--json'));
    const pixel = JSON.parse(await cli('pixels', 'add', '--tenant', tenant.id, '--pixel-id', '1234567891', '--token', 'EAAB-cli-token', '--graph-version', 'v23.0', '--json'));
    const plain = JSON.parse(await cli('pixels', 'add', '--tenant', tenant.id, '--pixel-id', '1234567892', '--token', 'EAAB-cli-token', '--json'));
    const pixels = JSON.parse(await cli('pixels', 'list', '--tenant', tenant.id, '--json')) as { id: string; graphVersion: string | null }[];
    expect(pixels.map((p) => [p.id, p.graphVersion])).toEqual([[pixel.id, 'v23.0'], [plain.id, null]]);
    const bad = await runCli(env, ['pixels', 'add', '--tenant', tenant.id, '--pixel-id', '1234567893', '--token', 'EAAB-cli-token', '--graph-version', 'latest']);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toContain('--graph-version');
    expect(bad.stderr).toContain('v24.0');
    expect(JSON.parse(await cli('pixels', 'list', '--tenant', tenant.id, '--json'))).toHaveLength(2);
    // Changed and cleared after the pixel exists.
    expect(JSON.parse(await cli('pixels', 'set-graph-version', '--pixel', plain.id, '--graph-version', 'v22.0', '--json'))).toEqual({ id: plain.id, graphVersion: 'v22.0' });
    await cli('pixels', 'set-graph-version', '--pixel', pixel.id, '--graph-version', 'default');
    const after = JSON.parse(await cli('pixels', 'list', '--tenant', tenant.id, '--json')) as { id: string; graphVersion: string | null }[];
    expect(after.map((p) => [p.id, p.graphVersion])).toEqual([[pixel.id, null], [plain.id, 'v22.0']]);
  });

  it('refuses a bad setting at boot, naming it', async () => {
    const res = await runCli({ ...env, CAPI_RELAY_PORT: 'not-a-port' }, ['serve']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/CAPI_RELAY_PORT/);
  });

  it('serves /healthz and shuts down cleanly on SIGTERM', async () => {
    const server = await startRelayProcess(env);
    try {
      const res = await fetch(`${server.url}/healthz`);
      expect(await res.json()).toEqual({ status: 'ok' });
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await server.kill();
    }
  });
});
