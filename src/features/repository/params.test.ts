import { describe, expect, it } from 'vitest';
import { atomFeed, escapeXml, sitemap } from './feeds.ts';
import { readSearchParams, searchQueryString, toSearchRequest } from './params.ts';
import { fileSizeText, snippetSource } from './routes.ts';

describe('search parameters', () => {
  it('reads repeated and comma-separated values, and keeps only sound ones on pages', () => {
    const { params, problems } = readSearchParams({ q: 'neglect', type: ['scr', 'thematic,bogus'], year: '2024', page: '2', sort: 'oldest', theme: 'Not A Key' });
    expect(params).toMatchObject({ q: 'neglect', types: ['scr', 'thematic'], years: [2024], page: 2, sort: 'oldest', themes: [] });
    expect(problems.map((p) => p.field)).toEqual(['type', 'theme']);
  });

  it('refuses unknown parameters only when strict (the API)', () => {
    expect(readSearchParams({ x: '1' }).problems).toEqual([]);
    expect(readSearchParams({ x: '1' }, { strict: true }).problems).toEqual([{ field: 'x', message: 'is not a parameter of this search' }]);
    expect(readSearchParams({ page: '0' }).problems[0].field).toBe('page');
    expect(readSearchParams({ page: '501' }).problems[0].field).toBe('page');
  });

  it('takes one page and one order in the API, the first of several on pages', () => {
    const repeated = { page: ['1', '3'], sort: ['oldest', 'newest'] };
    expect(readSearchParams(repeated, { strict: true }).problems).toEqual([
      { field: 'sort', message: 'must be given once' },
      { field: 'page', message: 'must be given once' },
    ]);
    const page = readSearchParams(repeated);
    expect(page.problems).toEqual([]);
    expect(page.params).toMatchObject({ page: 1, sort: 'oldest' });
  });

  it('fixes the partnership on a partnership’s pages, and writes links back', () => {
    const { params } = readSearchParams({ q: 'a b', partnership: 'north', theme: 'neglect' });
    expect(toSearchRequest(params, 'south').partnership).toBe('south');
    expect(toSearchRequest(params, 'south').filters?.partnerships).toEqual([]);
    expect(searchQueryString(params, { page: 3 })).toBe('?q=a+b&theme=neglect&partnership=north&page=3');
    expect(searchQueryString(params, {}, { partnership: false })).toBe('?q=a+b&theme=neglect');
  });
});

describe('feeds', () => {
  it('escapes XML and drops characters XML cannot hold', () => {
    expect(escapeXml('a & <b> "c" \'d\' \u0001\uFFFE')).toBe('a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos; ');
  });

  it('writes an Atom feed with absolute links', () => {
    const xml = atomFeed({
      title: 'T & U',
      selfUrl: 'https://example.org/reviews.atom',
      pageUrl: 'https://example.org/search',
      base: 'https://example.org',
      fallbackUpdated: new Date('2024-01-01T00:00:00Z'),
      entries: [{ slug: '2024-x', title: '<x>', summary: 's', partnershipName: 'P', publishedOn: '2024-02-02', updatedAt: new Date('2024-02-03T10:00:00Z'), themes: [{ key: 'neglect', label: 'Neglect' }] }],
    });
    expect(xml).toContain('<title>T &amp; U</title>');
    expect(xml).toContain('<updated>2024-02-03T10:00:00.000Z</updated>');
    expect(xml).toContain('<id>https://example.org/reviews/2024-x</id>');
    expect(xml).toContain('<title type="text">&lt;x&gt;</title>');
    expect(sitemap([{ loc: 'https://example.org/?a=1&b=2' }])).toContain('<loc>https://example.org/?a=1&amp;b=2</loc>');
  });
});

describe('review page helpers', () => {
  it('names where a snippet comes from', () => {
    expect(snippetSource({ kind: 'page', page: 12 })).toBe('Page 12 of the report');
    expect(snippetSource({ kind: 'briefing', page: null })).toBe('From the 7-minute briefing');
  });

  it('describes sizes', () => {
    expect(fileSizeText(512)).toBe('512 bytes');
    expect(fileSizeText(2048)).toBe('2 KB');
    expect(fileSizeText(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});
