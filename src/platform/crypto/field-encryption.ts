import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Identifying details (a child's name, a family's address, TOTP secrets…) are stored
 * encrypted with AES-256-GCM, so a copied database or backup alone reveals nothing.
 * The key comes from DATA_ENCRYPTION_KEY, or for the embedded default from a key file
 * in the data folder (created on first start, readable by the owner only).
 * Stored form: `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */
export type FieldCipher = { encrypt(plain: string): string; decrypt(stored: string): string };

export class KeyError extends Error {}

export function createFieldCipher(key: Buffer): FieldCipher {
  if (key.length !== 32) throw new KeyError('The data encryption key must be 32 bytes (base64 of 32 random bytes).');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(stored) {
      const [version, iv, tag, body] = stored.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new KeyError('An encrypted value is malformed.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new KeyError('An encrypted value could not be read: the data encryption key is not the one it was written with.');
      }
    },
  };
}

export function parseKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new KeyError('DATA_ENCRYPTION_KEY must be the base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`).');
  return key;
}

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'data-encryption.key');
}

/** The key from the environment, or the data folder's key file (made on first use). */
export function loadDataKey(options: { envKey?: string | undefined; dataDir: string }): Buffer {
  if (options.envKey) return parseKey(options.envKey);
  const file = keyFilePath(options.dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return parseKey(fs.readFileSync(file, 'utf8').trim());
}

/** The deployment's cipher for identifying fields, from its configuration. */
export function cipherFor(config: { dataEncryptionKey?: string | undefined; dataDir: string }): FieldCipher {
  return createFieldCipher(loadDataKey({ envKey: config.dataEncryptionKey, dataDir: config.dataDir }));
}

/**
 * The cipher `make` gives, made when it is first used. The service is assembled while its database
 * opens (cspr serve); made then, a key would be written to a data folder whose database then failed
 * to open. A start makes and checks the key once the database is open (runtime.ts, serviceContext),
 * before anything is encrypted.
 */
export function cipherWhenUsed(make: () => FieldCipher): FieldCipher {
  let made: FieldCipher | undefined;
  const cipher = () => (made ??= make());
  return { encrypt: (plain) => cipher().encrypt(plain), decrypt: (stored) => cipher().decrypt(stored) };
}

/** The plain text of an optional encrypted field ('' when nothing is stored). */
export function openField(cipher: FieldCipher, stored: string | null): string {
  return stored ? cipher.decrypt(stored) : '';
}

/** An optional text field as stored: encrypted when there is anything to keep, otherwise null. */
export function sealField(cipher: FieldCipher, value: string | null | undefined): string | null {
  const v = value?.trim();
  return v ? cipher.encrypt(v) : null;
}
