import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ENGINES, useTestDatabase } from '../../../test/support/database.ts';
import { addPartnership } from '../../features/partnerships/service.ts';
import { addPublication } from '../../features/repository/catalogue.ts';
import { RANK_MARGIN, searchPublications, type SearchRequest } from './search.ts';

// A small deterministic generator: some words common, some rare, so that each word's ranking list
// is longer than the depth the search reads (RANK_MARGIN plus the rows shown) for common words.
let seed = 7;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const WORDS = ['harbour', 'lantern', 'meadow', 'copper', 'willow', 'thistle', 'granite', 'ember'];
/** Skewed: harbour appears most, ember least. */
function word(): string {
  return WORDS[Math.floor(Math.pow(random(), 1.8) * WORDS.length)];
}
function sentence(): string {
  return `The practitioners met near the ${word()} and spoke of the ${word()} with the family.`;
}
const THEMES = ['neglect', 'housing-homelessness', 'online-harm', 'young-carers'];
const PUBLICATIONS = RANK_MARGIN + 160;

describe.each(ENGINES)('ranking on %s', (engine) => {
  const t = useTestDatabase(engine);
  const deep: Record<string, string> = {};

  beforeAll(async () => {
    const db = t().database.db;
    const partnership = (await addPartnership(db, { slug: 'rank-test', name: 'Ranking Test SCP' })).id;
    for (let i = 0; i < PUBLICATIONS; i++) {
      const report = i % 5 === 0;
      await addPublication(db, {
        partnershipId: partnership,
        source: 'import',
        title: `Review ${i} ${random() < 0.3 ? word() : ''}`.trim(),
        summary: Array.from({ length: 1 + Math.floor(random() * 4) }, sentence).join(' '),
        reviewType: random() < 0.5 ? 'local-cspr' : 'thematic',
        themes: [THEMES[i % THEMES.length]],
        // Few dates, so that equal ranks on the same day fall to the identifier.
        publishedOn: `202${Math.floor(random() * 3)}-0${1 + Math.floor(random() * 2)}-01`,
        learning: random() < 0.5 ? { livedExperience: sentence(), keyLearning: sentence(), learningIntoPractice: sentence() } : null,
        file: report ? { sha256: i.toString(16).padStart(64, '0'), name: `r${i}.pdf`, type: 'pdf', size: 100, pages: [sentence(), sentence()] } : undefined,
      });
    }
    // The phrase "amber kettle": only on page 27 of one long report, and in another's summary.
    // Elsewhere the two words stand apart, or the other way round.
    const pages = Array.from({ length: 30 }, (_, n) => `Page ${n + 1}: the amber light and the kettle were noted by the visitor.`);
    pages[26] = 'The health visitor saw the amber kettle on the stove and recorded it.';
    deep.report = (
      await addPublication(db, { partnershipId: partnership, source: 'import', title: 'A long report', summary: 'Kettle and amber are both here, apart.', reviewType: 'scr', themes: [], publishedOn: '2019-05-05', file: { sha256: 'f'.repeat(64), name: 'long.pdf', type: 'pdf', size: 100, pages } })
    ).id;
    deep.summary = (await addPublication(db, { partnershipId: partnership, source: 'import', title: 'A short one', summary: 'An amber kettle was seen.', reviewType: 'scr', themes: [], publishedOn: '2019-06-06' })).id;
    deep.reversed = (await addPublication(db, { partnershipId: partnership, source: 'import', title: 'Reversed', summary: 'The kettle amber was odd.', reviewType: 'scr', themes: [], publishedOn: '2019-07-07' })).id;
    // "health visitor" and "visitor saw" on different pages: both pairs of "health visitor saw", never together.
    deep.pairsApart = (
      await addPublication(db, { partnershipId: partnership, source: 'import', title: 'Pairs apart', summary: 'Nothing.', reviewType: 'scr', themes: [], publishedOn: '2019-09-09', file: { sha256: 'd'.repeat(64), name: 'pairs.pdf', type: 'pdf', size: 100, pages: ['A health visitor.', 'The visitor saw it.'] } })
    ).id;
    // "lamp by the grate": PostgreSQL's phrase operator (lamp <3> grate) would take "lamp glowed by grate"
    // too, a word between in place of a stop word; the pairs keep to the phrase as written.
    deep.grate = (await addPublication(db, { partnershipId: partnership, source: 'import', title: 'Grate', summary: 'The lamp by the grate.', reviewType: 'scr', themes: [], publishedOn: '2019-10-10' })).id;
    await addPublication(db, { partnershipId: partnership, source: 'import', title: 'Glowing', summary: 'A lamp glowed by grate.', reviewType: 'scr', themes: [], publishedOn: '2019-10-11' });
    deep.apart = (await addPublication(db, {
      partnershipId: partnership,
      source: 'import',
      title: 'Apart on one page',
      summary: 'Nothing.',
      reviewType: 'scr',
      themes: [],
      publishedOn: '2019-08-08',
      file: { sha256: 'e'.repeat(64), name: 'apart.pdf', type: 'pdf', size: 100, pages: ['An amber car and a kettle.', 'amber', 'kettle'] },
    })).id;
  });

  /** Every match of the request, in no particular order (the matching itself is not what is tested here). */
  async function allMatches(request: SearchRequest): Promise<string[]> {
    const ids: string[] = [];
    for (let page = 1; ; page++) {
      const outcome = await searchPublications(t().database.db, { ...request, sort: 'newest', perPage: 100, page }, { cache: false });
      ids.push(...outcome.results.map((r) => r.id));
      if (page >= outcome.pageCount) return ids;
    }
  }

  /** The full ranking: every match scored with ts_rank_cd on its ranking vector, then sorted. */
  async function fullRanking(q: string, ids: string[]): Promise<Array<{ id: string; rank: number }>> {
    const { rows } = await sql<{ id: string; rank: number }>`
      with query as (
        select array_to_string(array(select quote_literal(w) from unnest(tsvector_to_array(to_tsvector('english', ${q}))) as w), ' | ')::tsquery as anyq
      )
      select p.id, round(ts_rank_cd(p.meta_tsv, query.anyq) * 10)::int as rank
      from publications p cross join query where p.id = any(${ids}::uuid[])
      order by 2 desc, p.published_on desc, p.id`.execute(t().database.db);
    return rows;
  }

  const cases: Array<{ q: string; filters?: SearchRequest['filters']; perPage?: number }> = [
    { q: 'harbour' },
    { q: 'lantern' },
    { q: 'ember' },
    { q: 'neglect' },
    { q: 'harbour lantern' },
    { q: 'meadow OR copper' },
    { q: 'harbour -willow' },
    { q: 'practitioners family' },
    { q: 'harbour', filters: { types: ['thematic'] } },
    { q: 'lantern', perPage: 5 },
  ];

  it.each(cases)('returns the same top results as scoring every match: $q', async ({ q, filters, perPage = 20 }) => {
    const ids = await allMatches({ q, filters });
    expect(ids.length).toBeGreaterThan(0);
    const full = await fullRanking(q, ids);
    // Each match scored directly (as for few matches); then through the lists (fewMatches 0), read
    // just to the rows needed (where the bound most often fails), a little beyond, and as deep as the
    // search does; and with the first reading at the rows needed, the second reading none (every
    // match scored), shorter than the rows needed, a little beyond them, and past the lists' ends.
    const ways = [
      {},
      ...[0, 3, 20, RANK_MARGIN].map((rankMargin) => ({ rankMargin, fewMatches: 0 })),
      ...[0, 25, 60, 150, 1000].map((deeperDepth) => ({ rankMargin: 0, fewMatches: 0, deeperDepth })),
    ];
    for (const way of ways) {
      for (const page of [1, 2, 3]) {
        const outcome = await searchPublications(t().database.db, { q, filters, perPage, page }, { cache: false, ...way });
        const expected = full.slice((page - 1) * perPage, page * perPage);
        expect(outcome.total).toBe(ids.length);
        expect(outcome.results.map((r) => r.id), `page ${page}, ${JSON.stringify(way)}`).toEqual(expected.map((r) => r.id));
        expect(outcome.results.map((r) => Math.round((r.rank ?? 0) * 10))).toEqual(expected.map((r) => r.rank));
      }
    }
  });

  it('proves rows from the second, deeper reading of the lists, without scoring every match', async () => {
    // Where the first reading (to the rows needed only) cannot prove its rows, a second reading that
    // stops inside the lists must prove some of them (the comparisons above check they are right).
    const ranked = new Map<string, number>();
    for (const { q, filters } of cases) {
      for (const page of [1, 2]) {
        const outcome = await searchPublications(t().database.db, { q, filters, page }, { cache: false, rankMargin: 0, fewMatches: 0, deeperDepth: 60 });
        ranked.set(String(outcome.rankedBy), (ranked.get(String(outcome.rankedBy)) ?? 0) + 1);
      }
    }
    expect(ranked.get('deeper lists')).toBeGreaterThan(0);
    // With no second reading, what the first could not prove is scored in full.
    const none = await searchPublications(t().database.db, { q: 'meadow OR copper', page: 2 }, { cache: false, rankMargin: 0, fewMatches: 0, deeperDepth: 0 });
    expect(['lists', 'every match']).toContain(none.rankedBy);
  });

  it('reads common words deeper than the lists it stops at', async () => {
    // The case above is only a test of the early stop if a word's list is longer than the depth read.
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from publication_terms where lexeme = 'harbour'`.execute(t().database.db);
    expect(rows[0].n).toBeGreaterThan(RANK_MARGIN + 60);
  });

  it('finds a phrase in exactly the publications that hold it, however deep in a report', async () => {
    const outcome = await searchPublications(t().database.db, { q: '"amber kettle"' }, { cache: false });
    expect(outcome.results.map((r) => r.id).sort()).toEqual([deep.report, deep.summary].sort());
    expect(outcome.total).toBe(2);
    const report = outcome.results.find((r) => r.id === deep.report)!;
    expect(report.snippet).toMatchObject({ kind: 'page', page: 27 });
    expect(report.snippet!.html).toContain('<mark>amber</mark> <mark>kettle</mark>');
    // Both words, not side by side, are three publications more.
    expect((await searchPublications(t().database.db, { q: 'amber kettle' }, { cache: false })).total).toBe(4);
  });

  async function found(q: string): Promise<string[]> {
    const outcome = await searchPublications(t().database.db, { q }, { cache: false });
    expect(outcome.total).toBe(outcome.results.length);
    return outcome.results.map((r) => r.id).sort();
  }

  it('finds a longer phrase only where it stands whole on one page, not where its pairs are apart', async () => {
    expect(await found('"health visitor saw"')).toEqual([deep.report]);
    expect(await found('"visitor saw"')).toEqual([deep.report, deep.pairsApart].sort());
    expect(await found('"saw the amber kettle"')).toEqual([deep.report]);
  });

  it('never joins words across two pages into a phrase', async () => {
    // Each page of the long report ends "…by the visitor." and the next begins "Page n:".
    expect(await found('"visitor page"')).toEqual([]);
    expect(await found('"amber kettle"')).not.toContain(deep.apart);
  });

  it('judges a phrase and other words over the whole publication, and shows the phrase', async () => {
    // "light" is on every page of the long report but page 27, where the phrase is.
    const outcome = await searchPublications(t().database.db, { q: '"amber kettle" light' }, { cache: false });
    expect(outcome.results.map((r) => r.id)).toEqual([deep.report]);
    expect(outcome.results[0].snippet).toMatchObject({ kind: 'page', page: 27 });
  });

  it('finds a hyphenated word written either way, and only where its parts stand together', async () => {
    const db = t().database.db;
    const partnership = (await db.selectFrom('partnerships').select('id').where('slug', '=', 'rank-test').executeTakeFirstOrThrow()).id;
    const add = async (title: string, summary: string, pages?: string[]) =>
      (
        await addPublication(db, {
          partnershipId: partnership,
          source: 'import',
          title,
          summary,
          reviewType: 'scr',
          themes: [],
          publishedOn: '2018-03-03',
          file: pages ? { sha256: title.length.toString(16).padStart(64, 'a'), name: 'h.pdf', type: 'pdf', size: 100, pages } : undefined,
        })
      ).id;
    const spaced = await add('Spaced', 'Advice on saffron lattice was given.');
    const hyphenated = await add('Hyphenated on a page', 'Nothing.', ['Nothing here.', 'The saffron-lattice advice was given.']);
    await add('Apart', 'The saffron was near a lattice.');
    const both = [spaced, hyphenated].sort();
    expect(await found('saffron-lattice')).toEqual(both);
    expect(await found('"saffron lattice"')).toEqual(both);
    expect(await found('saffron‐lattice')).toEqual(both);
    expect(await found('kettle -saffron-lattice')).toEqual(await found('kettle'));
  });

  it('leaves out exactly the publications holding an excluded phrase', async () => {
    expect(await found('kettle -"amber kettle"')).toEqual([deep.reversed, deep.apart].sort());
    expect(await found('kettle -"saw the amber kettle"')).toEqual([deep.summary, deep.reversed, deep.apart].sort());
    expect(await found('visitor -"health visitor saw"')).toEqual([deep.pairsApart]);
    expect(await found('kettle -("amber kettle" OR "kettle amber")')).toEqual([deep.apart]);
  });

  it('keeps a publication\'s search row in step when its type or themes change', async () => {
    const db = t().database.db;
    const partnership = (await db.selectFrom('partnerships').select('id').where('slug', '=', 'rank-test').executeTakeFirstOrThrow()).id;
    const { id } = await addPublication(db, { partnershipId: partnership, source: 'import', title: 'Zebrafinch', summary: 'A zebrafinch review.', reviewType: 'scr', themes: ['neglect'], publishedOn: '2018-03-03' });
    const search = () => searchPublications(db, { q: 'zebrafinch', filters: { types: ['thematic'], themes: ['online-harm'] } }, { cache: false });
    expect((await search()).total).toBe(0);
    await sql`update publications set review_type = 'thematic', themes = '["online-harm", "young-carers"]'::jsonb where id = ${id}`.execute(db);
    const outcome = await search();
    expect(outcome.results.map((r) => r.id)).toEqual([id]);
    expect(outcome.facets.themes).toEqual([
      { value: 'online-harm', count: 1 },
      { value: 'young-carers', count: 1 },
    ]);
  });

  it('takes stop words in a phrase as written, not any word in their place', async () => {
    expect(await found('"lamp by the grate"')).toEqual([deep.grate]);
    expect(await found('"lamp by the grate" OR "saw the amber kettle"')).toEqual([deep.report, deep.grate].sort());
  });
});
