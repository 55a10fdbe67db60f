import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/types.ts';
import { guardQuery, highlightToHtml, highlightToText, START_MARK, STOP_MARK } from './text.ts';
import { inTransaction, type PlannerSettings } from '../db/transaction.ts';
import { prepared } from '../db/prepared-statements.ts';
import { parseQuery, plainWords, replaceWord, wordsOf, type QueryNode } from './query.ts';
import { maxDistanceFor, nearWords } from './suggest.ts';
import { countFacets, passingAll, facetRowsOf, FAILS, forgetFacetRows, keepFacetRows, keptFacetRows, partnershipNamesOf, wholeNumbers, type FacetRows, type RawFacetRows } from './facet-rows.ts';

/**
 * Full-text search of the public learning repository. The engine (PostgreSQL text search over
 * page-sized chunks) sits behind this one function, so it can be swapped without touching pages.
 *
 * How a query runs, in one statement: the query is parsed with websearch_to_tsquery (which never
 * throws); the GIN index on each publication's whole-text vector (publication_search.doc_tsv: its
 * words and its word pairs) finds the matching publications, a phrase of two words by its pair
 * alone (a longer phrase is then confirmed on the pages of the publications with all its pairs);
 * they rank by their title, summary, learning and themes; filters and facet counts are computed
 * over that set (each facet counts with every other filter applied, so a ticked box does not hide
 * its neighbours); and only for the page of results shown are the pages read, to pick each one's
 * best passage and run ts_headline on it.
 */

export const SORTS = ['relevance', 'newest', 'oldest'] as const;
export type Sort = (typeof SORTS)[number];
export const PER_PAGE = 20;
/** Deeper pages than this are not served: nobody reads them, and offsets cost. */
export const MAX_PAGE = 500;

export type SearchFilters = {
  years?: readonly number[];
  types?: readonly string[];
  themes?: readonly string[];
  ageBands?: readonly string[];
  /** Partnership slugs. */
  partnerships?: readonly string[];
};

export type SearchRequest = {
  q?: string | null;
  filters?: SearchFilters;
  /** A partnership's own pages: only its publications, whatever the filters say. */
  partnership?: string | null;
  sort?: Sort;
  page?: number;
  perPage?: number;
};

export type Snippet = {
  /** Escaped HTML with the matched words in <mark>. */
  html: string;
  text: string;
  /** Where the text comes from; `page` is the report page for kind 'page'. */
  kind: 'summary' | 'learning' | 'briefing' | 'page';
  page: number | null;
};

export type SearchHit = {
  id: string;
  slug: string;
  title: string;
  /** The start of the summary (the whole summary is on the publication's page). */
  summary: string;
  publishedOn: string;
  reviewType: string;
  themes: string[];
  ageBand: string | null;
  partnership: { slug: string; name: string };
  hasLearning: boolean;
  hasBriefing: boolean;
  rank: number | null;
  snippet: Snippet | null;
};

export type FacetCount<T> = { value: T; count: number };

export type Facets = {
  years: FacetCount<number>[];
  types: FacetCount<string>[];
  themes: FacetCount<string>[];
  ageBands: FacetCount<string>[];
  partnerships: Array<FacetCount<string> & { name: string }>;
};

export type SearchOutcome = {
  /** The query as searched (after the guard); '' lists publications. */
  q: string;
  mode: 'search' | 'list';
  sort: Sort;
  total: number;
  page: number;
  perPage: number;
  pageCount: number;
  results: SearchHit[];
  facets: Facets;
  /**
   * How the results were put in order of relevance (ranking.md): each match scored, the words' lists
   * read to a first depth, then deeper, or every match scored from the lists; null when sorted by date.
   */
  rankedBy: 'each match' | 'lists' | 'deeper lists' | 'every match' | null;
};

type Db = Kysely<DB> | Transaction<DB>;

const SUMMARY_PREVIEW_CHARS = 400;
/**
 * ts_headline reads this much of a chunk around the first matching word, not the whole chunk. The word
 * is found in the chunk lower-cased by ASCII rules (collation "C"): the default collation's lower()
 * took 2 to 5 ms of a search for 20 results on the embedded engine, ASCII's about half that; a word
 * written only with a capital outside ASCII is then not found, and the window starts at the chunk's
 * start, as it does for a word the chunk holds only in another form.
 */
const HEADLINE_WINDOW = 900;
/** Rows the ranking reads beyond those needed, in each word's list (see ranking.md). */
export const RANK_MARGIN = 100;
/** Up to this many matches, each is scored directly rather than through the words' lists. */
export const FEW_MATCHES = 300;
/**
 * When the first reading of the lists cannot prove its rows are the top ones, each list is read again
 * this many times as deep (at least DEEPER_MIN rows) before every match is scored (ranking.md).
 */
export const DEEPER_FACTOR = 4;
export const DEEPER_MIN = 500;
/** Searches of up to this many words and phrases keep their statement prepared (see runSearch). */
export const PREPARED_TERMS = 4;
/**
 * The search statement's planner settings, sent with its transaction's BEGIN (`runSearch` says why
 * each): sequential scans off, no JIT, and its generic plan kept.
 */
const SEARCH_PLANNER: PlannerSettings = { enable_seqscan: 'off', jit: 'off', plan_cache_mode: 'force_generic_plan' };
const HEADLINE_OPTIONS = `StartSel=${START_MARK}, StopSel=${STOP_MARK}, MaxWords=35, MinWords=15, ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "`;

function clean<T>(values: readonly T[] | undefined): T[] {
  return [...new Set(values ?? [])];
}

function anyOf(column: RawBuilder<unknown>, values: readonly unknown[], cast: 'text' | 'int'): RawBuilder<boolean> {
  if (values.length === 0) return sql<boolean>`true`;
  return cast === 'int' ? sql<boolean>`${column} = any(${[...values]}::int[])` : sql<boolean>`${column} = any(${[...values]}::text[])`;
}

type Row = {
  results: unknown;
  ords: string | null;
  fails: string | null;
  version: string;
  facet_rows: unknown;
  partnerships: unknown;
  ranked_by: SearchOutcome['rankedBy'];
};

type RawHit = {
  id: string;
  slug: string;
  title: string;
  summary: string;
  published_on: string;
  review_type: string;
  themes: string[];
  age_band: string | null;
  partnership_slug: string;
  partnership_name: string;
  has_learning: boolean;
  has_briefing: boolean;
  rank: number | null;
  kind: Snippet['kind'] | null;
  page: number | null;
  headline: string | null;
};

function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

function asJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * Values made from the catalogue (searches' outcomes, "did you mean" answers, the list of themes, the
 * start page's newest reviews), kept for a minute: the repository changes rarely and popular searches
 * repeat, while a search over every page of every report is costly. A change to the catalogue in this
 * process makes them stale at once (`forgetSearches`); another process's change shows within the minute.
 */
const CACHE_MS = 60_000;
const CACHE_ENTRIES = 500;
/** Counts the catalogue's changes in this process: a value kept beside it is stale once this moves. */
let generation = 0;

/** Call after the catalogue changes: the next searches see the change. */
export function forgetSearches(): void {
  generation++;
}

const keptValues = new WeakMap<object, Map<string, { at: number; generation: number; value: Promise<unknown> }>>();

/**
 * A value made from the catalogue, kept per database and key: for a minute, and no longer once the
 * catalogue changes in this process. Kept as a promise, so visitors asking at once share one query
 * (a popular search after a change runs once, not once per waiting visitor). The least recently used
 * go first beyond CACHE_ENTRIES. Callers must not change the value.
 */
export function keptWithCatalogue<T>(db: object, key: string, make: () => Promise<T>): Promise<T> {
  let kept = keptValues.get(db);
  if (!kept) keptValues.set(db, (kept = new Map()));
  const last = kept.get(key);
  if (last && last.generation === generation && Date.now() - last.at < CACHE_MS) {
    kept.delete(key);
    kept.set(key, last);
    return last.value as Promise<T>;
  }
  // The generation before the value is made: a change meanwhile leaves it stale, made again next time.
  const entry = { at: Date.now(), generation, value: make() as Promise<unknown> };
  kept.delete(key);
  kept.set(key, entry);
  if (kept.size > CACHE_ENTRIES) kept.delete(kept.keys().next().value as string);
  const map = kept;
  entry.value.catch(() => {
    if (map.get(key) === entry) map.delete(key);
  });
  return entry.value as Promise<T>;
}

type RankOptions = { rankMargin?: number; fewMatches?: number; deeperDepth?: number };

/** Freezes a value made of plain objects and arrays, all the way down. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Searches (with a query) or lists (without one) the publications, kept with the catalogue
 * (`keptWithCatalogue`). `cache: false` always asks the database; `rankMargin`, `fewMatches` and
 * `deeperDepth` (tests) replace RANK_MARGIN, FEW_MATCHES and the second reading's depth (0: none), and
 * are never kept. The outcome is frozen, and the same one is given to every caller of a kept or running
 * search: copying it for each page view was a sixth of a search page's allocation, and a caller that
 * tried to change it would throw rather than change what the next visitor sees.
 */
export function searchPublications(db: Db, request: SearchRequest, options: { cache?: boolean } & RankOptions = {}): Promise<SearchOutcome> {
  const run = () =>
    runSearch(db, request, { rankMargin: options.rankMargin ?? RANK_MARGIN, fewMatches: options.fewMatches ?? FEW_MATCHES, deeperDepth: options.deeperDepth ?? -1 }).then(deepFreeze);
  const kept = options.cache !== false && options.rankMargin === undefined && options.fewMatches === undefined && options.deeperDepth === undefined && !db.isTransaction;
  if (!kept) return run();
  const key = JSON.stringify([guardQuery(request.q ?? ''), request.filters ?? {}, request.partnership ?? null, request.sort ?? null, request.page ?? 1, request.perPage ?? PER_PAGE]);
  return keptWithCatalogue(db, `search:${key}`, run);
}

/** A term's text as websearch_to_tsquery is given it (a phrase in quotes), and as plain text. */
function termText(node: Extract<QueryNode, { kind: 'term' }>): { websearch: string; plain: string } {
  const plain = node.phrase ? node.text.replace(/["“”]/gu, ' ') : node.text.replace(/^-+/u, '');
  return { websearch: node.phrase ? `"${plain}"` : plain, plain };
}

function termQuery(node: Extract<QueryNode, { kind: 'term' }>): RawBuilder<unknown> {
  return sql`websearch_to_tsquery('english', ${termText(node).websearch})`;
}

/** The query tree as a tsquery built in SQL, each person's word or phrase passed as a parameter. */
function tsqueryOf(node: QueryNode | null): RawBuilder<unknown> {
  if (!node) return sql`websearch_to_tsquery('english', '')`;
  switch (node.kind) {
    case 'term':
      return termQuery(node);
    case 'not':
      return sql`(!! ${tsqueryOf(node.item)})`;
    case 'and':
      return node.items.map(tsqueryOf).reduce((a, b) => sql`(${a} && ${b})`);
    case 'or':
      return node.items.map(tsqueryOf).reduce((a, b) => sql`(${a} || ${b})`);
  }
}

/**
 * The query as the whole-text index (doc_tsv: words and word pairs, migration 0043) is asked it:
 * each phrase by its words and pair tokens (cspr_term_query). `negated` is whether the node sits
 * under an odd number of NOTs, where only an exact token test may stand in for a phrase.
 */
function indexQueryOf(node: QueryNode, negated = false): RawBuilder<unknown> {
  switch (node.kind) {
    case 'term':
      return sql`cspr_term_query(${termQuery(node)}, ${termText(node).plain}, ${negated})`;
    case 'not':
      return sql`(!! ${indexQueryOf(node.item, !negated)})`;
    case 'and':
      return node.items.map((n) => indexQueryOf(n, negated)).reduce((a, b) => sql`(${a} && ${b})`);
    case 'or':
      return node.items.map((n) => indexQueryOf(n, negated)).reduce((a, b) => sql`(${a} || ${b})`);
  }
}

function termsOf(node: QueryNode): Array<Extract<QueryNode, { kind: 'term' }>> {
  return node.kind === 'term' ? [node] : node.kind === 'not' ? termsOf(node.item) : node.items.flatMap(termsOf);
}

/** True when every phrase of the query is one pair of words, which the index answers exactly. */
function exactOf(node: QueryNode): RawBuilder<boolean> {
  const terms = termsOf(node);
  return sql<boolean>`(${sql.join(
    terms.map((t) => sql`(${termQuery(t)}::text !~ '<[0-9-]+>' or cspr_phrase_exact(${termQuery(t)}, ${termText(t).plain}))`),
    sql` and `,
  )})`;
}

/**
 * The query judged over publication p when a phrase of three or more words is in it: the index has
 * found the publications with the phrase's pair tokens; a phrase must also stand on one page or in
 * one text, checked on p's chunks (stopping at the first that has it). Every other term is judged
 * from p's whole-text vector, so AND, OR and NOT keep their meaning over the whole publication.
 * A term of stop words only is dropped from its tsquery; here it takes `empty`, the value that
 * leaves its parent unchanged (true under AND, false under OR).
 */
function confirmOf(node: QueryNode, empty = true): RawBuilder<boolean> {
  switch (node.kind) {
    case 'term': {
      const q = termQuery(node);
      const { plain } = termText(node);
      return sql<boolean>`(case when numnode(${q}) = 0 then ${empty} else p.doc_tsv @@ cspr_term_query(${q}, ${plain}, false) and (${q}::text !~ '<[0-9-]+>' or cspr_phrase_exact(${q}, ${plain}) or exists (
        select 1 from publication_chunks c where c.publication_id = p.publication_id and (c.tsv @@ ${q}) is true)) end)`;
    }
    case 'not':
      return sql<boolean>`(not ${confirmOf(node.item, !empty)})`;
    case 'and':
      return sql<boolean>`(${sql.join(node.items.map((n) => confirmOf(n, true)), sql` and `)})`;
    case 'or':
      return sql<boolean>`(${sql.join(node.items.map((n) => confirmOf(n, false)), sql` or `)})`;
  }
}

/** The query's phrases that are sought (not excluded), joined by OR: the passage shown prefers a page with one. */
function phrasesOf(node: QueryNode | null): RawBuilder<unknown> {
  const sought = (n: QueryNode): Array<Extract<QueryNode, { kind: 'term' }>> =>
    n.kind === 'term' ? (n.phrase ? [n] : []) : n.kind === 'not' ? [] : n.items.flatMap(sought);
  const phrases = node ? sought(node) : [];
  return phrases.length === 0 ? sql`null::tsquery` : phrases.map(termQuery).reduce((a, b) => sql`(${a} || ${b})`);
}

export type Suggestion = { q: string; corrections: Array<{ from: string; to: string }> };

/**
 * "Did you mean": the query with each word that no published text holds replaced by the nearest
 * word that one does (see suggest.ts). Null when every word is known or nothing is near.
 */
export async function suggestQuery(db: Db, rawQuery: string): Promise<Suggestion | null> {
  const q = guardQuery(rawQuery);
  if (db.isTransaction) return suggestionFor(db, q);
  return structuredClone(await keptWithCatalogue(db, `suggestion:${q}`, () => suggestionFor(db, q)));
}

/**
 * True when every word of the query is one the search leaves out (the English stop words: 'the',
 * 'of', 'and'…; most symbols), so that it has nothing to search for: `the`, `-the`, `"of the"`,
 * `½`. Such a query matches nothing, and the page says why rather than only that nothing matched.
 */
export async function searchesNothing(db: Db, rawQuery: string): Promise<boolean> {
  const q = guardQuery(rawQuery);
  const tree = parseQuery(q);
  if (!tree) return false;
  const texts = termsOf(tree).map((t) => termText(t).websearch);
  const ask = async () =>
    (await sql<{ nothing: boolean }>`select bool_and(numnode(websearch_to_tsquery('english', t)) = 0) as nothing from unnest(${texts}::text[]) as t`.execute(db)).rows[0]?.nothing === true;
  // Kept as the search itself is: the same query asked again asks the database nothing.
  return db.isTransaction ? ask() : keptWithCatalogue(db, `nothing:${q}`, ask);
}

async function suggestionFor(db: Db, q: string): Promise<Suggestion | null> {
  const words = [...new Set(wordsOf(parseQuery(q)).map((w) => w.toLowerCase()).filter((w) => /^[a-z]{3,40}$/.test(w)))].slice(0, 8);
  if (words.length === 0) return null;
  const known = new Set((await db.selectFrom('search_words').select('word').where('word', 'in', words).execute()).map((r) => r.word));
  // A word no text holds as written may still be found through its stem ("neglected" finds "neglect"):
  // it needs no correction, and offering one beside its results would contradict them.
  const unwritten = words.filter((w) => !known.has(w));
  if (unwritten.length > 0) {
    const stemmed = await sql<{ w: string }>`select w from unnest(${unwritten}::text[]) as w
      where exists (select 1 from publication_search s where s.doc_tsv @@ plainto_tsquery('english', w))`.execute(db);
    for (const r of stemmed.rows) known.add(r.w);
  }
  let corrected = q;
  const corrections: Suggestion['corrections'] = [];
  for (const word of words.filter((w) => !known.has(w))) {
    const d = maxDistanceFor(word);
    const candidates = await db
      .selectFrom('search_words')
      .select(['word', 'publications'])
      .where(sql<boolean>`length(word) between ${word.length - d} and ${word.length + d}`)
      .where(sql<boolean>`(left(word, 1) = ${word.slice(0, 1)} or right(word, 2) = ${word.slice(-2)})`)
      .execute();
    // The word index keeps the words of a report withdrawn since (its counts only grow): offer only a
    // word the published texts hold now, or a suggestion would show words taken down with a report.
    let near: string | null = null;
    for (const candidate of nearWords(word, candidates).slice(0, 5)) {
      const held = await sql<{ held: boolean }>`select exists (select 1 from publication_search s where s.doc_tsv @@ plainto_tsquery('english', ${candidate})) as held`.execute(db);
      if (held.rows[0]?.held) {
        near = candidate;
        break;
      }
    }
    if (near) {
      corrections.push({ from: word, to: near });
      corrected = replaceWord(corrected, word, near);
    }
  }
  return corrections.length > 0 ? { q: corrected, corrections } : null;
}

async function runSearch(db: Db, request: SearchRequest, ranking: Required<RankOptions>): Promise<SearchOutcome> {
  const q = guardQuery(request.q ?? '');
  const mode: SearchOutcome['mode'] = q ? 'search' : 'list';
  const sort: Sort = request.sort && SORTS.includes(request.sort) ? (mode === 'list' && request.sort === 'relevance' ? 'newest' : request.sort) : mode === 'search' ? 'relevance' : 'newest';
  const perPage = Math.min(Math.max(Math.trunc(request.perPage ?? PER_PAGE), 1), 100);
  const page = Math.min(Math.max(Math.trunc(Number.isFinite(request.page) ? (request.page as number) : 1), 1), MAX_PAGE);
  const f = request.filters ?? {};
  const years = clean(f.years).filter((y) => Number.isInteger(y) && y >= 1900 && y <= 9999);
  const types = clean(f.types);
  const themes = clean(f.themes);
  const ageBands = clean(f.ageBands);
  const partnerships = clean(f.partnerships);

  // Each filter as a flag on the matching set, so facets can leave their own filter out.
  const fy = anyOf(sql`m.year`, years, 'int');
  const ft = anyOf(sql`m.review_type`, types, 'text');
  const fth = themes.length === 0 ? sql<boolean>`true` : sql<boolean>`m.themes && ${themes}::text[]`;
  const fa = anyOf(sql`m.age_band`, ageBands, 'text');
  const fp =
    partnerships.length === 0 ? sql<boolean>`true` : sql<boolean>`m.partnership_id = any(array(select id from partnerships where slug = any(${partnerships}::text[])))`;
  // The filters given, by name, and for each match which of them it fails (bits of FAILS), for the
  // facet counts: each counts the matches that pass every filter but its own. None when no filter is given.
  const active = { fy: years, ft: types, fth: themes, fa: ageBands, fp: partnerships };
  const allPass = (Object.keys(active) as Array<keyof typeof active>).filter((k) => active[k].length > 0);
  const bitOf = { fy: FAILS.year, ft: FAILS.type, fth: FAILS.theme, fa: FAILS.age, fp: FAILS.partnership };
  const failsOf =
    allPass.length === 0
      ? sql`null::text`
      : sql`array_to_string(array_agg(${sql.raw(allPass.map((k) => `(case when ${k} then 0 else ${bitOf[k]} end)`).join(' | '))}), ',')`;
  // The matches keep only the columns the filters given read (the facets are counted from the service's copy).
  const columnOf = { fy: 'year', ft: 'review_type', fth: 'themes', fa: 'age_band', fp: 'partnership_id' };
  const filterColumns = sql.raw(allPass.map((k) => `, p.${columnOf[k]}`).join(''));
  const fixed = request.partnership ? sql`p.partnership_id = (select id from partnerships where slug = ${request.partnership})` : sql`true`;
  // The rows needed to show this page in order; the ranking reads each word's list this deep
  // and a little more (the margin lets a few matches that fail the filters or share a score pass).
  const needed = page * perPage;
  const depth = needed + Math.max(0, Math.trunc(ranking.rankMargin));
  // The second reading (-1: the default depth; 0: none, straight to scoring every match).
  const deeper = ranking.deeperDepth < 0 ? Math.max(DEEPER_MIN, DEEPER_FACTOR * depth) : Math.trunc(ranking.deeperDepth);

  // The words as a person means them (OR, AND, brackets, quotes, minus: see query.ts).
  const tree = parseQuery(q);
  const adjacent = plainWords(tree);
  const matched =
    mode === 'search'
      ? sql`
        parsed as (
          select ${tsqueryOf(tree)} as tsq, ${adjacent ? sql`phraseto_tsquery('english', ${adjacent})` : sql`null::tsquery`} as adjacent,
                 ${tree ? indexQueryOf(tree) : sql`null::tsquery`} as indexq, ${tree ? exactOf(tree) : sql`true`} as exact, ${phrasesOf(tree)} as phrases
        ),
        -- The query's lexemes, each as written in the query's text form ('bruis', 'it''s'), and as words.
        query as (
          select p.tsq, p.adjacent, p.indexq, p.exact, p.phrases, l.lexemes,
                 array(select replace(trim(both '''' from x), '''''', '''') from unnest(l.lexemes) as x) as words,
                 array_to_string(l.lexemes, ' | ')::tsquery as anyq
          from parsed p
          cross join lateral (
            select array_agg(distinct m[1]) as lexemes from regexp_matches(p.tsq::text, '(''(?:[^'']|'''')*'')', 'g') as m
          ) l
          where l.lexemes is not null
        ),
        -- Which publications match, from one row each (publication_search.doc_tsv: every word of the
        -- publication, report pages included, and every pair of words side by side on one page or
        -- in one text, without positions; GIN-indexed). AND, OR and NOT are judged over the whole
        -- publication: "neglect housing" finds a report with the words on different pages. A phrase
        -- of two words is its pair token, answered by the index alone; a longer one (not exact) is
        -- then confirmed on the pages of the publications with all its pairs, stopping at the first
        -- page that has it ("is true" keeps the planner on the primary key there, not the pages'
        -- GIN index). Only the columns the filters given need are kept.
        m as (
          select p.publication_id as id, p.ord, p.published_on${filterColumns}
          from publication_search p cross join query
          where p.doc_tsv @@ query.indexq
            and (query.exact or ${tree ? confirmOf(tree) : sql`true`})
            and ${fixed}
        )`
      : sql`
        query as (select null::tsquery as tsq, null::tsquery as anyq, null::tsquery as adjacent, null::tsquery as phrases, null::text[] as lexemes, null::text[] as words),
        m as (
          select p.publication_id as id, p.ord, p.published_on${filterColumns}
          from publication_search p
          where ${fixed}
        )`;

  // The lists are read best first, each row checked against the matches by a hash of them (the
  // "or … is null", never true, keeps the planner from turning the check into a join that would
  // read every match's list entry instead).
  // Top-k by relevance without scoring every match (ranking.md next to this file): each query
  // word's matches are read best first from its list (publication_terms) to a depth; a match not
  // read scores at most the sum of the last scores read of the lists that went that deep, so when
  // the rows needed all score above that bound they are the true top rows. Otherwise (a flat
  // distribution, or a deep page) the lists are read again deeper, and failing that every match is
  // scored from the lists, which still reads no text.
  // Each query word's list, best first, to `limit` entries, keeping only the matches' entries.
  const listHeads = (limit: number) => sql`
      select w.word, t.publication_id, t.score
      from query cross join unnest(query.words) as w(word)
      cross join lateral (
        select t.publication_id, t.score from publication_terms t
        where t.lexeme = w.word and (t.publication_id in (select id from f) or t.publication_id is null)
        order by t.score desc
        limit ${limit}
      ) t`;
  // One reading of the lists to `limit` entries each (ranking.md, steps 2 to 5). Each publication read
  // scores at least its entries read (lo), and at most that plus the last score of each list read to
  // the full depth where it was not read (missing). Only those whose most could reach the rows needed
  // (at least the needed-th best least) are scored exactly: from their entries read when nothing is
  // missing, from the primary key otherwise. The rows are proven (exact) when the needed-th scores
  // more than any publication not read could (bound: the sum of the last scores of the lists read to
  // the full depth). Its expressions' names end with `n`.
  const reading = (n: '' | '2', limit: number) => {
    const named = (name: string) => sql.raw(`${name}${n}`);
    return sql`
    ${named('heads')} as (${listHeads(limit)}),
    ${named('lasts')} as (select word, min(score) as last from ${named('heads')} group by word having count(*) = ${limit}),
    ${named('bound')} as (select coalesce(sum(last), 0) as tau from ${named('lasts')}),
    ${named('cand')} as (
      select h.publication_id as id, sum(h.score) as lo, (select tau from ${named('bound')}) - coalesce(sum(l.last), 0) as missing
      from ${named('heads')} h left join ${named('lasts')} l on l.word = h.word
      group by h.publication_id
    ),
    ${named('floor')} as (select coalesce(min(lo), 0) as lo from (select lo from ${named('cand')} order by lo desc limit ${needed}) x),
    ${named('scored')} as (
      select c.id,
             case when c.missing = 0 then c.lo
                  else (select sum(t.score) from publication_terms t where t.publication_id = c.id and t.lexeme = any(query.words)) end as rank
      from ${named('cand')} c cross join query
      where c.lo + c.missing >= (select lo from ${named('floor')})
    ),
    -- Only a publication scoring at least the needed-th best score can be among the rows needed; the
    -- newer first among equal scores, so only those need their date (of 675 scored for "neglect OR
    -- housing", page 2, on the bench corpus, 54).
    ${named('cut')} as (select coalesce(min(rank), 0) as rank from (select rank from ${named('scored')} order by rank desc limit ${needed}) x),
    ${named('top')} as (
      select s.id, pp.published_on, s.rank
      from ${named('scored')} s
      -- Each one's date by its key ("limit 1" keeps this a lookup per publication): as a join, the
      -- planner expected hundreds of them and read every search row into a hash instead.
      cross join lateral (select pp.published_on from publication_search pp where pp.publication_id = s.id limit 1) pp
      where s.rank >= (select rank from ${named('cut')})
      order by s.rank desc, pp.published_on desc, s.id
      limit ${needed}
    ),
    ${named('exact')} as (
      select count(*) = ${needed} and min(rank) > (select tau from ${named('bound')}) as ok from ${named('top')}
    )`;
  };
  const ranked =
    mode === 'search' && sort === 'relevance'
      ? sql`
    ${reading('', depth)},
    -- When that cannot prove its rows (a flat spread of scores over several common words, or a deeper
    -- page), the lists are read again, deeper, before every match is scored.
    ${reading('2', deeper)},
    everyone as (
      select f.id, f.published_on, coalesce(s.rank, 0) as rank
      from f left join (
        select t.publication_id, sum(t.score) as rank from publication_terms t cross join query
        where t.lexeme = any(query.words) and (t.publication_id in (select id from f) or t.publication_id is null)
        group by t.publication_id
      ) s on s.publication_id = f.id
    ),
    -- Few matches (a rare word, or narrow filters): each is scored from its own list entries, found
    -- by the primary key. Reading a common word's list for them would pass over most of it.
    few as (select count(*) <= ${Math.trunc(ranking.fewMatches)} as yes from (select from f limit ${Math.trunc(ranking.fewMatches) + 1}) x),
    each as (
      select f.id, f.published_on,
             coalesce((select sum(t.score) from publication_terms t where t.publication_id = f.id and t.lexeme = any(query.words)), 0) as rank
      from f cross join query
    ),
    shown as (
      select * from (
        select id, published_on, rank from each where (select yes from few)
        union all
        select id, published_on, rank from top where (select not yes from few) and (select ok from exact)
        union all
        select id, published_on, rank from top2 where (select not yes from few) and not (select ok from exact) and (select ok from exact2)
        union all
        select id, published_on, rank from everyone where (select not yes from few) and not (select ok from exact) and not (select ok from exact2)
      ) x order by rank desc, published_on desc, id limit ${perPage} offset ${(page - 1) * perPage}
    )`
      : sql`
    shown as (
      select f.id, f.published_on, null::bigint as rank from f
      order by ${sort === 'oldest' ? sql`f.published_on asc, f.id` : sql`f.published_on desc, f.id`} limit ${perPage} offset ${(page - 1) * perPage}
    )`;

  // How the rows were ranked, asked in the order the statement tries them (each step only if needed).
  const rankedBy =
    mode === 'search' && sort === 'relevance'
      ? sql`(case when (select yes from few) then 'each match' when (select ok from exact) then 'lists' when (select ok from exact2) then 'deeper lists' else 'every match' end)`
      : sql`null::text`;

  const headline =
    mode === 'search'
      ? sql`ts_headline('english', substr(c.body, greatest(1, coalesce((
            select min(nullif(strpos(lower(c.body collate "C"), replace(trim(both '''' from x), '''''', '''')), 0)) from unnest(query.lexemes) as x
          ), 1) - ${HEADLINE_WINDOW / 3}), ${HEADLINE_WINDOW}), query.anyq, ${HEADLINE_OPTIONS})`
      : sql`null::text`;

  // Kept prepared only for queries of a few terms (nearly every search): what a kept statement holds
  // grows with its text (prepared-statements.ts gives the sizes), and a longer query is planned afresh.
  const keepPlan = (statement: RawBuilder<Row>) => (!tree || termsOf(tree).length <= PREPARED_TERMS ? prepared(statement) : statement);
  const statementFor = (known: FacetRows | undefined) => keepPlan(sql<Row>`
    with ${matched},
    -- The matches are read once, into "flagged" (m is written into it, not kept apart); "f", the
    -- matches that pass the filters, is read from it where needed rather than copied again.
    flagged as materialized (select m.*, ${fy} as fy, ${ft} as ft, ${fth} as fth, ${fa} as fa, ${fp} as fp from m),
    f as not materialized (select id, published_on from flagged${allPass.length > 0 ? sql.raw(` where ${allPass.join(' and ')}`) : sql``}),
    ${ranked}
    select
      (select coalesce(json_agg(r order by r.ord), '[]'::json) from (
        select row_number() over (order by ${sql.raw(sort === 'relevance' ? 's.rank desc, s.published_on desc, s.id' : sort === 'newest' ? 's.published_on desc, s.id' : 's.published_on asc, s.id')}) as ord,
               p.id, p.slug, p.title, left(p.summary, ${SUMMARY_PREVIEW_CHARS}) as summary, p.published_on, p.review_type, p.themes,
               p.age_band, pt.slug as partnership_slug, pt.name as partnership_name, (p.learning is not null) as has_learning,
               (p.briefing is not null) as has_briefing, ${mode === 'search' ? sql`(coalesce(s.rank, round(ts_rank_cd(p.meta_tsv, query.anyq) * 10)) / 10.0)::real` : sql`null::real`} as rank,
               c.kind, c.page, ${headline} as headline
        from shown s
        join publications p on p.id = s.id
        join partnerships pt on pt.id = p.partnership_id
        cross join query
        -- The passage shown: the publication's best page or text for the query, read only for the
        -- results on this page. Best is a passage with every word of the query, then one with a
        -- phrase sought, then one with the words side by side as written ("not yet mobile"), then
        -- the report's own words before its title and theme labels (which only name the subject),
        -- then the closest match.
        left join lateral (
          select c.kind, c.page, c.body from publication_chunks c
          where c.publication_id = s.id and (c.tsv @@ query.anyq) is true
          order by (c.tsv @@ query.tsq) is true desc, (query.phrases is not null and c.tsv @@ query.phrases) is true desc,
                   (query.adjacent is not null and c.tsv @@ query.adjacent) is true desc,
                   c.weight in ('A', 'C'), ts_rank_cd(c.tsv, query.anyq) desc, c.seq
          limit 1
        ) c on true
      ) r) as results,
      -- The matches by their search rows' numbers and, with filters, which filters each fails (bits of
      -- FAILS): the service counts the facets over them (facet-rows.ts). Its copy of the rows' facet
      -- values must be the one this snapshot holds; when it is not, the rows come with the answer.
      mm.ords, mm.fails, sv.version::text as version, ${rankedBy} as ranked_by,
      case when sv.version = ${known ? known.version : null}::bigint then null
           else (select coalesce(json_agg(json_build_array(s.ord, s.year, s.review_type, s.age_band, s.partnership_id, s.themes)), '[]'::json) from publication_search s) end as facet_rows,
      (select coalesce(json_agg(json_build_array(pt.id, pt.slug, pt.name)), '[]'::json) from partnerships pt) as partnerships
    from (select array_to_string(array_agg(ord), ',') as ords, ${failsOf} as fails from flagged) mm
    cross join (select version from search_version where only_row) sv`);

  // The planner would read every chunk for a common word (a sequential scan); the GIN index
  // answers without reading the text, which is what makes common words affordable. A sequential scan
  // left in the plan (a small table's) then costs it the "disabled" penalty, and PostgreSQL's JIT,
  // which starts above a cost, took 700 ms compiling the statement: the statement is run without it.
  // The statement is prepared (prepared-statements.ts) and its generic plan kept: its plan does not
  // depend on the query's words or the filters' values, which reach it as parameters and through the
  // "query" expression, and planning it was 4 to 6 ms of every search on the embedded engine.
  const ask = async (known: FacetRows | undefined) => {
    const statement = statementFor(known);
    const { rows } =
      mode === 'search' && !db.isTransaction
        ? await inTransaction(db, (trx) => statement.execute(trx), SEARCH_PLANNER)
        : await statement.execute(db);
    const row = rows[0];
    const table = row.facet_rows ? facetRowsOf(row.version, asJson<RawFacetRows>(row.facet_rows)) : known;
    if (!table || table.version !== row.version) throw new Error('The search’s facet rows are not those of its matches.');
    if (row.facet_rows && !db.isTransaction) keepFacetRows(db, table);
    const names = partnershipNamesOf(asJson<Array<[string, string, string]>>(row.partnerships));
    const ords = wholeNumbers(row.ords);
    const fails = row.fails === null ? null : wholeNumbers(row.fails);
    return { row, total: passingAll(ords, fails), facets: countFacets(table, names, ords, fails) };
  };
  // Inside a caller's transaction the counter has not moved for the transaction's own changes (it moves
  // at commit): a copy is neither used nor kept there, the rows come with the answer.
  let answer = await ask(db.isTransaction ? undefined : keptFacetRows(db));
  // A match the kept copy does not hold (it cannot, with the counter read in the same snapshot, but a
  // wrong count must never be shown): ask again with the rows.
  if (!answer.facets) {
    forgetFacetRows(db);
    answer = await ask(undefined);
  }
  const { row, facets, total } = answer;
  if (!facets) throw new Error('The search’s matches are not all in its facet rows.');
  const rawHits = asJson<RawHit[]>(row.results ?? []);

  const results: SearchHit[] = rawHits.map((h) => ({
    id: h.id,
    slug: h.slug,
    title: h.title,
    summary: h.summary,
    publishedOn: h.published_on,
    reviewType: h.review_type,
    themes: h.themes,
    ageBand: h.age_band,
    partnership: { slug: h.partnership_slug, name: h.partnership_name },
    hasLearning: h.has_learning,
    hasBriefing: h.has_briefing,
    rank: h.rank,
    snippet:
      h.headline !== null && h.kind !== null
        ? { html: highlightToHtml(oneLine(h.headline)), text: highlightToText(oneLine(h.headline)), kind: h.kind, page: h.page }
        : null,
  }));

  return { q, mode, sort, total, page, perPage, pageCount: Math.max(1, Math.ceil(total / perPage)), results, facets, rankedBy: row.ranked_by };
}
