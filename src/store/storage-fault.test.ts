import { describe, expect, it } from 'vitest';
import { isStorageFault } from './storage-fault.js';
import { createStorageHealth, type HealthLogger } from './storage-health.js';

const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('isStorageFault', () => {
  it.each([
    ['pg_terminate_backend', err('terminating connection due to administrator command', '57P01')],
    ['server starting up', err('the database system is starting up', '57P03')],
    ['PostgreSQL disk full', err('could not extend file', '53100')],
    ['connection refused', err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['pg without a code', err('Connection terminated unexpectedly')],
    ['pool connect timeout', err('timeout exceeded when trying to connect')],
    ['SQLite disk full', err('database or disk is full', 'SQLITE_FULL')],
    ['SQLite I/O error', err('disk I/O error', 'SQLITE_IOERR_WRITE')],
    ['SQLite read-only volume', err('attempt to write a readonly database', 'SQLITE_READONLY')],
    ['nested in an AggregateError', Object.assign(new AggregateError([err('x', 'ECONNREFUSED')]), {})],
  ])('is true for %s', (_label, e) => expect(isStorageFault(e)).toBe(true));

  it.each([
    ['a unique violation', err('duplicate key value violates unique constraint', '23505')],
    ['a SQLite constraint', err('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE')],
    ['a corrupt database', err('database disk image is malformed', 'SQLITE_CORRUPT')],
    ['"cannot rollback" (it hid the real cause; the store no longer throws it)', err('cannot rollback - no transaction is active', 'SQLITE_ERROR')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'trim')")],
    ['not an error', 'boom'],
  ])('is false for %s', (_label, e) => expect(isStorageFault(e)).toBe(false));
});

describe('createStorageHealth', () => {
  function logger() {
    const lines: string[] = [];
    const l: HealthLogger = { error: (_o, msg) => lines.push(`error ${msg}`), info: (_o, msg) => lines.push(`info ${msg}`) };
    return { l, lines };
  }

  it('logs the first fault of an outage once, probes until the probe passes, then logs the recovery', async () => {
    let up = false;
    const health = createStorageHealth({ probe: async () => (up ? undefined : Promise.reject(err('still full', 'SQLITE_FULL'))), probeIntervalMs: 10 });
    const { l, lines } = logger();
    health.setLogger(l);
    expect(health.report(err('database or disk is full', 'SQLITE_FULL'))).toBe(true);
    expect(health.report(err('database or disk is full', 'SQLITE_FULL'))).toBe(true);
    expect(health.fault()?.code).toBe('SQLITE_FULL');
    expect(await health.check()).toBe(false);
    up = true;
    await new Promise((r) => setTimeout(r, 50));
    expect(health.fault()).toBeNull();
    expect(lines).toEqual(['error storage unavailable: answering 503 and probing until it recovers', 'info storage available again']);
    health.close();
  });

  it('ignores errors that are not storage faults', () => {
    const health = createStorageHealth({ probe: async () => undefined });
    expect(health.report(new TypeError('bug'))).toBe(false);
    expect(health.fault()).toBeNull();
    health.close();
  });
});
