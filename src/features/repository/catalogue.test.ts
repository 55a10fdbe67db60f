import { describe, expect, it } from 'vitest';
import {
  baseSlug,
  buildChunks,
  CatalogueError,
  checkPublication,
  defaultWithdrawableOn,
  SLUG_MAX,
  splitLongText,
  storableText,
  uniqueSlug,
  type NewPublication,
} from './catalogue.ts';

const base: NewPublication = {
  partnershipId: '00000000-0000-4000-8000-000000000000',
  source: 'import',
  title: 'Child Q',
  summary: 'A summary.',
  reviewType: 'local-cspr',
  themes: ['neglect'],
  publishedOn: '2024-02-29',
};

describe('slugs', () => {
  it('is the year and the title in lowercase words', () => {
    expect(baseSlug('2024-03-01', 'Child Q: a Local Review')).toBe('2024-child-q-a-local-review');
    // A title starting with the year (the repository's "year – area – pseudonym") does not double it.
    expect(baseSlug('2026-09-12', '2026 – Northmoor Safeguarding Children Partnership – Child P')).toBe('2026-northmoor-safeguarding-children-partnership-child-p');
    expect(baseSlug('2026-09-12', '20261 things')).toBe('2026-20261-things');
    expect(baseSlug('2023-12-31', '“Baby Zoë” – what we learned (2023)')).toBe('2023-baby-zoe-what-we-learned-2023');
    expect(baseSlug('2022-01-01', "Sam's story")).toBe('2022-sams-story');
  });

  it('falls back to a word when the title has no letters or digits', () => {
    expect(baseSlug('2024-01-01', '😀 — !!')).toBe('2024-review');
  });

  it('stays within the limit with room for a suffix, cut at a word', () => {
    const slug = baseSlug('2024-01-01', 'safeguarding '.repeat(40));
    expect(slug.length).toBeLessThanOrEqual(SLUG_MAX - 4);
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(slug.endsWith('safeguarding')).toBe(true);
  });

  it('adds -2, -3… on a clash', () => {
    expect(uniqueSlug('2024-child-q', [])).toBe('2024-child-q');
    expect(uniqueSlug('2024-child-q', ['2024-child-q'])).toBe('2024-child-q-2');
    expect(uniqueSlug('2024-child-q', ['2024-child-q', '2024-child-q-2', '2024-child-q-3-x'])).toBe('2024-child-q-3');
  });
});

describe('chunks', () => {
  it('weights the title A, summary B, themes C, learning and briefing B, pages D with their numbers, skipping empty pages', () => {
    const chunks = buildChunks(
      {
        title: 'Child Q',
        summary: 'About Child Q.',
        learning: { livedExperience: 'Lived', keyLearning: 'Key', learningIntoPractice: 'Practice' },
        briefing: { background: 'B', whyItMatters: 'W', keyInformation: ['k1', 'k2', 'k3'], thingsToRemember: 'T', whatToDo: 'D', reflectionQuestions: 'Q' },
        pages: ['First page', '   ', 'Third\u0000 page\f'],
      },
      ['Neglect', 'Voice of the child'],
    );
    expect(chunks.map((c) => [c.seq, c.kind, c.weight, c.page])).toEqual([
      [0, 'summary', 'A', null],
      [1, 'summary', 'B', null],
      [2, 'summary', 'C', null],
      [3, 'learning', 'B', null],
      [4, 'briefing', 'B', null],
      [5, 'page', 'D', 1],
      [6, 'page', 'D', 3],
    ]);
    expect(chunks[2].body).toBe('Neglect\nVoice of the child');
    expect(chunks[4].body).toContain('Key information\nk1\nk2\nk3');
    expect(chunks[6].body).toBe('Third  page');
  });

  it('cuts a very long page into several chunks of the same page', () => {
    const long = 'word '.repeat(10_000);
    const chunks = buildChunks({ title: 'T', summary: 'S', pages: [long] }, []);
    const pages = chunks.filter((c) => c.kind === 'page');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((c) => c.page === 1 && c.body.length <= 20_000)).toBe(true);
    expect(pages.map((c) => c.seq)).toEqual(pages.map((_, i) => 2 + i));
  });

  it('splits at word boundaries and keeps all the words', () => {
    const text = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ');
    const pieces = splitLongText(text, 100);
    expect(pieces.every((p) => p.length <= 100)).toBe(true);
    expect(pieces.join(' ').split(' ')).toEqual(text.split(' '));
  });

  it('removes characters PostgreSQL cannot store', () => {
    expect(storableText('\u0000a\u0007b\n')).toBe('a b');
  });
});

describe('checks', () => {
  it('defaults the withdrawable date to one calendar year later, clamped', () => {
    expect(defaultWithdrawableOn('2024-02-29')).toBe('2025-02-28');
    expect(checkPublication(base).withdrawableOn).toBe('2025-02-28');
  });

  it('refuses a withdrawable date under a year', () => {
    expect(() => checkPublication({ ...base, withdrawableOn: '2025-02-27' })).toThrow(CatalogueError);
    expect(checkPublication({ ...base, withdrawableOn: '2026-01-01' }).withdrawableOn).toBe('2026-01-01');
  });

  it('refuses empty or over-long titles and summaries, and titles over one line', () => {
    expect(() => checkPublication({ ...base, title: '  ' })).toThrow(/Enter the title/);
    expect(() => checkPublication({ ...base, title: 'x'.repeat(301) })).toThrow(/300 characters/);
    expect(() => checkPublication({ ...base, title: 'a\nb' })).toThrow(/one line/);
    expect(() => checkPublication({ ...base, summary: 'x'.repeat(20_001) })).toThrow(/20000 characters/);
  });

  it('refuses unknown vocabularies and impossible dates', () => {
    expect(() => checkPublication({ ...base, reviewType: 'other' as never })).toThrow(CatalogueError);
    expect(() => checkPublication({ ...base, ageBand: 'teen' as never })).toThrow(CatalogueError);
    expect(() => checkPublication({ ...base, publishedOn: '2024-02-30' })).toThrow(CatalogueError);
    expect(() => checkPublication({ ...base, reviewStartedOn: '2024-01-02', reviewCompletedOn: '2024-01-01' })).toThrow(CatalogueError);
  });

  it('removes repeated themes', () => {
    expect(checkPublication({ ...base, themes: ['neglect', 'neglect', 'suicide'] }).themes).toEqual(['neglect', 'suicide']);
  });
});
