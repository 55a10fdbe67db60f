import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { errorSummary } from '../../../test/support/pages.ts';
import { addPartnership } from '../partnerships/service.ts';
import { forgetSearches, suggestQuery } from '../../platform/search/search.ts';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { addPublication, CatalogueError, getPublication, withdrawPublicationFile, type NewPublication } from './catalogue.ts';

const LEARNING = {
  livedExperience: 'Ada was a quiet child whose needs went unseen at home.',
  keyLearning: 'Practitioners should ask who else lives in the household.',
  learningIntoPractice: 'Supervision should explore professional curiosity in every visit.',
};
const BRIEFING = {
  background: 'A baby was seen with marks that were not explained.',
  whyItMatters: 'Non-mobile babies rarely get marks by accident.',
  keyInformation: ['Follow the local protocol.', 'Speak to the safeguarding lead.', 'Record what you see.'] as [string, string, string],
  thingsToRemember: 'Fathers and partners matter too.',
  whatToDo: 'Refer the same day.',
  reflectionQuestions: 'What would you have asked?',
};

describe.each(ENGINES)('the public learning repository on %s', (engine) => {
  let t: TestApp;
  let north: string;
  let south: string;
  const ids: Record<string, { id: string; slug: string }> = {};

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    north = (await addPartnership(db, { slug: 'north', name: 'North & East SCP' })).id;
    south = (await addPartnership(db, { slug: 'south', name: 'South SCP' })).id;
    const pdf = Buffer.from('%PDF-1.4\n% a small report\n');
    const sha256 = await t.app.deps.files.put(db, pdf, 'public');
    const base = { source: 'import' as const };
    ids.ada = await addPublication(db, {
      ...base,
      partnershipId: north,
      title: 'Child Ada: a local review',
      summary: 'Ada lived with her mother and a partner the agencies did not know.\n\nThe review looked at neglect over five years.',
      reviewType: 'local-cspr',
      themes: ['neglect', 'voice-of-the-child'],
      ageBand: '1-4',
      harmType: 'serious-harm',
      reviewStartedOn: '2022-01-10',
      reviewCompletedOn: '2022-11-30',
      publishedOn: '2023-03-01',
      learning: LEARNING,
      briefing: BRIEFING,
      file: {
        sha256,
        name: 'Child Ada report.pdf',
        type: 'pdf',
        size: pdf.length,
        pages: ['Contents', 'The health visitor noticed bruising on the ear of the baby and recorded it.', 'The housing officer visited twice.'],
      },
    });
    ids.bruising = await addPublication(db, {
      ...base,
      partnershipId: south,
      title: 'Bruising in non-mobile babies',
      summary: 'A thematic review of how agencies respond to marks on babies.',
      reviewType: 'thematic',
      themes: ['bruising-fractures-non-mobile-babies'],
      ageBand: 'under-1',
      publishedOn: '2024-06-15',
      file: { sha256: 'b'.repeat(64), name: 'thematic.pdf', type: 'pdf', size: 1000, pages: ['One', '', 'Three', 'Four', 'A protocol for bruising was in place.'] },
    });
    ids.county = await addPublication(db, {
      ...base,
      partnershipId: north,
      title: 'Jay <and> the county lines',
      summary: 'Criminal exploitation & missing episodes.',
      reviewType: 'scr',
      themes: ['child-criminal-exploitation'],
      ageBand: '16-17',
      publishedOn: '2022-09-01',
    });
    for (let i = 1; i <= 22; i++) {
      await addPublication(db, {
        ...base,
        partnershipId: i % 2 ? north : south,
        title: `Filler review ${i}`,
        summary: `A review kept to test paging, number ${i}.`,
        reviewType: 'practice-learning',
        themes: ['young-carers'],
        publishedOn: `2021-01-${String(i).padStart(2, '0')}`,
      });
    }
  });
  afterAll(async () => t?.close());

  describe('adding publications', () => {
    it('makes unique addresses from the year and title, and does not add the same file twice', async () => {
      const db = t.app.deps.database.db;
      expect(ids.ada.slug).toBe('2023-child-ada-a-local-review');
      const again: NewPublication = { partnershipId: north, source: 'import', title: 'Filler review 1', summary: 'Another.', reviewType: 'scr', themes: [], publishedOn: '2021-05-05' };
      const second = await addPublication(db, again);
      expect(second).toMatchObject({ slug: '2021-filler-review-1-2', created: true });
      const ada = await getPublication(db, ids.ada.slug);
      const duplicate = await addPublication(db, { ...again, title: 'Someone imported it again', file: { sha256: ada!.file!.sha256, name: 'x.pdf', type: 'pdf', size: 5, pages: ['x'] } });
      expect(duplicate).toEqual({ id: ids.ada.id, slug: ids.ada.slug, created: false });
      const { count } = await db.selectFrom('publications').select((eb) => eb.fn.countAll<number>().as('count')).where('title', '=', 'Someone imported it again').executeTakeFirstOrThrow();
      expect(Number(count)).toBe(0);
      await db.deleteFrom('publications').where('id', '=', second.id).execute();
    });

    it('refuses unknown or retired themes and an early withdrawable date, writing nothing', async () => {
      const db = t.app.deps.database.db;
      const input: NewPublication = { partnershipId: north, source: 'import', title: 'Refused', summary: 'S', reviewType: 'scr', themes: ['no-such-theme'], publishedOn: '2024-01-01' };
      await expect(addPublication(db, input)).rejects.toThrow(CatalogueError);
      await db.updateTable('themes').set({ retired: true }).where('key', '=', 'impact-of-covid-19').execute();
      await expect(addPublication(db, { ...input, themes: ['impact-of-covid-19'] })).rejects.toThrow(/retired/);
      await db.updateTable('themes').set({ retired: false }).where('key', '=', 'impact-of-covid-19').execute();
      await expect(addPublication(db, { ...input, themes: [], withdrawableOn: '2024-12-31' })).rejects.toThrow(/at least one year/);
      expect(await db.selectFrom('publications').select('id').where('title', '=', 'Refused').execute()).toEqual([]);
    });
  });

  describe('search', () => {
    it('ranks a title match first, one result per review, with highlighted snippets that name the report page', async () => {
      const res = await get('/search?q=bruising');
      expect(res.statusCode).toBe(200);
      const html = res.body;
      expect(html).toContain('2 reviews match ‘bruising’');
      const first = html.indexOf('href="/reviews/2024-bruising-in-non-mobile-babies?from=%2Fsearch%3Fq%3Dbruising"');
      const second = html.indexOf(`href="/reviews/${ids.ada.slug}?from=%2Fsearch%3Fq%3Dbruising"`);
      expect(first).toBeGreaterThan(0);
      expect(second).toBeGreaterThan(first);
      expect(html).toContain('noticed <mark>bruising</mark> on the ear');
      expect(html).toContain('Page 2 of the report');
      // The title and theme list match too, but the snippet comes from the report's own words.
      expect(html).not.toContain('From the summary');
      expect((await get('/search?q=protocol')).body).toContain('Page 5 of the report');
      // Each review once, whatever the number of matching chunks.
      expect(html.split(`href="/reviews/${ids.ada.slug}?`).length - 1).toBe(1);
    });

    it('finds phrases, leaves out excluded words, and searches learning and briefings', async () => {
      expect((await get('/search?q=%22health+visitor%22')).body).toContain('1 review matches');
      expect((await get('/search?q=%22visitor+health%22')).body).toContain('No reviews match');
      expect((await get('/search?q=bruising+-ear')).body).toContain('1 review matches');
      expect((await get('/search?q=bruising+-protocol')).body).toContain('No reviews match');
      // Words on different pages of one report still find it.
      expect((await get('/search?q=bruising+housing')).body).toContain('1 review matches');
      const learning = (await get('/search?q=supervision+curiosity')).body;
      expect(learning).toContain('From the Learning on a Page');
    });

    it('reads OR and AND as people mean them, with brackets', async () => {
      // "ear" is only in Child Ada's report; "protocol" in hers and in the thematic review on bruising.
      expect((await get('/search?q=ear+OR+protocol')).body).toContain('2 reviews match');
      expect((await get('/search?q=ear+or+protocol')).body).toContain('2 reviews match');
      expect((await get('/search?q=ear+AND+protocol')).body).toContain('1 review matches');
      expect((await get('/search?q=ear+AND+fractures')).body).toContain('No reviews match');
      expect((await get('/search?q=bruising+AND+housing')).body).toContain('1 review matches');
      // OR binds closer than AND: (ear OR protocol) AND housing finds Ada's report only.
      expect((await get('/search?q=ear+OR+protocol+housing')).body).toContain('1 review matches');
      expect((await get('/search?q=%28ear+OR+protocol%29+AND+bruising')).body).toContain('2 reviews match');
    });

    it('suggests the nearest word for a misspelling and shows what it finds', async () => {
      const res = (await get('/search?q=neglekt')).body;
      expect(res).toContain('No reviews match ‘neglekt’. Showing reviews that match ‘<strong>neglect</strong>’ instead.');
      expect(res).toMatch(/\d+ reviews? match(es)? ‘neglect’/);
      expect(res).toContain('Child Ada: a local review');
      const some = (await get('/search?q=bruising+OR+neglekt')).body;
      expect(some).toContain('Did you mean <a class="govuk-link" href="/search?q=bruising+OR+neglect">bruising OR neglect</a>?');
      expect((await get('/search?q=neglect')).body).not.toContain('Did you mean');
      expect((await get('/search?q=zzzzqqq')).body).toContain('No reviews match ‘zzzzqqq’');
    });

    it('offers no correction for a word found through its stem, and none that changes the subject', async () => {
      const db = t.app.deps.database.db;
      // No text holds "neglects" as written (one edit from "neglect", which would be offered), but the search finds it as "neglect".
      expect(await db.selectFrom('search_words').select('word').where('word', '=', 'neglects').executeTakeFirst()).toBeUndefined();
      const stemmed = (await get('/search?q=neglects')).body;
      expect(stemmed).toMatch(/\d+ reviews? match(es)? ‘neglects’/);
      expect(stemmed).not.toContain('Did you mean');
      expect(stemmed).not.toContain('instead');
      expect(await suggestQuery(db, 'bruising neglects')).toBeNull();
      expect(await suggestQuery(db, 'brusing neglects')).toEqual({ q: 'bruising neglects', corrections: [{ from: 'brusing', to: 'bruising' }] });
    });

    it('keeps a suggestion as it keeps searches, until the catalogue changes', async () => {
      const db = t.app.deps.database.db;
      forgetSearches();
      expect(await suggestQuery(db, 'brusing')).toEqual({ q: 'bruising', corrections: [{ from: 'brusing', to: 'bruising' }] });
      // The word arrives behind the cache's back: the kept answer stands until the catalogue is said to change.
      await db.insertInto('search_words').values({ word: 'brusing', publications: 1 }).execute();
      try {
        expect(await suggestQuery(db, 'brusing')).toEqual({ q: 'bruising', corrections: [{ from: 'brusing', to: 'bruising' }] });
        forgetSearches();
        expect(await suggestQuery(db, 'brusing')).toBeNull();
      } finally {
        await db.deleteFrom('search_words').where('word', '=', 'brusing').execute();
        forgetSearches();
      }
    });

    it('shows the passage with the words side by side, with its page, before a title or theme list', async () => {
      // "visitor noticed" is on page 2 of Ada's report; the theme list and title do not hold it.
      const res = (await get('/search?q=health+visitor+noticed')).body;
      expect(res).toContain('Page 2 of the report');
      const protocol = (await get('/search?q=bruising+protocol')).body;
      expect(protocol).toContain('<mark>protocol</mark> for <mark>bruising</mark> was in place');
      expect(protocol).toContain('Page 5 of the report');
    });

    it('quotes a word sought far into a long page, written there with a capital', async () => {
      const db = t.app.deps.database.db;
      // Over 2,000 characters before the word: the passage is read around the word, not from the page's start.
      const filler = 'The panel met on a wet Tuesday and read the chronology of contacts from start to finish. '.repeat(24);
      const added = await addPublication(db, {
        source: 'import', partnershipId: south, title: 'A long page (fictional)', summary: 'A fictional review.',
        reviewType: 'thematic', themes: [], publishedOn: '2024-01-05',
        file: { sha256: 'c'.repeat(64), name: 'long.pdf', type: 'pdf', size: 1000, pages: [`${filler}Lamplighter visits were missed twice that winter.`] },
      });
      try {
        forgetSearches();
        const res = (await get('/search?q=lamplighter')).body;
        expect(res).toContain('<mark>Lamplighter</mark> visits were missed');
      } finally {
        await db.deleteFrom('publication_chunks').where('publication_id', '=', added.id).execute();
        await db.deleteFrom('publications').where('id', '=', added.id).execute();
        forgetSearches();
      }
    });

    it('gives the review page a back link to the same search, and to nowhere else', async () => {
      const list = (await get('/search?q=bruising&type=thematic')).body;
      const href = /href="(\/reviews\/2024-bruising-in-non-mobile-babies\?from=[^"]+)"/.exec(list)![1];
      const review = (await get(href.replaceAll('&amp;', '&'))).body;
      expect(review).toContain('href="/search?q=bruising&amp;type=thematic" class="govuk-back-link">Back to your search results</a>');
      const elsewhere = (await get('/reviews/2024-bruising-in-non-mobile-babies?from=https%3A%2F%2Fevil.example%2F')).body;
      expect(elsewhere).toContain('href="/search" class="govuk-back-link">Published reviews</a>');
      expect((await get('/reviews/2024-bruising-in-non-mobile-babies?from=%2F%2Fevil.example')).body).not.toContain('evil.example');
    });

    it('filters, and counts each facet with the other filters applied', async () => {
      const res = await get('/search?q=bruising&type=thematic');
      expect(res.body).toContain('1 review matches ‘bruising’ with these filters');
      expect(res.body).toContain('Thematic review (1)');
      expect(res.body).toContain('Local child safeguarding practice review (1)');
      expect(res.body).toContain('Bruising and fractures in non-mobile babies (1)');
      expect(res.body).not.toContain('Neglect (1)');
      const api = async (qs: string) => (await get(`/api/v1/public/search?${qs}`)).json() as { total: number; results: { slug: string; publishedOn: string }[] };
      expect((await api('year=2021')).total).toBe(22);
      expect((await api('theme=neglect,child-criminal-exploitation')).total).toBe(2);
      expect((await api('ageBand=16-17')).results.map((r) => r.slug)).toEqual(['2022-jay-and-the-county-lines']);
      expect((await api('partnership=south&q=bruising')).results.map((r) => r.slug)).toEqual(['2024-bruising-in-non-mobile-babies']);
    });

    it('sorts and pages', async () => {
      const api = async (qs: string) => (await get(`/api/v1/public/search?${qs}`)).json() as { total: number; page: number; pageCount: number; results: { publishedOn: string }[] };
      const newest = await api('');
      expect(newest.total).toBe(25);
      expect(newest.results).toHaveLength(20);
      expect(newest.results[0].publishedOn).toBe('2024-06-15');
      const dates = newest.results.map((r) => r.publishedOn);
      expect(dates).toEqual([...dates].sort().reverse());
      const oldest = await api('sort=oldest');
      expect(oldest.results[0].publishedOn).toBe('2021-01-01');
      const page2 = await api('page=2');
      expect(page2).toMatchObject({ page: 2, pageCount: 2 });
      expect(page2.results).toHaveLength(5);
      const html = (await get('/search?year=2021')).body;
      expect(html).toContain('22 published reviews: showing 1 to 20');
      expect(html).toContain('href="/search?year=2021&amp;page=2"');
      expect((await get('/search?year=2021&page=2')).body).toContain('showing 21 to 22');
    });

    it('answers any query with results or “no results”, never an error, and never echoes it unescaped', async () => {
      const hostile = [
        '"unterminated phrase',
        'a & b | !c <-> (d:* ) \\',
        '<script>alert(1)</script>',
        '"><img src=x onerror=alert(1)>',
        '😀 bruising 👶🏽',
        'brui\u0000sing\u0001',
        'the and of',
        "' or 1=1; drop table publications; --",
        '-',
        '""',
        'or or or',
      ];
      for (const q of hostile) {
        const res = await get(`/search?q=${encodeURIComponent(q)}`);
        expect(res.statusCode, q.slice(0, 40)).toBe(200);
        expect(res.body).not.toContain('<script>alert');
        expect(res.body).not.toContain('<img src=x');
        expect(res.body).toMatch(/reviews? match|No reviews match|published review/);
        const api = await get(`/api/v1/public/search?q=${encodeURIComponent(q)}`);
        expect(api.statusCode, q.slice(0, 40)).toBe(200);
        expect(api.json()).toHaveProperty('results');
      }
      // Bytes that are not UTF-8 (a lone surrogate) and a bare percent sign.
      for (const raw of ['%ED%A0%80', '%', '%zz', '%C0%80']) {
        expect((await get(`/search?q=${raw}`)).statusCode, raw).toBeLessThan(500);
        expect((await get(`/api/v1/public/search?q=${raw}`)).statusCode, raw).toBeLessThan(500);
      }
      expect((await get(`/search?q=${encodeURIComponent('😀 bruising 👶🏽')}`)).body).toContain('2 reviews match');
      expect((await get('/search?q=the+and+of')).body).toContain('No results');
      // Only words the search leaves out: the page says so, whether they are sought or left out.
      for (const q of ['the and of', '-the', '"of the"', '(the) OR -a']) {
        const body = (await get(`/search?q=${encodeURIComponent(q)}`)).body;
        expect(body, q).toContain('No results');
        expect(body, q).toContain('Nothing in ‘' + q.replaceAll('"', '&quot;') + '’ is left to search for');
        expect(body, q).not.toContain('checking the spelling');
        // The API says the same.
        expect((await get(`/api/v1/public/search?q=${encodeURIComponent(q)}`)).json(), q).toMatchObject({ total: 0, onlyLeftOutWords: true });
      }
      // A word that is searched for but found nowhere is not one of them.
      for (const q of ['zzzqqqxx', 'the zzzqqqxx', '-bruising bruising']) {
        expect((await get(`/search?q=${encodeURIComponent(q)}`)).body, q).not.toContain('is left to search for');
        expect((await get(`/api/v1/public/search?q=${encodeURIComponent(q)}`)).json(), q).toMatchObject({ total: 0, onlyLeftOutWords: false });
      }
      // Nor is a query that found reviews, nor none at all.
      expect((await get('/api/v1/public/search?q=the+neglect')).json()).toMatchObject({ onlyLeftOutWords: false });
      expect((await get('/api/v1/public/search')).json()).toMatchObject({ onlyLeftOutWords: false });
      expect((await get(`/search?q=${encodeURIComponent('<script>alert(1)</script>')}`)).body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      // An escaped title stays escaped in results.
      expect((await get('/search?q=county+lines')).body).toContain('Jay &lt;and&gt; the county lines');
    });
  });

  describe('review pages', () => {
    it('shows the summary, learning, briefing, themes and metadata, and serves the report', async () => {
      const res = await get(`/reviews/${ids.ada.slug}`);
      expect(res.statusCode).toBe(200);
      for (const text of ['Child Ada: a local review', 'North &amp; East SCP', 'Learning on a Page', '7-minute briefing', 'Follow the local protocol.', 'Voice of the child', '1 to 4 years', 'Child seriously harmed', '30 November 2022', 'Download the report', 'PDF, 26 bytes, 3 pages']) {
        expect(res.body).toContain(text);
      }
      expect(res.body).toContain('<link rel="alternate" type="application/atom+xml"');
      const file = await get(`/reviews/${ids.ada.slug}/report`);
      expect(file.statusCode).toBe(200);
      expect(file.headers['content-type']).toBe('application/pdf');
      expect(file.headers).toMatchObject({
        'content-disposition': 'attachment; filename="Child Ada report.pdf"; filename*=UTF-8\'\'Child%20Ada%20report.pdf',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "sandbox; default-src 'none'",
      });
      expect(file.body.startsWith('%PDF-1.4')).toBe(true);
      expect((await get('/reviews/2020-no-such-review')).statusCode).toBe(404);
      expect((await get(`/reviews/${ids.county.slug}/report`)).statusCode).toBe(404);
    });

    it('keeps the record when the report is withdrawn, and answers the download 410', async () => {
      const db = t.app.deps.database.db;
      // "Three" is written only on a page of the report about to be withdrawn: a misspelling is offered it now.
      expect(await suggestQuery(db, 'bruising OR threee')).toEqual({ q: 'bruising OR three', corrections: [{ from: 'threee', to: 'three' }] });
      await expect(withdrawPublicationFile(db, { id: ids.bruising.id, on: '2024-07-01' })).rejects.toThrow(/reason/);
      await withdrawPublicationFile(db, { id: ids.bruising.id, on: '2024-07-01', reason: 'At the family’s request.' });
      const page = await get(`/reviews/${ids.bruising.slug}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('The report was withdrawn on 1 July 2024');
      expect(page.body).not.toContain('Download the report');
      const file = await get(`/reviews/${ids.bruising.slug}/report`);
      expect(file.statusCode).toBe(410);
      expect(file.body).toContain('withdrawn');
      const api = (await get(`/api/v1/public/reviews/${ids.bruising.slug}`)).json() as { report: { url: string | null; withdrawnOn: string } };
      expect(api.report).toMatchObject({ url: null, withdrawnOn: '2024-07-01' });
      // No suggestion offers a word that went down with it (the word index keeps it, the texts do not).
      expect(await db.selectFrom('search_words').select('word').where('word', '=', 'three').executeTakeFirst()).toBeDefined();
      expect((await suggestQuery(db, 'bruising OR threee'))?.q).not.toBe('bruising OR three');
      expect((await get('/search?q=bruising+OR+threee')).body).not.toContain('href="/search?q=bruising+OR+three"');
      // The report's words go down with it: its pages are neither searched nor quoted (the record's
      // own title, summary and themes still are).
      for (const q of ['protocol', '%22protocol+for+bruising%22']) {
        const search = await get(`/search?q=${q}`);
        expect(search.statusCode).toBe(200);
        expect(search.body).not.toContain(ids.bruising.slug);
        expect(search.body).not.toContain('was in place');
      }
      expect((await get('/search?q=bruising')).body).toContain(ids.bruising.slug);
    });

    it('lists learning by theme', async () => {
      const index = await get('/learning');
      expect(index.body).toContain('href="/learning/neglect"');
      expect(index.body).not.toContain('href="/learning/young-carers"');
      const theme = await get('/learning/neglect');
      expect(theme.body).toContain('Practitioners should ask who else lives in the household.');
      expect(theme.body).toContain(`href="/reviews/${ids.ada.slug}?from=%2Flearning%2Fneglect#briefing"`);
      expect((await get('/learning/no-such-theme')).statusCode).toBe(404);
    });

    it('has a search box and the newest reviews on the start page', async () => {
      const home = (await get('/')).body;
      expect(home).toContain('action="/search"');
      expect(home).toContain('Bruising in non-mobile babies');
    });

    it('shows a review published a moment ago among the newest at once, though the list is kept between visits', async () => {
      expect((await get('/')).body).not.toContain('Published a moment ago (fictional)');
      const db = t.app.deps.database.db;
      const added = await addPublication(db, {
        source: 'import', partnershipId: south, title: 'Published a moment ago (fictional)', summary: 'A fictional review.',
        reviewType: 'thematic', themes: [], publishedOn: todayInLondon(new Date()),
      });
      try {
        expect((await get('/')).body).toContain('Published a moment ago (fictional)');
      } finally {
        await db.deleteFrom('publication_chunks').where('publication_id', '=', added.id).execute();
        await db.deleteFrom('publications').where('id', '=', added.id).execute();
        forgetSearches();
      }
    });
  });

  describe('one partnership’s pages', () => {
    it('show only that partnership, by the same code, and 404 for an unknown one', async () => {
      const res = await get('/partnerships/north/search?q=bruising');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('1 review matches');
      expect(res.body).toContain('action="/partnerships/north/search"');
      expect(res.body).not.toContain('name="partnership"');
      const list = await get('/partnerships/south/reviews');
      expect(list.body).toContain('12 published reviews');
      expect((await get('/partnerships/nowhere/reviews')).statusCode).toBe(404);
      expect((await get('/partnerships/nowhere/search?q=x')).statusCode).toBe(404);
      const feed = await get('/partnerships/north/reviews.atom');
      expect(feed.body).toContain('Published reviews of North &amp; East SCP');
      expect(feed.body).not.toContain('non-mobile');
    });
  });

  describe('for machines', () => {
    it('publishes an escaped Atom 1.0 feed with absolute links', async () => {
      const res = await get('/reviews.atom');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
      const xml = res.body;
      expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')).toBe(true);
      expect(xml).toMatch(/<id>http:\/\/[^<]+\/reviews\.atom<\/id>/);
      expect(xml).toMatch(/<link rel="alternate" type="text\/html" href="http:\/\/[^"]+\/reviews\/2024-bruising-in-non-mobile-babies"\/>/);
      expect(xml).toContain('<title type="text">Jay &lt;and&gt; the county lines</title>');
      expect(xml).toContain('Criminal exploitation &amp; missing episodes.');
      expect(xml).toContain('<category term="neglect" label="Neglect"/>');
      expect(xml.match(/<entry>/g)).toHaveLength(25);
      expect(xml.match(/<updated>/g)!.length).toBe(26);
    });

    it('lists every publication and public page in the sitemap', async () => {
      const res = await get('/sitemap.xml');
      expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
      for (const slug of [ids.ada.slug, ids.bruising.slug, ids.county.slug]) expect(res.body).toMatch(new RegExp(`<loc>http://[^<]+/reviews/${slug}</loc>`));
      expect(res.body).toMatch(/<loc>http:\/\/[^<]+\/learning\/neglect<\/loc>/);
      expect(res.body).toMatch(/<loc>http:\/\/[^<]+\/partnerships\/north\/reviews<\/loc>/);
      expect(res.body.match(/<url>/g)!.length).toBeGreaterThan(25);
    });

    it('refuses a query of more phrases to read pages for than allowed, saying why, on the page and in the API', async () => {
      // Six phrases of three words that are never found: each would be confirmed on pages.
      const q = Array.from({ length: 6 }, (_, i) => `"health visitor ${['amber', 'blue', 'coral', 'dune', 'ember', 'fern'][i]}"`).join(' OR ');
      const page = await get(`/search?q=${encodeURIComponent(q)}`);
      expect(page.statusCode).toBe(400);
      expect(errorSummary(page.body)).toContain('Your search holds more than 5 phrases of three or more words');
      // What was typed stays in the box, escaped.
      expect(page.body).toContain('value="&quot;health visitor amber&quot;');
      const api = await get(`/api/v1/public/search?q=${encodeURIComponent(q)}`);
      expect(api.statusCode).toBe(400);
      expect(JSON.stringify(api.json())).toContain('holds more than 5 phrases');
      // Five are searched.
      const five = q.split(' OR ').slice(0, 5).join(' OR ');
      expect((await get(`/search?q=${encodeURIComponent(five)}`)).statusCode).toBe(200);
      expect((await get(`/api/v1/public/search?q=${encodeURIComponent(five)}`)).statusCode).toBe(200);
    });

    it('keeps ticked years with no match in the list of years, newest first', async () => {
      const body = (await get('/search?year=2026&year=2021&year=2015&type=thematic')).body;
      const years = [...body.matchAll(/for="year[^"]*">\s*(\d{4}) \((\d+)\)/g)].map((m) => Number(m[1]));
      expect(years).toContain(2026);
      expect(years).toContain(2015);
      expect(years).toEqual([...years].sort((a, b) => b - a));
    });

    it('sends a page number past the last page to the last page, with its results', async () => {
      const past = await get('/search?q=bruising&type=thematic&page=7');
      expect(past.statusCode).toBe(302);
      expect(past.headers.location).toBe('/search?q=bruising&type=thematic');
      const listed = await get('/search?page=9');
      expect(listed.headers.location).toBe('/search?page=2');
      // The last page holds the oldest review.
      expect((await get('/search?page=2')).body).toContain('1 January 2021');
    });

    it('refuses a query longer than the search reads, saying why, rather than searching part of it', async () => {
      const q = 'neglect '.repeat(63); // 504 characters, ending in the middle of nothing but cut mid-word at 500
      const page = await get(`/search?q=${encodeURIComponent(q)}`);
      expect(page.statusCode).toBe(400);
      expect(errorSummary(page.body)).toContain('Your search is longer than 500 characters');
      const api = await get(`/api/v1/public/search?q=${encodeURIComponent(q)}`);
      expect(api.statusCode).toBe(400);
      expect(JSON.stringify(api.json())).toContain('is longer than 500 characters');
      // 500 characters are searched.
      expect((await get(`/api/v1/public/search?q=${encodeURIComponent('neglect '.repeat(62).trim())}`)).statusCode).toBe(200);
      // Far longer, and hostile: refused the same way, and what was typed is not echoed unescaped.
      const huge = await get(`/search?q=${encodeURIComponent('<script>alert(1)</script> '.repeat(400))}`);
      expect(huge.statusCode).toBe(400);
      expect(huge.body).not.toContain('<script>alert');
    });

    it('answers the search API as JSON with plain-text snippets, and bad parameters with 400', async () => {
      const res = await get('/api/v1/public/search?q=health+visitor');
      expect(res.statusCode).toBe(200);
      const body = res.json() as { total: number; results: Record<string, unknown>[] };
      expect(body.total).toBe(1);
      expect(body.results[0]).toEqual({
        title: 'Child Ada: a local review',
        url: expect.stringMatching(new RegExp(`^http://[^/]+/reviews/${ids.ada.slug}$`)),
        slug: ids.ada.slug,
        partnership: 'North & East SCP',
        publishedOn: '2023-03-01',
        reviewType: 'local-cspr',
        themes: ['neglect', 'voice-of-the-child'],
        snippet: expect.stringContaining('health visitor noticed bruising'),
        page: 2,
      });
      const snippet = String(body.results[0].snippet);
      for (const unwanted of ['<', '\u0002', '\u0003']) expect(snippet).not.toContain(unwanted);
      for (const qs of ['type=bogus', 'page=0', 'page=abc', 'sort=best', 'year=20x4', 'unknown=1', 'q=a&q=b']) {
        const bad = await get(`/api/v1/public/search?${qs}`);
        expect(bad.statusCode, qs).toBe(400);
        expect(bad.headers['content-type']).toContain('application/problem+json');
        expect((bad.json() as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
      }
      const one = await get(`/api/v1/public/reviews/${ids.ada.slug}`);
      expect(one.json()).toMatchObject({ title: 'Child Ada: a local review', learning: LEARNING, report: { type: 'pdf', pages: 3, withdrawnOn: null } });
      expect((await get('/api/v1/public/reviews/nothing-here')).statusCode).toBe(404);
    });
  });
});
