import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createServerDatabase, ENGINES, freshDir, openTestDatabase } from '../../../test/support/database.ts';
import { addPublication } from '../../features/repository/catalogue.ts';
import { createFieldCipher } from '../crypto/field-encryption.ts';
import { checkMasterKey } from '../crypto/master-key.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { listMigrations, migrate } from '../db/migrate.ts';
import { searchPublications } from '../search/search.ts';
import { createFileStore } from '../storage/file-store.ts';
import { restore } from './restore.ts';
import { backup } from './write.ts';
import { sealKeyFrom } from './seal.ts';

const KEY = randomBytes(32);
const SEAL = sealKeyFrom(KEY);
const storeOn = (database: Database) => createFileStore({ db: database.db, cipher: createFieldCipher(KEY), config: { backend: 'database' } });

/** The migrations up to and including `last`, in a folder of their own: a deployment of an earlier version. */
function migrationsUpTo(last: string): string {
  const dir = freshDir('migrations');
  for (const m of listMigrations()) if (m.name <= last) fs.copyFileSync(m.file, path.join(dir, `${m.name}.sql`));
  return dir;
}

describe.each(ENGINES)('a backup made before the search table existed, restored on %s', (engine) => {
  it('restores, and its publications are found by words and by phrases', async () => {
    // A deployment of the version before 0043: publications held their own whole-text vector.
    const server = engine === 'postgres' ? await createServerDatabase() : null;
    const old = await openDatabase({ dataDir: freshDir('old'), ...(server ? { databaseUrl: server.url } : {}) });
    const target = await openTestDatabase(engine);
    try {
      await migrate(old, migrationsUpTo('0042_search_ranking_lists'));
      await checkMasterKey(old.db, KEY, freshDir('key'));
      const { rows } = await old.pool.query<{ id: string }>(`insert into partnerships (slug, name, fictional) values ('north-dale', 'North Dale SCP', true) returning id`);
      await addPublication(old.db, {
        partnershipId: rows[0].id, source: 'import', title: 'Child Q', summary: 'A review of agencies’ work.', reviewType: 'scr', themes: [], publishedOn: '2021-03-04',
        file: { sha256: 'a'.repeat(64), name: 'q.pdf', type: 'pdf', size: 10, pages: ['The health visitor saw the family at home in Aldbrook.'] },
      });
      const file = path.join(freshDir('backup'), 'old.cspr.gz');
      await backup(old, storeOn(old), file, { seal: SEAL });

      await target.database.pool.query('delete from partnerships');
      await restore(target.database, storeOn(target.database), file, { sealKey: SEAL });
      const words = await searchPublications(target.database.db, { q: 'aldbrook' }, { cache: false });
      expect(words.results.map((r) => r.title)).toEqual(['Child Q']);
      const phrase = await searchPublications(target.database.db, { q: '"health visitor"' }, { cache: false });
      expect(phrase.results.map((r) => r.title)).toEqual(['Child Q']);
      const listed = await searchPublications(target.database.db, {}, { cache: false });
      expect(listed.total).toBe(1);
    } finally {
      await old.close();
      await server?.drop();
      await target.database.close();
      await target.drop();
    }
  }, 60_000);
});

describe.each(ENGINES)('a backup with a publication missing its search row, restored on %s', (engine) => {
  it('makes the row again after the restored ones, numbered after theirs', async () => {
    const source = await openTestDatabase(engine);
    const target = await openTestDatabase(engine);
    try {
      await checkMasterKey(source.database.db, KEY, freshDir('key'));
      const { rows } = await source.database.pool.query<{ id: string }>(`insert into partnerships (slug, name, fictional) values ('south-dale', 'South Dale SCP', true) returning id`);
      const add = (title: string) =>
        addPublication(source.database.db, { partnershipId: rows[0].id, source: 'import', title, summary: 'A review of agencies’ work.', reviewType: 'scr', themes: [], publishedOn: '2021-03-04' });
      await add('Child R');
      const second = await add('Child S');
      // The first keeps its search row, numbered 1 in a new database; the second's is gone.
      await source.database.pool.query('delete from publication_search where publication_id = $1', [second.id]);
      const file = path.join(freshDir('backup'), 'gap.cspr.gz');
      await backup(source.database, storeOn(source.database), file, { seal: SEAL });

      await target.database.pool.query('delete from partnerships');
      await restore(target.database, storeOn(target.database), file, { sealKey: SEAL });
      const listed = await searchPublications(target.database.db, {}, { cache: false });
      expect(listed.results.map((r) => r.title).sort()).toEqual(['Child R', 'Child S']);
      const { rows: ords } = await target.database.pool.query<{ n: number; distinct_n: number }>('select count(*)::int as n, count(distinct ord)::int as distinct_n from publication_search');
      expect(ords[0]).toEqual({ n: 2, distinct_n: 2 });
    } finally {
      await source.database.close();
      await source.drop();
      await target.database.close();
      await target.drop();
    }
  }, 60_000);
});
