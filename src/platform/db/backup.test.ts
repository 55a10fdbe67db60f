import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { backup, BackupError, restore } from './backup.ts';

describe.each(ENGINES)('backup and restore on %s', (engine) => {
  let source: TestDatabase;
  let file: string;
  beforeAll(async () => {
    source = await openTestDatabase(engine);
    await source.database.pool.query(
      `insert into partnerships (slug, name, fictional) values ('east-vale', 'East Vale SCP', false), ('west-fen', 'West Fen – “quotes” & ünïcödé', true)`,
    );
    file = path.join(freshDir('backup'), 'all.cspr.gz');
  });
  afterAll(async () => {
    await source.database.close();
    await source.drop();
  });

  it('writes every row and restores them into an empty database of each engine', async () => {
    const written = await backup(source.database, file);
    expect(written.rows).toBe(2);
    expect(fs.existsSync(file)).toBe(true);
    const before = (await source.database.pool.query('select * from partnerships order by slug')).rows;
    for (const target of ENGINES) {
      const empty = await openTestDatabase(target);
      try {
        // Restoring starts from nothing: drop what the test helper prepared.
        await empty.database.pool.query('delete from partnerships');
        const restored = await restore(empty.database, file);
        expect(restored.rows).toBe(2);
        const after = (await empty.database.pool.query('select * from partnerships order by slug')).rows;
        expect(after).toEqual(before);
      } finally {
        await empty.database.close();
        await empty.drop();
      }
    }
  });

  it('refuses to restore over existing data and changes nothing', async () => {
    await backup(source.database, file);
    await expect(restore(source.database, file)).rejects.toThrow(/only into an empty data folder or database/);
    const { rows } = await source.database.pool.query('select count(*)::int as n from partnerships');
    expect(rows[0].n).toBe(2);
  });

  it('refuses a file that is not a backup', async () => {
    const junk = path.join(freshDir('junk'), 'x.gz');
    fs.writeFileSync(junk, 'plain text');
    await expect(restore(source.database, junk)).rejects.toThrow(BackupError);
    fs.writeFileSync(junk, zlib.gzipSync('{"hello":1}\n'));
    await expect(restore(source.database, junk)).rejects.toThrow(/not a CSPR Hub backup/);
    await expect(restore(source.database, path.join(freshDir('none'), 'missing.gz'))).rejects.toThrow(/no backup file/);
  });
});
