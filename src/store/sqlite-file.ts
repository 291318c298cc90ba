import { chmodSync, existsSync, statSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

/** The database file, its write-ahead log and its shared-memory index. */
const SUFFIXES = ['', '-wal', '-shm'] as const;
const PRIVATE = 0o600;

/**
 * Opens the embedded database in WAL mode with its files readable by the relay's user alone (0600), like the
 * encryption key beside it: they hold hashed customer data, sealed tokens, and IPs and user agents of events
 * waiting to be sent. A new database is created under a 077 umask (main thread only: workers cannot set it);
 * SQLite gives the -wal and -shm files the database file's own mode, so the chmod before WAL mode covers them,
 * and files left 0644 by an older version are tightened too.
 */
export function openPrivateSqlite(path: string): SQLite.Database {
  const previous = isMainThread ? process.umask(0o077) : null;
  let db: SQLite.Database;
  try {
    db = new SQLite(path);
  } finally {
    if (previous !== null) process.umask(previous);
  }
  try {
    tighten(path);
    db.pragma('journal_mode = WAL');
    for (const suffix of SUFFIXES) tighten(`${path}${suffix}`);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function tighten(file: string): void {
  if (existsSync(file) && (statSync(file).mode & 0o777) !== PRIVATE) chmodSync(file, PRIVATE);
}
