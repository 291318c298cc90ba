import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './database.js';

const FILES = ['capi-relay.sqlite', 'capi-relay.sqlite-wal', 'capi-relay.sqlite-shm'];

describe('embedded SQLite files', () => {
  let dir: string;
  let umask: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'capi-relay-modes-'));
    // A common default that would leave new files world-readable (0644).
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  const modes = () => FILES.map((f) => [f, existsSync(join(dir, f)) ? (statSync(join(dir, f)).mode & 0o777).toString(8) : 'missing']);

  it('creates the database, its WAL and its SHM file 0600, like the encryption key, and restores the umask', async () => {
    const store = await openStore({ dataDir: dir });
    try {
      // Migrations wrote through the WAL, so all three files exist while the store is open.
      expect(modes()).toEqual(FILES.map((f) => [f, '600']));
      expect(process.umask(0o022)).toBe(0o022);
    } finally {
      await store.close();
    }
  });

  it('tightens files an older version left 0644', async () => {
    const old = new SQLite(join(dir, 'capi-relay.sqlite'));
    old.pragma('journal_mode = WAL');
    old.exec('create table t (x integer)');
    for (const f of FILES) chmodSync(join(dir, f), 0o644);
    const store = await openStore({ dataDir: dir });
    try {
      expect(modes()).toEqual(FILES.map((f) => [f, '600']));
    } finally {
      await store.close();
      old.close();
    }
  });
});
