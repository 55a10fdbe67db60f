import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ENGINES, useTestDatabase } from '../../../test/support/database.ts';
import { inTransaction } from '../db/transaction.ts';
import { PREPARED_TERMS, searchPublications } from './search.ts';

describe.each(ENGINES)('the search statement’s kept plans on %s', (engine) => {
  const t = useTestDatabase(engine);

  it('keeps the statement of a query of a few terms prepared, and plans a longer one afresh', async () => {
    const words = (n: number, stem = 'word') => Array.from({ length: n }, (_, i) => `${stem}${i}`).join(' ');
    // In one transaction, so that the searches and the count are on one connection (a server's pool has several).
    await inTransaction(t().database.db, async (trx) => {
      const kept = async () =>
        (await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where statement like '%facet_rows%'`.execute(trx)).rows[0].n;
      const before = await kept();
      await searchPublications(trx, { q: words(PREPARED_TERMS) });
      expect(await kept()).toBe(before + 1);
      // The same shape again: the statement kept is used, not another.
      await searchPublications(trx, { q: words(PREPARED_TERMS, 'other') });
      expect(await kept()).toBe(before + 1);
      await searchPublications(trx, { q: words(PREPARED_TERMS + 1) });
      expect(await kept()).toBe(before + 1);
    });
  });
});
