/**
 * The least any relay that keeps what it accepts must do per event: write it to disk before answering. Measured
 * in the bench process on a bare SQLite table (one indexed row per event, WAL, synchronous=NORMAL as the relay
 * runs, one transaction per 1000 events), with no parsing, transform, queue state or delivery: an upper bound
 * for a durable relay on this machine, to set beside the SDK's complete build-and-post path.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Events per second for writing `payloads` (JSON texts keyed by `ids`) durably, 1000 per transaction. */
export function durableWriteRate(ids: string[], payloads: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'capi-relay-floor-'));
  const db = new Database(join(dir, 'floor.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('create table events (event_id text primary key, payload text not null)');
    const insert = db.prepare('insert into events (event_id, payload) values (?, ?) on conflict do nothing');
    const writeBatch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(ids[i], payloads[i]);
    });
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += 1000) writeBatch(i, Math.min(i + 1000, ids.length));
    return ids.length / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
