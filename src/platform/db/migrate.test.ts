import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { listMigrations, migrate, MigrationError } from './migrate.ts';

describe.each(ENGINES)('migrations on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('records every shipped migration once', async () => {
    const { rows } = await t.database.pool.query<{ name: string }>('select name from schema_migrations order by name');
    expect(rows.map((r) => r.name)).toEqual(listMigrations().map((m) => m.name));
    expect(await migrate(t.database)).toEqual([]);
  });

  it('on the embedded engine, which has no autovacuum, vacuums after applying migrations', async () => {
    const dir = freshDir('migrations');
    fs.writeFileSync(path.join(dir, '9101_rewrite.sql'), 'create table yy_rewritten (id int, v text);\ninsert into yy_rewritten select g, g::text from generate_series(1, 200) g;\nupdate yy_rewritten set v = v || \'!\';');
    expect(await migrate(t.database, dir)).toEqual(['9101_rewrite']);
    const { rows } = await t.database.pool.query<{ vacuumed: boolean }>(`select last_vacuum is not null as vacuumed from pg_stat_user_tables where relname = 'yy_rewritten'`);
    expect(rows[0]?.vacuumed).toBe(engine === 'embedded');
  });

  it('rolls a failing migration back whole and leaves earlier ones applied', async () => {
    const dir = freshDir('migrations');
    fs.writeFileSync(path.join(dir, '9001_good.sql'), 'create table zz_good (id int);');
    fs.writeFileSync(path.join(dir, '9002_bad.sql'), 'create table zz_half (id int);\nselect * from no_such_table;');
    await expect(migrate(t.database, dir)).rejects.toThrow(MigrationError);
    await expect(migrate(t.database, dir)).rejects.toThrow(/9002_bad failed and was rolled back/);
    const tables = await t.database.pool.query<{ n: string }>(
      `select table_name as n from information_schema.tables where table_name like 'zz_%' order by 1`,
    );
    expect(tables.rows.map((r) => r.n)).toEqual(['zz_good']);
    const names = await t.database.pool.query<{ name: string }>(`select name from schema_migrations where name like '900%'`);
    expect(names.rows.map((r) => r.name)).toEqual(['9001_good']);
  });
});
