/**
 * A full disk under the embedded SQLite store, made real: the relay's data directory is a small tmpfs
 * (root with CAP_SYS_ADMIN, as here and in CI; elsewhere the file is skipped with a notice), filled to
 * the brim. Ingest must answer 503 storage_unavailable with Retry-After (not 500 internal_error), the log
 * must name the real cause once (SQLITE_FULL, not "cannot rollback - no transaction is active"), /readyz
 * must report not-ready although reads still work, and once space is freed everything recovers without a
 * restart and every accepted event reaches Meta.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dialect } from '../helpers/databases.js';
import { purchase, waitUntil } from '../helpers/processes.js';
import { addPixelViaApi, createTenantViaApi, startEmulatedRelay, type ApiTenant, type EmulatedRelay } from '../helpers/relay.js';

const PIXEL = '666666666666';
const MiB = 1024 * 1024;

/** Mounts a tmpfs of `size` on a fresh directory; null when this process may not mount. */
function mountTmpfs(size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'capi-relay-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

const probe = mountTmpfs('1m');
if (probe) unmount(probe);
else process.stderr.write('\n[capi-relay tests] cannot mount a tmpfs (not root / no CAP_SYS_ADMIN): the disk-full test is SKIPPED here\n\n');

describe.skipIf(!probe)('disk full under SQLite', () => {
  let dir: string;
  let t: EmulatedRelay;
  let url: string;
  let tenant: ApiTenant;
  const filler = () => join(dir, 'filler');

  const onTmpfs: Dialect = {
    name: 'sqlite',
    create: async () => ({ databaseUrl: undefined, dataDir: dir, cleanup: async () => {} }),
  };

  beforeEach(async () => {
    // Above SQLITE_MIN_FREE_BYTES once the fillers are removed.
    dir = mountTmpfs('48m') as string;
    t = await startEmulatedRelay(onTmpfs, { emulator: { allowAnyPixel: true }, relay: { logLevel: 'info' } });
    url = await t.relay.listen();
    tenant = await createTenantViaApi(t, 'Full');
    await addPixelViaApi(t, tenant.id, { pixelId: PIXEL, accessToken: 'tok-full-0123456789' });
  });
  afterEach(async () => {
    await t?.close();
    unmount(dir);
  });

  async function post(ids: string[]) {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: ids.map((id) => purchase(id)) }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { results?: { status: string }[]; error?: { code: string } } };
  }
  const readyz = async () => (await fetch(`${url}/readyz`)).status;
  const received = () => new Set(t.emulator.state.events({ pixelId: PIXEL }).map((e) => String(e.event.event_id)));

  it('answers 503 storage_unavailable, logs SQLITE_FULL once, reports not-ready, and recovers when space is freed', { timeout: 60_000 }, async () => {
    const accepted: string[] = [];
    // Leave ~256 KiB free: a few batches fit, then the WAL cannot grow.
    const { bavail, bsize } = statfsSync(dir);
    writeFileSync(filler(), Buffer.alloc(Math.max(0, bavail * bsize - 256 * 1024)));

    let full: Awaited<ReturnType<typeof post>> | null = null;
    for (let batch = 0; batch < 200 && !full; batch++) {
      const ids = Array.from({ length: 50 }, (_, i) => `full-${batch}-${i}`);
      const r = await post(ids);
      if (r.status === 202) accepted.push(...ids);
      else full = r;
    }
    expect(full?.status).toBe(503);
    expect(full?.body.error?.code).toBe('storage_unavailable');
    expect(Number(full?.retryAfter)).toBeGreaterThan(0);
    // Take the last free blocks too. A small event may still fit in WAL space SQLite already holds, so
    // further writes are 202 or 503, never a 500; the process keeps serving; not ready until space is freed.
    const rest = statfsSync(dir);
    writeFileSync(join(dir, 'filler-2'), Buffer.alloc(rest.bavail * rest.bsize));
    for (let k = 0; k < 3; k++) {
      const r = await post([`still-full-${k}`]);
      expect([202, 503]).toContain(r.status);
      if (r.status === 202) accepted.push(`still-full-${k}`);
      else expect(r.body.error?.code).toBe('storage_unavailable');
    }
    expect((await post(Array.from({ length: 50 }, (_, i) => `big-${i}`))).status).toBe(503);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await readyz()).toBe(503);

    const outageLogs = t.logs.filter((l) => l.includes('storage unavailable'));
    expect(outageLogs).toHaveLength(1);
    expect(outageLogs[0]).toContain('SQLITE_FULL');
    expect(t.logs.some((l) => l.includes('cannot rollback'))).toBe(false);
    expect(t.logs.some((l) => l.includes('"msg":"unhandled error"'))).toBe(false);

    // The operator frees space: no restart, the probe notices, ingest works again.
    rmSync(filler());
    rmSync(join(dir, 'filler-2'));
    await waitUntil(async () => (await readyz()) === 200, 10_000, () => 'readyz did not come back after space was freed');
    expect(t.logs.some((l) => l.includes('storage available again'))).toBe(true);
    const after = Array.from({ length: 50 }, (_, i) => `after-${i}`);
    const r = await post(after);
    expect(r.status).toBe(202);
    accepted.push(...after);

    expect(accepted.length).toBeGreaterThan(50);
    await waitUntil(
      () => accepted.every((id) => received().has(id)),
      30_000,
      () => `${accepted.filter((id) => !received().has(id)).length} of ${accepted.length} accepted events never reached the emulator`,
    );
  });
});
