import { beforeAll, describe, expect, it } from 'vitest';
import { addPublication } from '../../src/features/repository/catalogue.ts';
import { collectConsoleErrors, expectAccessible, findChromium, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('the public learning repository in a browser', () => {
  const live = useLiveBrowser(chromiumPath);
  let slug = '';

  beforeAll(async () => {
    const db = live.server.app.deps.database.db;
    const partnership = await db.selectFrom('partnerships').select('id').orderBy('created_at').executeTakeFirstOrThrow();
    const added = await addPublication(db, {
      partnershipId: partnership.id,
      source: 'import',
      title: 'Baby Wren: bruising in a non-mobile baby',
      summary: 'Wren was four months old when she was taken to hospital with a fracture.\n\nThe review looked at how agencies responded to earlier marks.',
      reviewType: 'thematic',
      themes: ['bruising-fractures-non-mobile-babies', 'invisible-or-hidden-men'],
      ageBand: 'under-1',
      harmType: 'serious-harm',
      publishedOn: '2025-02-03',
      learning: {
        livedExperience: 'Wren could not tell anyone what was happening to her.',
        keyLearning: 'Any mark on a baby who cannot move about independently needs explaining.',
        learningIntoPractice: 'Use the bruising protocol every time, and ask about every adult in the home.',
      },
      briefing: {
        background: 'A baby with unexplained marks.',
        whyItMatters: 'Bruising in non-mobile babies is rare and can signal abuse.',
        keyInformation: ['Follow the protocol.', 'Refer the same day.', 'Record what you see.'],
        thingsToRemember: 'Mothers’ partners matter.',
        whatToDo: 'Talk to your safeguarding lead.',
        reflectionQuestions: 'Who else lived in the home?',
      },
      file: { sha256: 'e'.repeat(64), name: 'baby-wren.pdf', type: 'pdf', size: 2048, pages: ['Contents', 'The health visitor saw a small bruise on the cheek of Wren.'] },
    });
    slug = added.slug;
    await addPublication(db, {
      partnershipId: partnership.id,
      source: 'import',
      title: 'Sam: a bruising fall at home',
      summary: 'A local review of a toddler’s injuries.',
      reviewType: 'local-cspr',
      themes: ['neglect'],
      publishedOn: '2024-05-05',
    });
  });

  it('goes from the start page through search, a review and the learning library, accessibly', async () => {
    const context = await live.browser.newContext();
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${live.server.url}/`);
    await expectAccessible(page);
    expect(await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href')).toBe('/reviews.atom');

    await page.getByLabel('Search published reviews and learning').fill('bruising');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=bruising/);
    expect(await page.textContent('h1')).toBe('Search results');
    expect(await page.textContent('.cspr-result-count')).toMatch(/\d+ reviews? match/);
    expect(await page.locator('.cspr-snippet mark').count()).toBeGreaterThan(0);
    await expectAccessible(page);

    // The filter form, by keyboard only: tick a type of review, then apply.
    await page.getByLabel(/Thematic review \(\d+\)/).focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Apply filters' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/type=thematic/);
    expect(await page.getByLabel(/Thematic review/).isChecked()).toBe(true);
    await expect.poll(() => page.locator('.cspr-result h2 a').allTextContents()).toContain('Baby Wren: bruising in a non-mobile baby');
    expect(await page.locator('.cspr-result h2 a').allTextContents()).not.toContain('Sam: a bruising fall at home');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Baby Wren: bruising in a non-mobile baby' }).click();
    await page.waitForURL(new RegExp(`/reviews/${slug}(\\?|$)`));
    expect(await page.textContent('h1')).toBe('Baby Wren: bruising in a non-mobile baby');
    expect(await page.textContent('#learning')).toBe('Learning on a Page');
    expect(await page.textContent('#briefing')).toBe('7-minute briefing');
    // The side column's words are never broken mid-word: each word of its keys and values lies on one line.
    const brokenWords = await page.locator('.cspr-review-meta').evaluate((list) => {
      const broken: string[] = [];
      const walker = document.createTreeWalker(list, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (lines.size > 1) broken.push(m[0]);
        }
      }
      return broken;
    });
    expect(brokenWords).toEqual([]);
    await expectAccessible(page);

    await page.goto(`${live.server.url}/learning`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Bruising and fractures in non-mobile babies' }).click();
    expect(await page.textContent('h1')).toBe('Bruising and fractures in non-mobile babies');
    expect(await page.textContent('main')).toContain('Any mark on a baby who cannot move about independently needs explaining.');
    await expectAccessible(page);

    // A query with no results says so, accessibly.
    await page.goto(`${live.server.url}/search?q=${encodeURIComponent('"<zzqx>"')}`);
    expect(await page.textContent('main')).toContain('No results');
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('filters and searches with JavaScript turned off', async () => {
    const context = await live.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${live.server.url}/search`);
    expect(await page.textContent('h1')).toBe('Published reviews');
    await page.getByLabel('Search words').fill('bruising');
    // Without JavaScript the filters start folded, whatever the screen: one click opens them.
    await page.locator('details.cspr-filters-details summary').click();
    await page.getByLabel(/Under 1 year/).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/ageBand=under-1/);
    const titles = await page.locator('.cspr-result h2 a').allTextContents();
    expect(titles).toContain('Baby Wren: bruising in a non-mobile baby');
    expect(titles).not.toContain('Sam: a bruising fall at home');
    await context.close();
  });
});
