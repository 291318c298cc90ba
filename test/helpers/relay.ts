import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig, type ConfigInput } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { createRelay, type Relay } from '../../src/relay.js';
import type { Dialect, TestDatabase } from './databases.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ENCRYPTION_KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

export interface TestRelay {
  relay: Relay;
  db: TestDatabase;
  logs: string[];
  close(): Promise<void>;
}

/** A relay on a fresh database of the dialect, with its log lines captured for assertions. */
export async function startTestRelay(dialect: Dialect, overrides: Partial<ConfigInput> = {}, clock?: () => number): Promise<TestRelay> {
  const db = await dialect.create();
  const config = loadConfig({
    flags: { port: 0, host: '127.0.0.1', dataDir: db.dataDir, databaseUrl: db.databaseUrl, adminToken: ADMIN_TOKEN, encryptionKey: ENCRYPTION_KEY, logLevel: 'debug', ...overrides },
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger: pino.Logger = createLogger('debug', sink);
  const relay = await createRelay(config, logger, clock);
  return {
    relay,
    db,
    logs,
    async close() {
      await relay.close();
      await db.cleanup();
    },
  };
}
