import type { Facets } from './search.ts';

/**
 * Facet counts made in the service, not the database (migration 0046). A search returns its matches
 * as the small whole numbers of their search rows (publication_search.ord) and, when filters are
 * given, which of them each match fails; the counts come from a copy of every publication's facet
 * values kept here. The copy carries the counter it was read under (search_version), which moves with
 * every committed change to the search rows; the search statement reads the counter in its own
 * snapshot and, when it differs from the copy's, returns the rows afresh in that same snapshot. So the
 * counts are always those of the matches' own snapshot, exactly as if the database had counted them.
 * The partnerships' slugs and names come with every search (a few rows), in the same snapshot too.
 */

/**
 * The copy of every search row's facet values, as columns of small numbers, each standing for one of
 * `values`' entries: counting a common word's 6,600 matches with a map per facet keyed by the values
 * themselves took about 3 ms a search (profiled on PostgreSQL, where the statement itself took 8 ms);
 * with one counter per code it is a tenth of that.
 */
export type FacetRows = {
  /** search_version.version when the rows were read. */
  version: string;
  /** Each row's place in the columns below, by its number (publication_search.ord). */
  places: ReadonlyMap<number, number>;
  /** By place, the code of the row's year, type, age band (-1 for none) and partnership. */
  year: Int32Array;
  type: Int32Array;
  age: Int32Array;
  partnership: Int32Array;
  /** By place, the codes of the row's themes: theme[themeFrom[place]] up to theme[themeFrom[place + 1]]. */
  themeFrom: Int32Array;
  theme: Int32Array;
  /** What each code stands for. */
  values: { years: number[]; types: string[]; ages: string[]; partnerships: string[]; themes: string[] };
};

/** Partnerships' slugs and names, by id. */
export type PartnershipNames = ReadonlyMap<string, { slug: string; name: string }>;

/** The filters a match may fail, as bits of the number the statement returns for it. */
export const FAILS = { year: 1, type: 2, theme: 4, age: 8, partnership: 16 } as const;
export type FilterName = keyof typeof FAILS;

/** The rows as the statement returns them: [ord, year, type, age band, partnership id, themes]. */
export type RawFacetRows = Array<[number, number, string, string | null, string, string[]]>;

/** Codes for values, in the order they are first met. */
function coder<T>(): { values: T[]; code(value: T): number } {
  const codes = new Map<T, number>();
  const values: T[] = [];
  return {
    values,
    code(value) {
      let c = codes.get(value);
      if (c === undefined) {
        c = values.length;
        codes.set(value, c);
        values.push(value);
      }
      return c;
    },
  };
}

export function facetRowsOf(version: string, raw: RawFacetRows): FacetRows {
  const n = raw.length;
  const [years, types, ages, partnerships, themes] = [coder<number>(), coder<string>(), coder<string>(), coder<string>(), coder<string>()];
  const places = new Map<number, number>();
  const year = new Int32Array(n);
  const type = new Int32Array(n);
  const age = new Int32Array(n);
  const partnership = new Int32Array(n);
  const themeFrom = new Int32Array(n + 1);
  const theme = new Int32Array(raw.reduce((sum, r) => sum + r[5].length, 0));
  let t = 0;
  raw.forEach(([ord, y, ty, ageBand, partnershipId, rowThemes], place) => {
    places.set(ord, place);
    year[place] = years.code(y);
    type[place] = types.code(ty);
    age[place] = ageBand === null ? -1 : ages.code(ageBand);
    partnership[place] = partnerships.code(partnershipId);
    themeFrom[place] = t;
    for (const th of rowThemes) theme[t++] = themes.code(th);
  });
  themeFrom[n] = t;
  return {
    version,
    places,
    year,
    type,
    age,
    partnership,
    themeFrom,
    theme,
    values: { years: years.values, types: types.values, ages: ages.values, partnerships: partnerships.values, themes: themes.values },
  };
}

/** The partnerships as the statement returns them: [id, slug, name]. */
export function partnershipNamesOf(raw: Array<[string, string, string]>): PartnershipNames {
  return new Map(raw.map(([id, slug, name]) => [id, { slug, name }]));
}

const kept = new WeakMap<object, FacetRows>();

/** The copy kept for this database, if any. */
export function keptFacetRows(db: object): FacetRows | undefined {
  return kept.get(db);
}

/**
 * Keeps `rows` for this database: the copy last read, whatever its counter. (Two searches may read
 * copies out of order; keeping the older one costs only a fresh copy on the next search, whereas
 * refusing a lower counter would keep a database made again from scratch copying rows on every search.)
 */
export function keepFacetRows(db: object, rows: FacetRows): void {
  kept.set(db, rows);
}

/** Forgets the copy (a match it does not hold: read it again). */
export function forgetFacetRows(db: object): void {
  kept.delete(db);
}

/** A comma-separated list of whole numbers, as array_to_string gives it ('' for none). */
export function wholeNumbers(text: string | null): number[] {
  return text ? text.split(',').map(Number) : [];
}

/** The search's total: the matches that fail no filter (`fails` as for countFacets; none given, every match). */
export function passingAll(ords: readonly number[], fails: readonly number[] | null): number {
  if (!fails) return ords.length;
  let n = 0;
  for (const failed of fails) if (failed === 0) n++;
  return n;
}

/**
 * The counts over the matches `ords`: each facet counts the matches that pass every filter but its
 * own (`fails[i]`, bits of FAILS, says which filters match i fails; none when no filter is given), so
 * a ticked box does not hide its neighbours. Null when a match is not in the copy (a copy out of step:
 * read it again) or its partnership is not in `names`. Values with no match are left out, as are
 * matches without an age band from that facet. Years newest first; types, themes and age bands by
 * count, then value; partnerships by name.
 */
export function countFacets(table: FacetRows, names: PartnershipNames, ords: readonly number[], fails: readonly number[] | null): Facets | null {
  const { values } = table;
  const years = new Int32Array(values.years.length);
  const types = new Int32Array(values.types.length);
  const themes = new Int32Array(values.themes.length);
  const ages = new Int32Array(values.ages.length);
  const partnerships = new Int32Array(values.partnerships.length);
  // A match counts in a facet when it fails no filter but (perhaps) that facet's own.
  const passes = (failed: number, own: number) => (failed & ~own) === 0;
  for (let i = 0; i < ords.length; i++) {
    const place = table.places.get(ords[i]);
    if (place === undefined) return null;
    const failed = fails ? fails[i] : 0;
    if (passes(failed, FAILS.year)) years[table.year[place]]++;
    if (passes(failed, FAILS.type)) types[table.type[place]]++;
    if (passes(failed, FAILS.theme)) for (let t = table.themeFrom[place]; t < table.themeFrom[place + 1]; t++) themes[table.theme[t]]++;
    if (table.age[place] >= 0 && passes(failed, FAILS.age)) ages[table.age[place]]++;
    if (passes(failed, FAILS.partnership)) partnerships[table.partnership[place]]++;
  }
  /** The values counted at least once, with their counts. */
  const counted = <T>(counts: Int32Array, of: readonly T[]) => of.map((value, c) => ({ value, count: counts[c] })).filter((x) => x.count > 0);
  const byCount = (a: { value: string; count: number }, b: { value: string; count: number }) => b.count - a.count || a.value.localeCompare(b.value);
  const named: Facets['partnerships'] = [];
  for (const { value: id, count } of counted(partnerships, values.partnerships)) {
    const p = names.get(id);
    if (!p) return null;
    named.push({ value: p.slug, name: p.name, count });
  }
  return {
    years: counted(years, values.years).sort((a, b) => b.value - a.value),
    types: counted(types, values.types).sort(byCount),
    themes: counted(themes, values.themes).sort(byCount),
    ageBands: counted(ages, values.ages).sort(byCount),
    partnerships: named.sort((a, b) => a.name.localeCompare(b.name)),
  };
}
