import { describe, expect, it } from 'vitest';
import { ENGINES, useTestDatabase } from '../../../test/support/database.ts';
import { PREPARED_TERMS, searchPublications } from './search.ts';

describe.each(ENGINES)('the search statement’s kept plans on %s', (engine) => {
  const t = useTestDatabase(engine);

  /** The search statements the connection holds prepared. */
  async function kept(): Promise<number> {
    const { rows } = await t().database.pool.query<{ n: number }>(`select count(*)::int as n from pg_prepared_statements where statement like '%facet_rows%'`);
    return rows[0].n;
  }

  it('keeps the statement of a query of a few terms prepared, and plans a longer one afresh', async () => {
    const db = t().database.db;
    const before = await kept();
    const words = (n: number, stem = 'word') => Array.from({ length: n }, (_, i) => `${stem}${i}`).join(' ');
    await searchPublications(db, { q: words(PREPARED_TERMS) }, { cache: false });
    expect(await kept()).toBe(before + 1);
    // The same shape again: the statement kept is used, not another.
    await searchPublications(db, { q: words(PREPARED_TERMS, 'other') }, { cache: false });
    expect(await kept()).toBe(before + 1);
    await searchPublications(db, { q: words(PREPARED_TERMS + 1) }, { cache: false });
    expect(await kept()).toBe(before + 1);
  });
});
