import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCspr } from '../../../test/support/cli.ts';
import { copyTemplate, ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { addPartnership } from '../../features/partnerships/service.ts';
import { addPublication } from '../../features/repository/catalogue.ts';
import { createFieldCipher } from '../crypto/field-encryption.ts';
import { openDatabase } from '../db/database.ts';
import { describeMove, legacyFilesDir, moveDiskFiles } from './disk-move.ts';
import { createFileStore, sha256Of, type FileStore } from './file-store.ts';

const pdf = (label: string) => Buffer.concat([Buffer.from(`%PDF-1.7\n% ${label}\n`), randomBytes(3000)]);

/** Files as the service kept them before the file store: DATA_DIR/files/<sha256>. */
function onDisk(dataDir: string, bytes: Buffer, name = sha256Of(bytes)): string {
  fs.mkdirSync(legacyFilesDir(dataDir), { recursive: true });
  fs.writeFileSync(path.join(legacyFilesDir(dataDir), name), bytes);
  return name;
}

describe.each(ENGINES)('moving files from the data folder into the store on %s', (engine) => {
  let t: TestDatabase;
  let files: FileStore;
  let dataDir: string;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
    files = createFileStore({ db: t.database.db, cipher: createFieldCipher(randomBytes(32)), config: { backend: 'database' } });
    dataDir = freshDir('legacy');
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('moves each file once, published reports plain and the rest encrypted, leaving damaged ones where they are', async () => {
    const published = pdf('a published report');
    const answer = pdf('an agency answer');
    const partnership = await addPartnership(t.database.db, { slug: 'disk-vale', name: 'Disk Vale SCP' });
    await addPublication(t.database.db, {
      source: 'import', partnershipId: partnership.id, title: 'Child D: a review moved from disk', summary: 'A fictional review.', reviewType: 'local-cspr', themes: ['neglect'], publishedOn: '2024-05-01',
      file: { sha256: sha256Of(published), name: 'child-d.pdf', type: 'pdf', size: published.length, pages: ['Page one.'] },
    });
    onDisk(dataDir, published);
    onDisk(dataDir, answer);
    const damaged = onDisk(dataDir, pdf('changed on disk'), sha256Of(Buffer.from('what it once held')));
    const halfWritten = `.${sha256Of(answer)}.6a1f0d2e-6c53-4d2c-9a57-0d6a0c3f0001.tmp`;
    onDisk(dataDir, answer.subarray(0, 100), halfWritten);
    onDisk(dataDir, Buffer.from('not ours'), 'notes.txt');

    const report = await moveDiskFiles(t.database.db, files, dataDir);
    expect(report).toEqual({ moved: 2, alreadyStored: 0, leftInPlace: [{ name: damaged, reason: 'its content does not match its name (damaged on disk)' }] });
    expect(describeMove(report, dataDir)).toBe(
      `Moved 2 files from ${legacyFilesDir(dataDir)} into the file store.\nLeft ${path.join(legacyFilesDir(dataDir), damaged)} where it is: its content does not match its name (damaged on disk).`,
    );
    expect(fs.readdirSync(legacyFilesDir(dataDir)).sort()).toEqual([damaged, 'notes.txt'].sort());
    expect((await files.open(sha256Of(published)))?.encrypted).toBe(false);
    expect((await files.open(sha256Of(answer)))?.encrypted).toBe(true);
    expect((await files.read(sha256Of(answer)))?.equals(answer)).toBe(true);
    const moves = await t.database.db.selectFrom('stored_file_moves').select(['sha256', 'source']).orderBy('sha256').execute();
    expect(moves.map((m) => m.sha256)).toEqual([sha256Of(published), sha256Of(answer)].sort());
    expect(moves[0].source).toContain(path.resolve(dataDir));

    // Run again: nothing more to move, and nothing lost.
    expect(await moveDiskFiles(t.database.db, files, dataDir)).toMatchObject({ moved: 0, alreadyStored: 0 });
  });

  it('finishes a move interrupted after storing a file but before deleting it from the disk', async () => {
    const bytes = pdf('stored, then the process stopped');
    await files.put(t.database.db, bytes, 'private');
    onDisk(dataDir, bytes);
    expect(await moveDiskFiles(t.database.db, files, dataDir)).toMatchObject({ moved: 0, alreadyStored: 1 });
    expect(fs.existsSync(path.join(legacyFilesDir(dataDir), sha256Of(bytes)))).toBe(false);
  });

  it('does nothing for a data folder that never had files', async () => {
    expect(await moveDiskFiles(t.database.db, files, freshDir('no-files'))).toEqual({ moved: 0, alreadyStored: 0, leftInPlace: [] });
    expect(describeMove({ moved: 0, alreadyStored: 0, leftInPlace: [] }, dataDir)).toBeNull();
  });
});

describe('cspr migrate moves the files of an upgraded data folder', () => {
  it('reports the move once, and the files are then read from the store', async () => {
    const dir = copyTemplate();
    const bytes = pdf('kept on disk by an earlier version');
    onDisk(dir, bytes);
    const first = await runCspr(['migrate'], { DATA_DIR: dir });
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain(`Moved 1 file from ${legacyFilesDir(dir)} into the file store.`);
    expect(fs.existsSync(legacyFilesDir(dir))).toBe(false);
    const again = await runCspr(['migrate'], { DATA_DIR: dir });
    expect(again.stdout).toBe('The database is up to date.\n');
    const database = await openDatabase({ dataDir: dir });
    try {
      const key = fs.readFileSync(path.join(dir, 'secrets', 'data-encryption.key'), 'utf8');
      const store = createFileStore({ db: database.db, cipher: createFieldCipher(Buffer.from(key, 'base64')), config: { backend: 'database' } });
      expect((await store.read(sha256Of(bytes)))?.equals(bytes)).toBe(true);
    } finally {
      await database.close();
    }
  });
});
