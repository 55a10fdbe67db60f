import { AGE_BANDS, REVIEW_TYPES } from '../../domain/reviews/review-types.ts';
import { confirmedTerms, MAX_CONFIRMED_TERMS, parseQuery } from '../../platform/search/query.ts';
import { MAX_PAGE, SORTS, type SearchRequest, type Sort } from '../../platform/search/search.ts';
import { guardQuery, QUERY_MAX_CHARS } from '../../platform/search/text.ts';

/**
 * The search and filters of the repository's pages and API, read from a query string. Pages
 * ignore what they do not understand (an old bookmark still shows results); the API says what
 * is wrong (400).
 */

/** `refused`: a problem the pages cannot read past either (the search is not run; they say why). */
export type ParamProblem = { field: string; message: string; refused?: true };

export type SearchParams = {
  q: string;
  types: string[];
  themes: string[];
  years: number[];
  ageBands: string[];
  partnerships: string[];
  sort: Sort | undefined;
  page: number;
};

const THEME_KEY = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const PARTNERSHIP_SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const KNOWN = new Set(['q', 'type', 'theme', 'year', 'ageBand', 'partnership', 'sort', 'page']);
const MAX_VALUES = 50;

/** A query-string value as a list: repeated keys and comma-separated values both count. */
function listOf(value: unknown): string[] {
  const raw = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return raw
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function firstOf(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v : undefined;
}

export function readSearchParams(query: unknown, options: { strict?: boolean } = {}): { params: SearchParams; problems: ParamProblem[] } {
  const input = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const problems: ParamProblem[] = [];
  if (options.strict) {
    for (const key of Object.keys(input)) if (!KNOWN.has(key)) problems.push({ field: key, message: 'is not a parameter of this search' });
  }

  const pick = (field: string, ok: (v: string) => boolean, message: string): string[] => {
    const values = listOf(input[field]);
    const good = values.filter(ok);
    if (good.length !== values.length) problems.push({ field, message });
    if (good.length > MAX_VALUES) problems.push({ field, message: `takes at most ${MAX_VALUES} values` });
    return [...new Set(good)].slice(0, MAX_VALUES);
  };

  const qValue = input.q;
  const q = firstOf(qValue) ?? '';
  if (qValue !== undefined && typeof firstOf(qValue) !== 'string') problems.push({ field: 'q', message: 'must be text' });
  if (Array.isArray(qValue) && qValue.length > 1) problems.push({ field: 'q', message: 'must be given once' });
  // Longer than the search reads: refused with its reason rather than cut short, which would
  // search for part of a word at the cut and show the whole text as if it had all been searched.
  if (Array.from(q.trim()).length > QUERY_MAX_CHARS) {
    problems.push({ field: 'q', message: `is longer than ${QUERY_MAX_CHARS} characters: search for fewer words`, refused: true });
  } else if (confirmedTerms(parseQuery(guardQuery(q))) > MAX_CONFIRMED_TERMS) {
    problems.push({ field: 'q', message: `holds more than ${MAX_CONFIRMED_TERMS} phrases of three or more words or words joined by a hyphen: search for fewer at a time`, refused: true });
  }

  const types = pick('type', (v) => (REVIEW_TYPES as readonly string[]).includes(v), `must be one of: ${REVIEW_TYPES.join(', ')}`);
  const themes = pick('theme', (v) => THEME_KEY.test(v) && v.length <= 80, 'must be a theme key, like neglect');
  const years = pick('year', (v) => /^\d{4}$/.test(v) && Number(v) >= 1900, 'must be a year, like 2024').map(Number);
  const ageBands = pick('ageBand', (v) => (AGE_BANDS as readonly string[]).includes(v), `must be one of: ${AGE_BANDS.join(', ')}`);
  const partnerships = pick('partnership', (v) => PARTNERSHIP_SLUG.test(v), 'must be the short name of a partnership');

  // The API takes one value of each of these, as of q; a page reads the first.
  if (options.strict) for (const field of ['sort', 'page']) if (Array.isArray(input[field]) && (input[field] as unknown[]).length > 1) problems.push({ field, message: 'must be given once' });

  let sort: Sort | undefined;
  const sortValue = firstOf(input.sort);
  if (sortValue !== undefined && sortValue !== '') {
    if ((SORTS as readonly string[]).includes(sortValue)) sort = sortValue as Sort;
    else problems.push({ field: 'sort', message: `must be one of: ${SORTS.join(', ')}` });
  }

  let page = 1;
  const pageValue = firstOf(input.page);
  if (pageValue !== undefined && pageValue !== '') {
    if (/^\d{1,6}$/.test(pageValue) && Number(pageValue) >= 1 && Number(pageValue) <= MAX_PAGE) page = Number(pageValue);
    else problems.push({ field: 'page', message: `must be a whole number from 1 to ${MAX_PAGE}` });
  }

  return { params: { q, types, themes, years, ageBands, partnerships, sort, page }, problems };
}

export function toSearchRequest(params: SearchParams, partnership?: string): SearchRequest {
  return {
    q: params.q,
    filters: {
      types: params.types,
      themes: params.themes,
      years: params.years,
      ageBands: params.ageBands,
      partnerships: partnership ? [] : params.partnerships,
    },
    partnership: partnership ?? null,
    sort: params.sort,
    page: params.page,
  };
}

/** The query string of a search with some parameters changed (for pagination and sorting links). */
export function searchQueryString(params: SearchParams, change: Partial<SearchParams> = {}, options: { partnership?: boolean } = { partnership: true }): string {
  const p = { ...params, ...change };
  const qs = new URLSearchParams();
  if (p.q) qs.append('q', p.q);
  for (const v of p.types) qs.append('type', v);
  for (const v of p.themes) qs.append('theme', v);
  for (const v of p.years) qs.append('year', String(v));
  for (const v of p.ageBands) qs.append('ageBand', v);
  if (options.partnership !== false) for (const v of p.partnerships) qs.append('partnership', v);
  if (p.sort) qs.append('sort', p.sort);
  if (p.page > 1) qs.append('page', String(p.page));
  const s = qs.toString();
  return s ? `?${s}` : '';
}
