import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ENGINES, useTestDatabase } from '../../../test/support/database.ts';
import { addPartnership } from '../../features/partnerships/service.ts';
import { addPublication } from '../../features/repository/catalogue.ts';
import { AGE_BANDS, type AgeBand } from '../../domain/reviews/review-types.ts';
import { inTransaction } from '../db/transaction.ts';
import { facetRowsOf, keepFacetRows, keptFacetRows, type RawFacetRows } from './facet-rows.ts';
import { searchPublications, type Facets, type SearchFilters } from './search.ts';

// The counts are checked against the rule itself, worked out here from the fixture: a facet's value
// counts the matches that have it and pass every filter given except that facet's own.
type Fixture = { slug: string; year: number; type: 'local-cspr' | 'thematic' | 'scr'; ageBand: AgeBand | null; partnership: string; themes: string[]; lantern: boolean };
const THEMES = ['neglect', 'housing-homelessness', 'online-harm', 'young-carers'];
const TYPES = ['local-cspr', 'thematic', 'scr'] as const;
const PARTNERSHIPS = [
  { slug: 'facet-north', name: 'Facet North SCP' },
  { slug: 'facet-east', name: 'Facet East SCP' },
  { slug: 'facet-west', name: 'Facet West SCP' },
];

const fixtures: Fixture[] = Array.from({ length: 36 }, (_, i) => ({
  slug: `f${i}`,
  year: 2019 + (i % 4),
  type: TYPES[(i * 7) % 3],
  ageBand: i % 5 === 0 ? null : AGE_BANDS[i % AGE_BANDS.length],
  partnership: PARTNERSHIPS[(i * 5) % 3].slug,
  themes: THEMES.filter((_, k) => ((i >> k) & 1) === 1),
  lantern: i % 3 !== 1,
}));

function expected(matches: Fixture[], f: SearchFilters): Facets {
  const passes = (x: Fixture, except: string) =>
    (except === 'years' || !f.years?.length || f.years.includes(x.year)) &&
    (except === 'types' || !f.types?.length || f.types.includes(x.type)) &&
    (except === 'themes' || !f.themes?.length || x.themes.some((t) => f.themes!.includes(t))) &&
    (except === 'ageBands' || !f.ageBands?.length || (x.ageBand !== null && f.ageBands.includes(x.ageBand))) &&
    (except === 'partnerships' || !f.partnerships?.length || f.partnerships.includes(x.partnership));
  const count = <K extends string | number>(facet: string, values: (x: Fixture) => K[]) => {
    const counts = new Map<K, number>();
    for (const x of matches) if (passes(x, facet)) for (const v of values(x)) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].map(([value, n]) => ({ value, count: n }));
  };
  const byCount = (a: { value: string; count: number }, b: { value: string; count: number }) => b.count - a.count || a.value.localeCompare(b.value);
  return {
    years: count('years', (x) => [x.year]).sort((a, b) => b.value - a.value),
    types: count('types', (x) => [x.type]).sort(byCount),
    themes: count('themes', (x) => x.themes).sort(byCount),
    ageBands: count('ageBands', (x) => (x.ageBand ? [x.ageBand] : [])).sort(byCount),
    partnerships: count('partnerships', (x) => [x.partnership])
      .map((p) => ({ ...p, name: PARTNERSHIPS.find((q) => q.slug === p.value)!.name }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

describe.each(ENGINES)('facet counts on %s', (engine) => {
  const t = useTestDatabase(engine);

  beforeAll(async () => {
    const db = t().database.db;
    // Only this file's publications: the counts below are over every publication.
    await sql`delete from publications`.execute(db);
    const ids = new Map<string, string>();
    for (const p of PARTNERSHIPS) ids.set(p.slug, (await addPartnership(db, p)).id);
    for (const x of fixtures) {
      await addPublication(db, {
        partnershipId: ids.get(x.partnership)!,
        source: 'import',
        title: `Review ${x.slug}`,
        summary: x.lantern ? 'The lantern was lit.' : 'Nothing of note.',
        reviewType: x.type,
        themes: x.themes,
        ageBand: x.ageBand,
        publishedOn: `${x.year}-03-0${1 + (Number(x.slug.slice(1)) % 9)}`,
      });
    }
  });

  const cases: Array<{ q?: string; filters: SearchFilters }> = [
    { filters: {} },
    { q: 'lantern', filters: {} },
    { q: 'lantern', filters: { years: [2020, 2021] } },
    { q: 'lantern', filters: { types: ['thematic'], themes: ['neglect', 'online-harm'] } },
    { filters: { ageBands: ['1-4', '16-17'], partnerships: ['facet-east'] } },
    { q: 'lantern', filters: { years: [2019, 2022], types: ['local-cspr', 'scr'], themes: ['young-carers'], ageBands: ['under-1', '5-9', '10-15'], partnerships: ['facet-north', 'facet-west'] } },
  ];
  it.each(cases)('counts each facet over the matches with every other filter applied: %j', async ({ q, filters }) => {
    const outcome = await searchPublications(t().database.db, { q, filters }, { cache: false });
    const matches = fixtures.filter((x) => !q || x.lantern);
    expect(outcome.facets).toEqual(expected(matches, filters));
    // The total: the matches that pass every filter (a match counted in the year facet that also passes the year filter).
    expect(outcome.total).toBe(matches.filter((x) => !filters.years?.length || filters.years.includes(x.year)).filter((x) => expected([x], filters).years.length > 0).length);
  });


  it('counts a transaction’s own changes in a search inside it, before they are committed', async () => {
    const db = t().database.db;
    await searchPublications(db, { q: 'lantern' }, { cache: false });
    await inTransaction(db, async (trx) => {
      await sql`update publications set published_on = '2017-01-01' where title = 'Review f0'`.execute(trx);
      const outcome = await searchPublications(trx, { q: 'lantern' }, { cache: false });
      expect(outcome.facets.years).toContainEqual({ value: 2017, count: 1 });
      await sql`update publications set published_on = '2019-03-01' where title = 'Review f0'`.execute(trx);
      const back = await searchPublications(trx, { q: 'lantern' }, { cache: false });
      expect(back.facets).toEqual(expected(fixtures.filter((x) => x.lantern), {}));
    });
  });

  it('counts with a kept copy of the rows until something changes, then with the new rows, whoever changed them', async () => {
    const db = t().database.db;
    await searchPublications(db, { q: 'lantern' }, { cache: false });
    const kept = keptFacetRows(db);
    expect(kept).toBeDefined();
    // A search with nothing changed keeps counting with the same copy.
    await searchPublications(db, { q: 'lantern' }, { cache: false });
    expect(keptFacetRows(db)).toBe(kept);
    // Changed by hand in SQL (as another process would): a partnership's name and a publication's year.
    await sql`update partnerships set name = 'Facet North Partnership' where slug = 'facet-north'`.execute(db);
    await sql`update publications set published_on = '2018-01-01' where title = 'Review f0'`.execute(db);
    const outcome = await searchPublications(db, { q: 'lantern' }, { cache: false });
    expect(keptFacetRows(db)).not.toBe(kept);
    expect(outcome.facets.partnerships.map((p) => p.name)).toContain('Facet North Partnership');
    expect(outcome.facets.years).toContainEqual({ value: 2018, count: 1 });
    await sql`update partnerships set name = 'Facet North SCP' where slug = 'facet-north'`.execute(db);
    await sql`update publications set published_on = '2019-03-01' where title = 'Review f0'`.execute(db);
  });

  it('never counts with a copy that does not hold every match: it asks for the rows again', async () => {
    const db = t().database.db;
    await searchPublications(db, {}, { cache: false });
    const kept = keptFacetRows(db)!;
    // A copy that claims the current counter but has lost a row (it cannot happen; if it did, a count would be wrong).
    // The rows as the statement returns them, read here.
    const { rows } = await sql<{ r: RawFacetRows[number] }>`select json_build_array(s.ord, s.year, s.review_type, s.age_band, s.partnership_id, s.themes) as r from publication_search s order by s.ord`.execute(db);
    const all = rows.map((x) => x.r);
    expect(all.length).toBeGreaterThan(1);
    const damaged = facetRowsOf(kept.version, all.slice(1));
    keepFacetRows(db, damaged);
    expect(keptFacetRows(db)).toBe(damaged);
    const outcome = await searchPublications(db, {}, { cache: false });
    expect(outcome.facets).toEqual(expected(fixtures, {}));
    expect(keptFacetRows(db)).not.toBe(damaged);
  });

  it('gives every caller of a kept search the same outcome, frozen, so none can change what the next one sees', async () => {
    const db = t().database.db;
    const first = await searchPublications(db, { q: 'lantern', page: 1 });
    const again = await searchPublications(db, { q: 'lantern', page: 1 });
    expect(again).toBe(first);
    expect(() => {
      (first.results as unknown[]).pop();
    }).toThrow(TypeError);
    expect(() => {
      (first.facets.years[0] as { count: number }).count = 0;
    }).toThrow(TypeError);
    expect((await searchPublications(db, { q: 'lantern', page: 1 })).facets).toEqual(expected(fixtures.filter((x) => x.lantern), {}));
  });
});
