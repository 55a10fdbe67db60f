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

/** One publication's facet values. */
export type FacetRow = { year: number; type: string; ageBand: string | null; partnershipId: string; themes: readonly string[] };

export type FacetRows = {
  /** search_version.version when the rows were read. */
  version: string;
  rows: ReadonlyMap<number, FacetRow>;
};

/** Each partnership's slug and name, by id. */
export type PartnershipNames = ReadonlyMap<string, { slug: string; name: string }>;

/** The filters a match may fail, as bits of the number the statement returns for it. */
export const FAILS = { year: 1, type: 2, theme: 4, age: 8, partnership: 16 } as const;
export type FilterName = keyof typeof FAILS;

/** The rows as the statement returns them: [ord, year, type, age band, partnership id, themes]. */
export type RawFacetRows = Array<[number, number, string, string | null, string, string[]]>;

export function facetRowsOf(version: string, raw: RawFacetRows): FacetRows {
  return { version, rows: new Map(raw.map(([ord, year, type, ageBand, partnershipId, themes]) => [ord, { year, type, ageBand, partnershipId, themes }])) };
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

/**
 * The counts over the matches `ords`: each facet counts the matches that pass every filter but its
 * own (`fails[i]`, bits of FAILS, says which filters match i fails; none when no filter is given), so
 * a ticked box does not hide its neighbours. Null when a match is not in the copy (a copy out of step:
 * read it again) or its partnership is not in `names`. Values with no match are left out, as are
 * matches without an age band from that facet. Years newest first; types, themes and age bands by
 * count, then value; partnerships by name.
 */
export function countFacets(table: FacetRows, names: PartnershipNames, ords: readonly number[], fails: readonly number[] | null): Facets | null {
  const years = new Map<number, number>();
  const types = new Map<string, number>();
  const themes = new Map<string, number>();
  const ages = new Map<string, number>();
  const partnerships = new Map<string, number>();
  const add = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  // A match counts in a facet when it fails no filter but (perhaps) that facet's own.
  const passes = (failed: number, own: number) => (failed & ~own) === 0;
  for (let i = 0; i < ords.length; i++) {
    const row = table.rows.get(ords[i]);
    if (!row) return null;
    const failed = fails ? fails[i] : 0;
    if (passes(failed, FAILS.year)) add(years, row.year);
    if (passes(failed, FAILS.type)) add(types, row.type);
    if (passes(failed, FAILS.theme)) for (const t of row.themes) add(themes, t);
    if (row.ageBand !== null && passes(failed, FAILS.age)) add(ages, row.ageBand);
    if (passes(failed, FAILS.partnership)) add(partnerships, row.partnershipId);
  }
  const byCount = (a: { value: string; count: number }, b: { value: string; count: number }) => b.count - a.count || a.value.localeCompare(b.value);
  const list = (map: Map<string, number>) => [...map].map(([value, count]) => ({ value, count })).sort(byCount);
  const named: Facets['partnerships'] = [];
  for (const [id, count] of partnerships) {
    const p = names.get(id);
    if (!p) return null;
    named.push({ value: p.slug, name: p.name, count });
  }
  return {
    years: [...years].map(([value, count]) => ({ value, count })).sort((a, b) => b.value - a.value),
    types: list(types),
    themes: list(themes),
    ageBands: list(ages),
    partnerships: named.sort((a, b) => a.name.localeCompare(b.name)),
  };
}
