import { describe, expect, it } from 'vitest';
import { countFacets, FAILS, facetRowsOf, keepFacetRows, keptFacetRows, partnershipNamesOf, passingAll, wholeNumbers } from './facet-rows.ts';

const P1 = '00000000-0000-4000-8000-000000000001';
const P2 = '00000000-0000-4000-8000-000000000002';
const table = facetRowsOf('7', [
  [1, 2021, 'local-cspr', '1-4', P1, ['neglect', 'housing']],
  [2, 2022, 'thematic', null, P2, ['neglect']],
  [3, 2022, 'local-cspr', 'under-1', P2, []],
  [5, 2020, 'scr', '1-4', P1, ['housing']],
]);
const names = partnershipNamesOf([
  [P1, 'north', 'Northmoor SCP'],
  [P2, 'east', 'Eastvale SCP'],
]);

describe('counting facets over a search’s matches', () => {
  it('counts every match in each facet when no filter is given', () => {
    expect(countFacets(table, names, [1, 2, 3, 5], null)).toEqual({
      years: [
        { value: 2022, count: 2 },
        { value: 2021, count: 1 },
        { value: 2020, count: 1 },
      ],
      types: [
        { value: 'local-cspr', count: 2 },
        { value: 'scr', count: 1 },
        { value: 'thematic', count: 1 },
      ],
      themes: [
        { value: 'housing', count: 2 },
        { value: 'neglect', count: 2 },
      ],
      // A match without an age band is in no age band.
      ageBands: [
        { value: '1-4', count: 2 },
        { value: 'under-1', count: 1 },
      ],
      partnerships: [
        { value: 'east', name: 'Eastvale SCP', count: 2 },
        { value: 'north', name: 'Northmoor SCP', count: 2 },
      ],
    });
  });

  it('counts a match in a facet only if it fails no other filter than that facet’s own', () => {
    // 1 passes; 2 fails the year filter; 3 fails the type filter; 5 fails both.
    const facets = countFacets(table, names, [1, 2, 3, 5], [0, FAILS.year, FAILS.type, FAILS.year | FAILS.type])!;
    // The year facet ignores the year filter: 1 and 2 (2 fails only the year).
    expect(facets.years).toEqual([
      { value: 2022, count: 1 },
      { value: 2021, count: 1 },
    ]);
    // The type facet ignores the type filter: 1 and 3.
    expect(facets.types).toEqual([{ value: 'local-cspr', count: 2 }]);
    // The others count only the match that passes every filter.
    expect(facets.themes).toEqual([
      { value: 'housing', count: 1 },
      { value: 'neglect', count: 1 },
    ]);
    expect(facets.partnerships).toEqual([{ value: 'north', name: 'Northmoor SCP', count: 1 }]);
  });

  it('counts many matches with every mix of failed filters as the rule says, value by value', () => {
    let seed = 3;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const themes = ['neglect', 'housing', 'online-harm', 'young-carers'];
    const raw = Array.from({ length: 500 }, (_, i) => [
      10 + i * 3,
      2018 + next(5),
      ['scr', 'local-cspr', 'thematic'][next(3)],
      next(4) === 0 ? null : ['under-1', '1-4', '5-10'][next(3)],
      next(2) === 0 ? P1 : P2,
      themes.filter(() => next(3) === 0),
    ]) as Parameters<typeof facetRowsOf>[1];
    const big = facetRowsOf('1', raw);
    const matches = raw.filter(() => next(4) !== 0);
    const fails = matches.map(() => next(32));
    const facets = countFacets(big, names, matches.map((r) => r[0]), fails)!;
    // The rule, row by row: a match counts for a facet's value when it fails no filter but that facet's own.
    const expected = (bit: number, valuesOf: (r: (typeof raw)[number]) => Array<string | number | null>) => {
      const counts = new Map<string | number, number>();
      matches.forEach((r, i) => {
        if ((fails[i] & ~bit) !== 0) return;
        for (const v of valuesOf(r)) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      });
      return counts;
    };
    const asMap = (list: Array<{ value: string | number; count: number }>) => new Map(list.map((x) => [x.value, x.count]));
    expect(asMap(facets.years)).toEqual(expected(FAILS.year, (r) => [r[1]]));
    expect(asMap(facets.types)).toEqual(expected(FAILS.type, (r) => [r[2]]));
    expect(asMap(facets.ageBands)).toEqual(expected(FAILS.age, (r) => [r[3]]));
    expect(asMap(facets.themes)).toEqual(expected(FAILS.theme, (r) => r[5]));
    const slugs = expected(FAILS.partnership, (r) => [r[4] === P1 ? 'north' : 'east']);
    expect(asMap(facets.partnerships)).toEqual(slugs);
    expect(facets.themes.length).toBe(4);
  });

  it('says when a match is not in the copy, rather than counting without it', () => {
    expect(countFacets(table, names, [1, 4], null)).toBeNull();
    // Nor a partnership it cannot name.
    expect(countFacets(table, partnershipNamesOf([[P1, 'north', 'Northmoor SCP']]), [1, 2], null)).toBeNull();
  });

  it('totals the matches that fail no filter, or every match when no filter is given', () => {
    expect(passingAll([1, 2, 3, 5], null)).toBe(4);
    expect(passingAll([1, 2, 3, 5], [0, FAILS.year, 0, FAILS.year | FAILS.theme])).toBe(2);
    expect(passingAll([1, 2], [FAILS.type, FAILS.age])).toBe(0);
    expect(passingAll([], null)).toBe(0);
  });

  it('reads the statement’s lists of whole numbers', () => {
    expect(wholeNumbers(null)).toEqual([]);
    expect(wholeNumbers('')).toEqual([]);
    expect(wholeNumbers('3,10,200')).toEqual([3, 10, 200]);
  });

  it('keeps the copy last read, for each database apart', () => {
    const one = {};
    const other = {};
    keepFacetRows(one, facetRowsOf('10', []));
    keepFacetRows(one, facetRowsOf('3', []));
    expect(keptFacetRows(one)?.version).toBe('3');
    expect(keptFacetRows(other)).toBeUndefined();
  });
});
