import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCspr as cspr } from '../../../test/support/cli.ts';
import { copyTemplate, freshDir } from '../../../test/support/database.ts';
import { keyFingerprint, showFingerprint } from '../../platform/crypto/master-key.ts';
import { acquireDataDirLock } from '../../platform/db/data-dir-lock.ts';

const FINGERPRINT = /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/;

describe('the master key on the command line', () => {
  let dir: string;
  let keyFile: string;
  let oldKey: string;
  let file: string;
  beforeAll(async () => {
    dir = copyTemplate();
    expect((await cspr(['seed-demo'], { DATA_DIR: dir })).code).toBe(0);
    keyFile = path.join(dir, 'secrets', 'data-encryption.key');
    oldKey = fs.readFileSync(keyFile, 'utf8');
    file = path.join(freshDir('cli-verify'), 'demo.gz');
    expect((await cspr(['backup', file], { DATA_DIR: dir })).code).toBe(0);
  }, 120_000);

  it('names the configured key by its fingerprint, and the service refuses to start with another', async () => {
    const printed = await cspr(['keys', 'fingerprint'], { DATA_DIR: dir });
    expect(printed.stdout.trim()).toBe(showFingerprint(keyFingerprint(Buffer.from(oldKey, 'base64'))));
    expect(printed.stdout.trim()).toMatch(FINGERPRINT);
    const other = randomBytes(32).toString('base64');
    const serve = await cspr(['serve'], { DATA_DIR: dir, DATA_ENCRYPTION_KEY: other, PORT: '3999' });
    expect(serve.code).toBe(1);
    expect(serve.stderr.trim()).toBe(
      `cspr serve: The encrypted data in this database was written with another key (fingerprint ${printed.stdout.trim()}, the configured key is ${showFingerprint(keyFingerprint(Buffer.from(other, 'base64')))}): ` +
        `set DATA_ENCRYPTION_KEY (or the key file ${keyFile}) to the key it was written with.`,
    );
    expect(serve.stdout).not.toContain('is ready');
  }, 60_000);

  it('verifies a backup without restoring it, saying what the key allowed it to check', async () => {
    const withKey = await cspr(['backup', '--verify', file], { DATA_DIR: dir });
    expect(withKey.code).toBe(0);
    expect(withKey.stdout).toMatch(/is a whole backup \(format 3, made .* on the embedded engine, \d+ migrations\): \d+ rows in \d+ tables, 17 files/);
    expect(withKey.stdout).toContain('Its seal holds: it is unchanged since it was written with the configured key.');
    expect(withKey.stdout).toContain("Every file's content matches its record (17 checked).");
    const noKey = await cspr(['backup', '--verify', file], { DATA_DIR: freshDir('no-key') });
    expect(noKey.code).toBe(0);
    expect(noKey.stdout).toContain('no key is configured here, so encrypted files could not be checked');
    expect(noKey.stdout).toContain('Its seal could not be checked without the key it was written with.');
    const otherKey = await cspr(['backup', '--verify', file], { DATA_DIR: freshDir('other-key'), DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toContain('the configured key is another one: restoring it here would be refused');
    const truncated = path.join(freshDir('cut'), 'cut.gz');
    fs.writeFileSync(truncated, fs.readFileSync(file).subarray(0, 2000));
    const cut = await cspr(['backup', '--verify', truncated], { DATA_DIR: dir });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/^cspr backup: The backup .* is damaged or incomplete/);
  }, 60_000);

  it('rotates the key: refused while the data folder is in use, then done, with the key file replaced', async () => {
    const newKey = randomBytes(32).toString('base64');
    const missing = await cspr(['keys', 'rotate'], { DATA_DIR: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Set NEW_DATA_ENCRYPTION_KEY to the new key');
    const lock = acquireDataDirLock(dir);
    try {
      const busy = await cspr(['keys', 'rotate'], { DATA_DIR: dir, NEW_DATA_ENCRYPTION_KEY: newKey });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain('is in use by another process');
    } finally {
      lock.release();
    }
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(oldKey);
    const rotated = await cspr(['keys', 'rotate'], { DATA_DIR: dir, NEW_DATA_ENCRYPTION_KEY: newKey });
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^Re-encrypted \d+ values and file keys under the key with fingerprint [0-9a-f-]{19}\.\nThe key file in DATA_DIR\/secrets now holds the new key\./);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(newKey);
    expect((await cspr(['keys', 'fingerprint'], { DATA_DIR: dir })).stdout.trim()).toBe(showFingerprint(keyFingerprint(Buffer.from(newKey, 'base64'))));
    // The new key is now the database's: commands that check it run, and the old one is refused.
    expect((await cspr(['migrate'], { DATA_DIR: dir })).code).toBe(0);
    const old = await cspr(['migrate'], { DATA_DIR: dir, DATA_ENCRYPTION_KEY: oldKey });
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('was written with another key');
  }, 120_000);
});
