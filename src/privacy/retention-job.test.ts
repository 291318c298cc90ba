import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from '../store/database.js';
import { createRetentionJob } from './retention-job.js';

describe('retention job schedule', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capi-relay-retention-'));
    store = await openStore({ dataDir: dir });
    vi.useFakeTimers();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function job(days: number) {
    const purges: unknown[] = [];
    const j = createRetentionJob({ store, days, clock: () => Date.UTC(2026, 10, 24), logger: pino({ level: 'silent' }), onPurged: (r) => purges.push(r) });
    return { j, purges };
  }

  it('purges a minute after start, then every hour, and stops when asked', async () => {
    const { j, purges } = job(30);
    j.start();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(purges).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(purges).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    await vi.waitFor(() => expect(purges).toHaveLength(2));
    await j.stop();
    await vi.advanceTimersByTimeAsync(3 * 60 * 60_000);
    expect(purges).toHaveLength(2);
  });

  it('with retention 0 purges nothing, but still runs hourly to erase the IPs and user agents whose replay window closed', async () => {
    const { j, purges } = job(0);
    j.start();
    await vi.advanceTimersByTimeAsync(3 * 60 * 60_000);
    await j.runOnce();
    expect(purges).toHaveLength(0);
    // The hourly run and (SQLite) the minute's emptying of the write-ahead log; the first one-minute timer has fired.
    expect(vi.getTimerCount()).toBe(2);
    await j.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
