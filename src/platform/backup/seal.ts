import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { loadDataKey } from '../crypto/field-encryption.ts';
import { BackupError, type BackupHeader } from './format.ts';

/**
 * A backup's seal: an HMAC of every line before its manifest, under a key derived from the
 * deployment's data key (HKDF with a purpose of its own, as the audit checkpoints' key is). The
 * manifest's counts and hashes show a backup whole against damage, but anyone can work them out
 * again; the seal shows the backup is the one written with this key. So someone who can write where
 * backups are kept, but does not hold the key, cannot add an account, change a row or rewrite the
 * audit trail and have the backup restore.
 */
const PURPOSE = 'cspr-hub backup seal v1';

export function sealKeyFrom(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), PURPOSE, 32));
}

/** The deployment's seal key, from its configuration (the data encryption key). */
export function sealKeyFor(config: { dataEncryptionKey?: string | undefined; dataDir: string }): Buffer {
  return sealKeyFrom(loadDataKey({ envKey: config.dataEncryptionKey, dataDir: config.dataDir }));
}

/** The seal of a backup whose lines before the manifest have this SHA-256 (hex). */
export function sealOf(key: Buffer, linesDigest: string): string {
  return createHmac('sha256', key).update(`${PURPOSE}\n${linesDigest}`).digest('hex');
}

/**
 * 'holds': the backup carries a seal made with this key; 'none': it carries no seal, as no backup of
 * an earlier format (before 3) does; 'unchecked': no key to check it with here. A seal that does not
 * match is a BackupError: the backup was changed after it was written (or written with another key).
 * So is a backup of format 3 or later without a seal, since every such backup is written with one:
 * its seal was taken off.
 */
export type SealStatus = 'holds' | 'none' | 'unchecked';

export function checkSeal(file: string, header: BackupHeader, seal: unknown, linesDigest: string, key: Buffer | null): SealStatus {
  if (seal === undefined || seal === null) {
    if (header.version >= 3) throw new BackupError(`The backup ${file} was changed after it was written: it has no seal, and every backup of its format is written with one. Nothing was kept; use another copy.`);
    return 'none';
  }
  if (!key) return 'unchecked';
  const want = Buffer.from(sealOf(key, linesDigest), 'hex');
  const got = typeof seal === 'string' && /^[0-9a-f]{64}$/.test(seal) ? Buffer.from(seal, 'hex') : Buffer.alloc(0);
  if (got.length === want.length && timingSafeEqual(got, want)) return 'holds';
  throw new BackupError(
    `The backup ${file} was changed after it was written, or written with another data encryption key: its seal does not match. Nothing was kept; use another copy, or the key of the deployment it came from.`,
  );
}

/** Why a backup without a seal that holds is restored only when asked for by name (`--unsealed`). */
export function unsealedRefusal(file: string, header: BackupHeader, status: Exclude<SealStatus, 'holds'>): BackupError {
  const why =
    status === 'none'
      ? `it carries no seal: it says it was made on ${header.createdAt} by an earlier version of CSPR Hub (backup format ${header.version}), before backups were sealed`
      : 'no data encryption key is configured here to check its seal with';
  return new BackupError(
    `The backup ${file} cannot be shown to be the one that was written: ${why}, so it may have been changed since. Nothing was kept. Restore it only if you know where it has been, with cspr restore --unsealed.`,
  );
}
