import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../domain/calendar/bank-holidays.ts';
import { DEFAULT_CLOCK_RULES } from '../../domain/clocks/rules.ts';
import { createFieldCipher } from '../crypto/field-encryption.ts';
import { checkMasterKey, keyFingerprint } from '../crypto/master-key.ts';
import type { Database } from '../db/database.ts';
import { createFileStore, sha256Of, type FileStore } from '../storage/file-store.ts';
import { checkRestoreKey, restore } from './restore.ts';
import { verifyBackup } from './verify.ts';
import { backup } from './write.ts';
import { sealKeyFrom } from './seal.ts';

/** Rows migrations seed into every database: clock rules and bank holidays (0004), themes (0009). */
const SEEDED_THEMES = 29;
const SEEDED_ROWS = DEFAULT_CLOCK_RULES.length + ENGLAND_AND_WALES_BANK_HOLIDAYS.length + SEEDED_THEMES;

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const SEAL = sealKeyFrom(KEY);
/** A small chunk size, so files span several chunks. */
const storeOn = (database: Database, key = KEY): FileStore => createFileStore({ db: database.db, cipher: createFieldCipher(key), config: { backend: 'database' }, chunkBytes: 4096 });

const PRIVATE = Buffer.concat([Buffer.from('%PDF-1.7\n% chronology naming Zebedee Fictitious\n'), randomBytes(10_000)]);
const PUBLIC = Buffer.concat([Buffer.from('%PDF-1.7\n% a published report\n'), randomBytes(5_000)]);

/** A gzip'd backup file made of the given lines (for damaged and old-format files). */
function writeLines(file: string, lines: string[]): void {
  fs.writeFileSync(file, zlib.gzipSync(lines.map((l) => `${l}\n`).join('')));
}
function readLines(file: string): string[] {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').slice(0, -1);
}

async function emptyTarget(engine: (typeof ENGINES)[number]): Promise<TestDatabase> {
  const target = await openTestDatabase(engine);
  // Restoring starts from nothing: drop what the test helper prepared.
  await target.database.pool.query('delete from partnerships');
  return target;
}

describe.each(ENGINES)('backup and restore on %s', (engine) => {
  let source: TestDatabase;
  let dir: string;
  let file: string;
  let privateSha: string;
  beforeAll(async () => {
    source = await openTestDatabase(engine);
    await checkMasterKey(source.database.db, KEY, source.dataDir);
    await source.database.pool.query(
      `insert into partnerships (slug, name, fictional) values ('east-vale', 'East Vale SCP', false), ('west-fen', 'West Fen – “quotes” & ünïcödé', true)`,
    );
    // Seeded tables travel too: the source drops one shipped holiday and adds one of its own.
    await source.database.pool.query(`delete from bank_holidays where date = '2027-12-28'`);
    await source.database.pool.query(`insert into bank_holidays (date, title, source) values ('2028-01-03', 'New Year’s Day (substitute day)', 'gov-uk-file')`);
    const files = storeOn(source.database);
    privateSha = await files.put(source.database.db, PRIVATE, 'private');
    await files.put(source.database.db, PUBLIC, 'public');
    dir = freshDir('backup');
    file = path.join(dir, 'all.cspr.gz');
    await backup(source.database, files, file, { seal: SEAL });
  });
  afterAll(async () => {
    await source.database.close();
    await source.drop();
  });

  // Rows: 2 partnerships, the seeded rows, the key's fingerprint and the 2 files' records.
  const ROWS = 2 + SEEDED_ROWS + 1 + 2;

  it('writes every row and every file, and restores them into an empty database of each engine', async () => {
    const written = await backup(source.database, storeOn(source.database), file, { seal: SEAL });
    expect(written).toMatchObject({ rows: ROWS, files: 2, keyFingerprint: keyFingerprint(KEY) });
    // The private file travels sealed: the backup alone reveals nothing of it.
    expect(zlib.gunzipSync(fs.readFileSync(file)).includes(Buffer.from(PRIVATE.subarray(10, 60).toString('base64').slice(0, 40)))).toBe(false);
    const before = (await source.database.pool.query('select * from partnerships order by slug')).rows;
    for (const target of ENGINES) {
      const empty = await emptyTarget(target);
      try {
        const files = storeOn(empty.database);
        const restored = await restore(empty.database, files, file, { sealKey: SEAL });
        expect(restored).toEqual({ tables: expect.any(Number), rows: ROWS, files: 2 });
        const after = (await empty.database.pool.query('select * from partnerships order by slug')).rows;
        expect(after).toEqual(before);
        // The backup's holidays replace the seeded ones, not add to them.
        const holidays = (await empty.database.pool.query(`select date, source from bank_holidays order by date`)).rows;
        expect(holidays).toHaveLength(ENGLAND_AND_WALES_BANK_HOLIDAYS.length);
        expect(holidays.at(-1)).toEqual({ date: '2028-01-03', source: 'gov-uk-file' });
        expect(holidays.some((h) => h.date === '2027-12-28')).toBe(false);
        const rules = await empty.database.pool.query('select count(*)::int as n from clock_rules');
        expect(rules.rows[0].n).toBe(DEFAULT_CLOCK_RULES.length);
        // Every file comes back, byte for byte, the private one still encrypted at rest.
        expect((await files.read(privateSha))?.equals(PRIVATE)).toBe(true);
        expect((await files.read(sha256Of(PUBLIC)))?.equals(PUBLIC)).toBe(true);
        expect((await files.open(privateSha))?.encrypted).toBe(true);
      } finally {
        await empty.database.close();
        await empty.drop();
      }
    }
  });

  it('restores what it checked: the backup changed on its shelf while it is restored changes nothing', async () => {
    // A backup whose files outlast what a reader holds ahead (so the file is still being read when the first is stored).
    const big = randomBytes(600_000);
    const origin = await emptyTarget(engine);
    const shelf = path.join(dir, 'on-the-shelf.cspr.gz');
    try {
      await storeOn(origin.database).put(origin.database.db, big, 'public');
      await backup(origin.database, storeOn(origin.database), shelf, { seal: SEAL });
    } finally {
      await origin.database.close();
      await origin.drop();
    }
    const empty = await emptyTarget(engine);
    try {
      const store = storeOn(empty.database);
      // Once the first file goes to the store (the backup already checked whole), someone rewrites the backup.
      let rewritten = false;
      const watched: FileStore = {
        ...store,
        writeStoredChunks: (db, row, chunks) => {
          if (!rewritten) fs.writeFileSync(shelf, zlib.gzipSync('{"rewritten": true}\n'.repeat(100_000)));
          rewritten = true;
          return store.writeStoredChunks(db, row, chunks);
        },
      };
      expect(await restore(empty.database, watched, shelf, { sealKey: SEAL })).toMatchObject({ files: 1 });
      expect(rewritten).toBe(true);
      expect((await store.read(sha256Of(big)))?.equals(big)).toBe(true);
    } finally {
      await empty.database.close();
      await empty.drop();
    }
  });

  it('refuses to restore over existing data and changes nothing', async () => {
    await expect(restore(source.database, storeOn(source.database), file, { sealKey: SEAL })).rejects.toThrow(/only into an empty data folder or database/);
    const { rows } = await source.database.pool.query('select count(*)::int as n from partnerships');
    expect(rows[0].n).toBe(2);
  });

  it('refuses a file that is not a backup, one cut short, one changed, and one from a newer version, keeping nothing', async () => {
    const junk = path.join(dir, 'x.gz');
    fs.writeFileSync(junk, 'plain text');
    await expect(checkRestoreKey(junk, KEY, dir)).rejects.toThrow(/not a gzip file/);
    writeLines(junk, ['{"hello":1}']);
    await expect(checkRestoreKey(junk, KEY, dir)).rejects.toThrow(/not a CSPR Hub backup/);
    await expect(checkRestoreKey(path.join(dir, 'missing.gz'), KEY, dir)).rejects.toThrow(/no backup file/);

    const lines = readLines(file);
    const header = JSON.parse(lines[0]) as Record<string, unknown>;
    writeLines(junk, [JSON.stringify({ ...header, version: 4 }), ...lines.slice(1)]);
    await expect(checkRestoreKey(junk, KEY, dir)).rejects.toThrow(/newer version of CSPR Hub \(backup format 4/);
    writeLines(junk, [JSON.stringify({ ...header, migrations: [...(header.migrations as string[]), '9999_future'] }), ...lines.slice(1)]);
    await expect(checkRestoreKey(junk, KEY, dir)).rejects.toThrow(/newer version of CSPR Hub \(it has migration 9999_future\)/);

    const cutGzip = path.join(dir, 'cut.gz');
    const whole = fs.readFileSync(file);
    fs.writeFileSync(cutGzip, whole.subarray(0, Math.floor(whole.length * 0.7)));
    const cutAtLine = path.join(dir, 'cut-line.gz');
    writeLines(cutAtLine, lines.slice(0, -1));
    const partnershipRow = lines.findIndex((l) => l.includes('East Vale SCP'));
    const changed = path.join(dir, 'changed.gz');
    writeLines(changed, lines.map((l, i) => (i === partnershipRow ? l.replace('East Vale SCP', 'East Vale SCQ') : l)));
    const chunkLine = lines.findIndex((l) => l.startsWith('"'));
    const changedFile = path.join(dir, 'changed-file.gz');
    writeLines(changedFile, lines.map((l, i) => (i === chunkLine ? JSON.stringify(Buffer.from(randomBytes(4096 + 16)).toString('base64')) : l)));

    for (const [damaged, message] of [
      [cutGzip, /damaged or incomplete/],
      [cutAtLine, /incomplete: it ends before its manifest/],
      [changed, /the rows of partnerships do not match its manifest/],
      [changedFile, /does not match its manifest|not the length|not what was stored|does not open with its key/],
    ] as const) {
      const empty = await emptyTarget(engine);
      try {
        await expect(restore(empty.database, storeOn(empty.database), damaged, { sealKey: SEAL })).rejects.toThrow(message);
        await expect(verifyBackup(damaged, KEY)).rejects.toThrow(message);
        // One transaction: nothing of it was kept.
        for (const table of ['partnerships', 'stored_files', 'stored_file_chunks']) {
          const { rows } = await empty.database.pool.query(`select count(*)::int as n from ${table}`);
          expect(rows[0].n, `${table} after restoring ${path.basename(damaged)}`).toBe(0);
        }
      } finally {
        await empty.database.close();
        await empty.drop();
      }
    }
  });

  it('refuses a backup changed by someone without the key, even with its manifest made to match, keeping nothing', async () => {
    const lines = readLines(file);
    // Someone who can write where backups are kept adds an administrator's role… and works the manifest out again.
    const partnershipMarker = lines.findIndex((l) => l.startsWith('{"table":"partnerships"'));
    const rows = (JSON.parse(lines[partnershipMarker]) as { rows: number }).rows;
    const forged = lines.map((l, i) => (i > partnershipMarker && i <= partnershipMarker + rows ? l.replace('East Vale SCP', 'East Vale SCQ') : l));
    const hash = createHash('sha256');
    for (const l of forged.slice(partnershipMarker + 1, partnershipMarker + 1 + rows)) hash.update(l).update('\n');
    const manifest = JSON.parse(forged.at(-1) as string) as { manifest: { tables: Record<string, { rows: number; sha256: string }>; seal?: string | null } };
    manifest.manifest.tables.partnerships.sha256 = hash.digest('hex');
    const rehashed = path.join(dir, 'rehashed.gz');
    writeLines(rehashed, [...forged.slice(0, -1), JSON.stringify(manifest)]);
    // …or takes the seal off, or writes an older format's header over it.
    const unsealed = path.join(dir, 'unsealed.gz');
    writeLines(unsealed, [...forged.slice(0, -1), JSON.stringify({ manifest: { ...manifest.manifest, seal: null } })]);
    const downgraded = path.join(dir, 'downgraded.gz');
    writeLines(downgraded, [JSON.stringify({ ...(JSON.parse(forged[0]) as object), version: 2 }), ...forged.slice(1, -1), JSON.stringify({ manifest: { ...manifest.manifest, seal: undefined } })]);
    await expect(verifyBackup(rehashed, KEY)).rejects.toThrow(/was changed after it was written, or written with another data encryption key: its seal does not match/);
    await expect(verifyBackup(unsealed, KEY)).rejects.toThrow(/was changed after it was written: it has no seal, and every backup of its format is written with one/);
    expect(await verifyBackup(downgraded, KEY)).toMatchObject({ seal: 'none' });
    for (const [forgery, message, evenUnsealed] of [
      [rehashed, /its seal does not match/, true],
      [unsealed, /it has no seal, and every backup of its format is written with one/, true],
      // An older format's header: the operator is told what it claims to be, and it takes --unsealed.
      [downgraded, /cannot be shown to be the one that was written: it carries no seal: it says it was made on .* by an earlier version of CSPR Hub \(backup format 2\)/, false],
    ] as const) {
      const empty = await emptyTarget(engine);
      try {
        // A file's bytes may go to object storage, which no rollback reaches: none may be written.
        const store = storeOn(empty.database);
        const written: string[] = [];
        const watched: FileStore = { ...store, writeStoredChunks: (db, row, chunks) => (written.push(row.sha256), store.writeStoredChunks(db, row, chunks)) };
        await expect(restore(empty.database, watched, forgery, { sealKey: SEAL })).rejects.toThrow(message);
        if (evenUnsealed) await expect(restore(empty.database, watched, forgery, { sealKey: SEAL, unsealed: true })).rejects.toThrow(message);
        expect(written, path.basename(forgery)).toEqual([]);
        const { rows: kept } = await empty.database.pool.query('select count(*)::int as n from partnerships');
        expect(kept[0].n, path.basename(forgery)).toBe(0);
      } finally {
        await empty.database.close();
        await empty.drop();
      }
    }
  });

  it('checks the key before anything is written: the backup’s own, none, or another', async () => {
    await expect(checkRestoreKey(file, KEY, dir)).resolves.toMatchObject({ version: 3, keyFingerprint: keyFingerprint(KEY) });
    await expect(checkRestoreKey(file, OTHER_KEY, dir)).rejects.toThrow(/made with another data encryption key .*: set DATA_ENCRYPTION_KEY \(or the key file .*data-encryption\.key\) to the key of the deployment the backup came from/);
    await expect(checkRestoreKey(file, null, dir)).rejects.toThrow(/needs the encryption key of the deployment it came from .* and none is configured: set DATA_ENCRYPTION_KEY/);
  });

  it('verifies a backup without restoring it, opening encrypted files only with the right key', async () => {
    const withKey = await verifyBackup(file, KEY);
    expect(withKey).toMatchObject({ rows: ROWS, files: 2, opened: 2, key: 'matches', seal: 'holds' });
    expect(await verifyBackup(file, null)).toMatchObject({ files: 2, opened: 1, key: 'none', seal: 'unchecked' });
    expect(await verifyBackup(file, OTHER_KEY)).toMatchObject({ files: 2, opened: 1, key: 'other', seal: 'unchecked' });
  });

  it('still restores a backup of the earlier format (rows only), checking its key by an encrypted value', async () => {
    const cipher = createFieldCipher(KEY);
    const old = path.join(dir, 'version-1.gz');
    writeLines(old, [
      JSON.stringify({ format: 'cspr-hub-backup', version: 1, createdAt: '2026-01-01T00:00:00.000Z', engine: 'embedded', migrations: ['0001_partnerships', '0002_secure_area'] }),
      JSON.stringify({ table: 'partnerships', columns: ['id', 'slug', 'name', 'fictional', 'created_at'] }),
      JSON.stringify({ id: '6a1f0d2e-6c53-4d2c-9a57-0d6a0c3f0001', slug: 'old-vale', name: 'Old Vale SCP', fictional: true, created_at: '2026-01-01T00:00:00+00:00' }),
      JSON.stringify({ table: 'users', columns: ['id', 'email', 'name', 'totp_secret_enc'] }),
      JSON.stringify({ id: '6a1f0d2e-6c53-4d2c-9a57-0d6a0c3f0002', email: 'old@example.org', name: 'Old Person', totp_secret_enc: cipher.encrypt('JBSWY3DPEHPK3PXP') }),
    ]);
    await expect(checkRestoreKey(old, OTHER_KEY, dir)).rejects.toThrow(/does not open with the configured key/);
    await expect(checkRestoreKey(old, null, dir)).rejects.toThrow(/does not open with the key, as none is configured/);
    await checkRestoreKey(old, KEY, dir);
    const empty = await emptyTarget(engine);
    try {
      // It carries no seal: restored only when asked for by name.
      await expect(restore(empty.database, storeOn(empty.database), old, { sealKey: SEAL })).rejects.toThrow(/it carries no seal: it says it was made on 2026-01-01T00:00:00.000Z by an earlier version of CSPR Hub \(backup format 1\), before backups were sealed.* with cspr restore --unsealed/);
      expect(await restore(empty.database, storeOn(empty.database), old, { sealKey: SEAL, unsealed: true })).toEqual({ tables: 2, rows: 2, files: 0 });
      const user = (await empty.database.pool.query(`select totp_secret_enc from users`)).rows[0] as { totp_secret_enc: string };
      expect(cipher.decrypt(user.totp_secret_enc)).toBe('JBSWY3DPEHPK3PXP');
    } finally {
      await empty.database.close();
      await empty.drop();
    }
  });
});
