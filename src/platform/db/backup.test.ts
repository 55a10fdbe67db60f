import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../domain/calendar/bank-holidays.ts';
import { DEFAULT_CLOCK_RULES } from '../../domain/clocks/rules.ts';
import { backup, BackupError, restore } from './backup.ts';

/** Rows migrations seed into every database: clock rules and bank holidays (0004), themes (0009). */
const SEEDED_THEMES = 29;
const SEEDED_ROWS = DEFAULT_CLOCK_RULES.length + ENGLAND_AND_WALES_BANK_HOLIDAYS.length + SEEDED_THEMES;

describe.each(ENGINES)('backup and restore on %s', (engine) => {
  let source: TestDatabase;
  let file: string;
  beforeAll(async () => {
    source = await openTestDatabase(engine);
    await source.database.pool.query(
      `insert into partnerships (slug, name, fictional) values ('east-vale', 'East Vale SCP', false), ('west-fen', 'West Fen – “quotes” & ünïcödé', true)`,
    );
    // Seeded tables travel too: the source drops one shipped holiday and adds one of its own.
    await source.database.pool.query(`delete from bank_holidays where date = '2027-12-28'`);
    await source.database.pool.query(`insert into bank_holidays (date, title, source) values ('2028-01-03', 'New Year’s Day (substitute day)', 'gov-uk-file')`);
    file = path.join(freshDir('backup'), 'all.cspr.gz');
  });
  afterAll(async () => {
    await source.database.close();
    await source.drop();
  });

  it('writes every row and restores them into an empty database of each engine', async () => {
    const written = await backup(source.database, file);
    expect(written.rows).toBe(2 + SEEDED_ROWS);
    expect(fs.existsSync(file)).toBe(true);
    const before = (await source.database.pool.query('select * from partnerships order by slug')).rows;
    for (const target of ENGINES) {
      const empty = await openTestDatabase(target);
      try {
        // Restoring starts from nothing: drop what the test helper prepared.
        await empty.database.pool.query('delete from partnerships');
        const restored = await restore(empty.database, file);
        expect(restored.rows).toBe(2 + SEEDED_ROWS);
        const after = (await empty.database.pool.query('select * from partnerships order by slug')).rows;
        expect(after).toEqual(before);
        // The backup's holidays replace the seeded ones, not add to them.
        const holidays = (await empty.database.pool.query(`select date, source from bank_holidays order by date`)).rows;
        expect(holidays).toHaveLength(ENGLAND_AND_WALES_BANK_HOLIDAYS.length);
        expect(holidays.at(-1)).toEqual({ date: '2028-01-03', source: 'gov-uk-file' });
        expect(holidays.some((h) => h.date === '2027-12-28')).toBe(false);
        const rules = await empty.database.pool.query('select count(*)::int as n from clock_rules');
        expect(rules.rows[0].n).toBe(DEFAULT_CLOCK_RULES.length);
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
