import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Seals secrets (access tokens, webhook secrets) with AES-256-GCM; the key never touches the database. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

const VERSION = 'v1';

/** Builds a SecretBox from a 32-byte key. Output: `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('sealed value has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** The encryption key is missing or unusable: a configuration error (`serve` exits 2), found before the database is opened. */
export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
}

/**
 * The key from configuration, or — embedded mode only — one generated into the data directory
 * on first start (mode 0600), so `npm start` works with no setup. PostgreSQL deployments must
 * configure the key: several nodes have to share it.
 */
export function resolveEncryptionKey(opts: { configured?: string | undefined; dataDir: string; embedded: boolean }): Buffer {
  if (opts.configured) return Buffer.from(opts.configured, 'base64');
  if (!opts.embedded) {
    throw new EncryptionKeyError('setting encryptionKey (CAPI_RELAY_ENCRYPTION_KEY) is required with PostgreSQL: every node must share it');
  }
  const path = join(opts.dataDir, 'encryption.key');
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    // Tokens sealed with the lost key cannot be opened again: say which file to restore rather than a bare length error.
    if (key.length !== 32) throw new EncryptionKeyError(`encryptionKey: ${path} does not hold a 32-byte base64 key: restore it from a backup (the tokens and secrets in the database were sealed with it)`);
    return key;
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
