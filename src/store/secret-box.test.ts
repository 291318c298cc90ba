import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox, EncryptionKeyError, resolveEncryptionKey } from './secret-box.js';

describe('secret box', () => {
  it('round-trips and never contains the plain text', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('EAAB-token');
    expect(sealed).not.toContain('EAAB-token');
    expect(box.open(sealed)).toBe('EAAB-token');
    expect(box.seal('EAAB-token')).not.toBe(sealed);
  });

  it('refuses a tampered value or another key', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('secret');
    const tampered = `${sealed.slice(0, -2)}AA`;
    expect(() => box.open(tampered)).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow();
  });

  it('generates the embedded key once, private to the owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    const a = resolveEncryptionKey({ dataDir: dir, embedded: true });
    const b = resolveEncryptionKey({ dataDir: dir, embedded: true });
    expect(a.equals(b)).toBe(true);
    expect(statSync(join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'encryption.key'), 'utf8').trim()).toHaveLength(44);
    expect(() => resolveEncryptionKey({ dataDir: dir, embedded: false })).toThrow(EncryptionKeyError);
  });

  it('refuses a key file that does not hold 32 bytes, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    writeFileSync(join(dir, 'encryption.key'), `${randomBytes(16).toString('base64')}\n`);
    expect(() => resolveEncryptionKey({ dataDir: dir, embedded: true })).toThrow(EncryptionKeyError);
    expect(() => resolveEncryptionKey({ dataDir: dir, embedded: true })).toThrow(`${join(dir, 'encryption.key')} does not hold a 32-byte base64 key`);
  });
});
