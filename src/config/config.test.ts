import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe('./data');
    expect(c.graphUrl).toBe('https://graph.facebook.com');
    expect(c.databaseUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes flags over environment over defaults', () => {
    expect(loadConfig({ env: { CAPI_RELAY_PORT: '9000' } }).port).toBe(9000);
    expect(loadConfig({ env: { CAPI_RELAY_PORT: '9000' }, flags: { port: 9100 } }).port).toBe(9100);
  });

  it('reads booleans from the environment as words', () => {
    expect(loadConfig({ env: { CAPI_RELAY_DELIVERY_ENABLED: 'false' } }).deliveryEnabled).toBe(false);
    expect(loadConfig({ env: { CAPI_RELAY_DELIVERY_ENABLED: '1' } }).deliveryEnabled).toBe(true);
    expect(() => loadConfig({ env: { CAPI_RELAY_DELIVERY_ENABLED: 'maybe' } })).toThrow(/deliveryEnabled/);
  });

  it('stops with a message naming the setting', () => {
    expect(() => loadConfig({ env: { CAPI_RELAY_PORT: 'eighty' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { CAPI_RELAY_PORT: 'eighty' } })).toThrow(/port.*CAPI_RELAY_PORT/);
    expect(() => loadConfig({ env: { CAPI_RELAY_DATABASE_URL: 'mysql://x' } })).toThrow(/databaseUrl/);
    expect(() => loadConfig({ env: { CAPI_RELAY_ENCRYPTION_KEY: 'short' } })).toThrow(/encryptionKey/);
    // Only settings that have a flag name one; the others name their environment variable alone.
    expect(() => loadConfig({ env: { CAPI_RELAY_PORT: 'eighty' } })).toThrow('setting port (flag --port or CAPI_RELAY_PORT)');
    expect(() => loadConfig({ env: { CAPI_RELAY_RETENTION_DAYS: '3' } })).toThrow('setting retentionDays (CAPI_RELAY_RETENTION_DAYS)');
  });

  it('requires encryptionKey with PostgreSQL, and only there', () => {
    const pg = 'postgres://relay@db.internal:5432/relay';
    expect(() => loadConfig({ env: { CAPI_RELAY_DATABASE_URL: pg } })).toThrow('setting encryptionKey (CAPI_RELAY_ENCRYPTION_KEY): is required with PostgreSQL');
    expect(loadConfig({ env: { CAPI_RELAY_DATABASE_URL: pg, CAPI_RELAY_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' } }).databaseUrl).toBe(pg);
    expect(loadConfig({ env: {} }).encryptionKey).toBeUndefined();
  });

  it('refuses what would only fail after the database was opened: URLs, listen address, trusted proxies', () => {
    const key = { CAPI_RELAY_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' };
    expect(() => loadConfig({ env: { ...key, CAPI_RELAY_DATABASE_URL: 'postgres://relay@db:port/relay' } })).toThrow(/setting databaseUrl .*not a valid URL/);
    expect(loadConfig({ env: { ...key, CAPI_RELAY_DATABASE_URL: 'postgres:///relay?host=/var/run/postgresql' } }).databaseUrl).toContain('/var/run/postgresql');
    for (const bad of ['ftp://graph.example', 'mailto:meta@example.com', 'http:/graph.example']) {
      expect(() => loadConfig({ env: { CAPI_RELAY_GRAPH_URL: bad } })).toThrow(/setting graphUrl .*http/);
      expect(() => loadConfig({ env: { CAPI_RELAY_PUBLIC_URL: bad } })).toThrow(/setting publicUrl .*http/);
    }
    expect(loadConfig({ env: { CAPI_RELAY_GRAPH_URL: 'http://127.0.0.1:4010' } }).graphUrl).toBe('http://127.0.0.1:4010');
    for (const host of ['0.0.0.0', '::', '127.0.0.1', 'localhost', 'relay-1.internal', 'relay_1', 'fe80::1']) expect(loadConfig({ env: { CAPI_RELAY_HOST: host } }).host).toBe(host);
    for (const host of ['not a host', 'http://relay', '[::1]', '-relay', 'relay..internal', '']) {
      expect(() => loadConfig({ flags: { host } })).toThrow(/setting host \(flag --host or CAPI_RELAY_HOST\)/);
    }
    expect(loadConfig({ env: { CAPI_RELAY_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.0/8, 2001:db8::/32, ::1' } }).trustedProxies).toEqual(['10.0.0.1', '10.0.0.0/8', '2001:db8::/32', '::1']);
    for (const bad of ['999.1.2.3', '10.0.0.0/33', '2001:db8::/129', '10.0.0.1/8/8', 'abc', '10.0.0.1/']) {
      expect(() => loadConfig({ env: { CAPI_RELAY_TRUSTED_PROXIES: `10.0.0.1,${bad}` } })).toThrow(`setting trustedProxies (CAPI_RELAY_TRUSTED_PROXIES): "${bad}" is not an IP address or CIDR`);
    }
  });

  it("checks graphVersion exactly like a pixel's own version", () => {
    expect(loadConfig({ env: { CAPI_RELAY_GRAPH_VERSION: 'v23.0' } }).graphVersion).toBe('v23.0');
    // Each passed the looser /^v\d+\.\d+$/ this setting once had, yet was refused as a pixel's version.
    for (const loose of ['v24.00', 'v24.10', 'v1000.0']) {
      expect(() => loadConfig({ env: { CAPI_RELAY_GRAPH_VERSION: loose } })).toThrow(/graphVersion.*CAPI_RELAY_GRAPH_VERSION.*v<major>\.<minor>/);
    }
  });

  it('keeps 90 days by default, 0 for ever, and refuses a retention too short for webhook retries to deduplicate', () => {
    expect(loadConfig({}).retentionDays).toBe(90);
    expect(loadConfig({ env: { CAPI_RELAY_RETENTION_DAYS: '0' } }).retentionDays).toBe(0);
    expect(loadConfig({ flags: { retentionDays: 7 } }).retentionDays).toBe(7);
    expect(() => loadConfig({ flags: { retentionDays: 3 } })).toThrow(/retentionDays/);
  });

  it('reads a config file below the environment and rejects unknown settings in it', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 7000, graphVersion: 'v25.0' }));
    expect(loadConfig({ env: {}, configFile: file }).port).toBe(7000);
    expect(loadConfig({ env: { CAPI_RELAY_PORT: '7100' }, configFile: file }).port).toBe(7100);
    writeFileSync(file, JSON.stringify({ prot: 7000 }));
    expect(() => loadConfig({ env: {}, configFile: file })).toThrow(/unknown setting/);
    for (const notAnObject of ['[7000]', 'null', '"port"', '7000']) {
      writeFileSync(file, notAnObject);
      expect(() => loadConfig({ env: {}, configFile: file })).toThrow(`config file ${file}: not a JSON object of settings`);
    }
  });
});
