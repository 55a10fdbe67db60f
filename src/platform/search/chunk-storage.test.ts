import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ENGINES, useTestDatabase } from '../../../test/support/database.ts';
import { addPartnership } from '../../features/partnerships/service.ts';
import { addPublication } from '../../features/repository/catalogue.ts';
import { listMigrations } from '../db/migrate.ts';
import { inTransaction } from '../db/transaction.ts';

// A page of 120 made-up words: its word vector (about 1.6 kB) and its compressed text do not fit
// together in a row of 2 kB, as with a real report page (migration 0048).
let seed = 11;
function letter(): string {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return String.fromCharCode(97 + (seed % 26));
}
const PAGE = Array.from({ length: 120 }, () => Array.from({ length: 7 }, letter).join('')).join(' ');

describe.each(ENGINES)('report pages stored for search on %s', (engine) => {
  const t = useTestDatabase(engine);

  /** Blocks of the chunks' TOAST table fetched by reading the publication's pages' `column` (the engine's counters for the transaction). */
  async function toastBlocksRead(publicationId: string, column: 'tsv' | 'body'): Promise<number> {
    return inTransaction(t().database.db, async (trx) => {
      const fetched = async () =>
        Number(
          (await sql<{ n: number }>`select pg_stat_get_xact_blocks_fetched(reltoastrelid) as n from pg_class where oid = 'publication_chunks'::regclass`.execute(trx)).rows[0].n,
        );
      const before = await fetched();
      await sql`select sum(length(${sql.ref(`c.${column}`)})) from publication_chunks c where c.publication_id = ${publicationId} and c.kind = 'page'`.execute(trx);
      return (await fetched()) - before;
    });
  }

  /** A publication whose one report page is PAGE. */
  async function withFullPage(slug: string, sha256: string): Promise<string> {
    const db = t().database.db;
    const partnership = (await addPartnership(db, { slug, name: `${slug} SCP` })).id;
    const { id } = await addPublication(db, {
      partnershipId: partnership,
      source: 'import',
      title: 'A report with a full page',
      summary: 'A summary.',
      reviewType: 'scr',
      themes: [],
      publishedOn: '2024-01-01',
      file: { sha256, name: 'full.pdf', type: 'pdf', size: 100, pages: [PAGE] },
    });
    return id;
  }

  /** A shipped migration's text, run as migrate runs it. */
  async function runMigration(prefix: string): Promise<void> {
    const migration = listMigrations().find((m) => m.name.startsWith(prefix));
    if (!migration) throw new Error(`no migration ${prefix}`);
    await t().database.pool.query(fs.readFileSync(migration.file, 'utf8'));
  }

  it('keeps each page’s word vector in its row, so choosing a passage does not fetch it from elsewhere', async () => {
    const id = await withFullPage('storage-test', 'a'.repeat(64));
    expect(await toastBlocksRead(id, 'tsv')).toBe(0);
    // The text is what moved out of the row: reading it fetches from the TOAST table (which also shows the counter counts).
    expect(await toastBlocksRead(id, 'body')).toBeGreaterThan(0);
  });

  it('moves the vector of a page stored before into its row, its text and vector unchanged (migrations 0048 and 0049)', async () => {
    const pool = t().database.pool;
    // The storage before migration 0048, and a page stored under it: its vector out of the row.
    await pool.query('alter table publication_chunks alter column tsv set storage extended');
    const id = await withFullPage('stored-before', 'b'.repeat(64));
    expect(await toastBlocksRead(id, 'tsv')).toBeGreaterThan(0);
    const before = (await pool.query(`select body, tsv::text as tsv from publication_chunks where publication_id = $1 order by seq`, [id])).rows;
    await runMigration('0048_');
    await runMigration('0049_');
    expect(await toastBlocksRead(id, 'tsv')).toBe(0);
    expect((await pool.query(`select body, tsv::text as tsv from publication_chunks where publication_id = $1 order by seq`, [id])).rows).toEqual(before);
  });
});
