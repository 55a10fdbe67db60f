import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();
/** Set SCREENSHOTS_DIR to keep screenshots of the start, search and case pages at each width. */
const shots = process.env.SCREENSHOTS_DIR;

async function noSidewaysScroll(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth }));
  expect(scroll, `the page at ${page.url()} is ${scroll} px wide in a ${width} px window`).toBeLessThanOrEqual(width);
}

async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

describe.skipIf(!chromiumPath)('the public repository on a phone and by keyboard', () => {
  const live = useLiveBrowser(chromiumPath);

  it('at 390 px: a usable search box, a misspelling corrected, filters folded behind a skip link, and a back link that keeps the search', async () => {
    const context = await live.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${live.server.url}/`);
    expect(await page.locator('#home-q').evaluate((e) => e.getBoundingClientRect().width)).toBeGreaterThan(200);
    await noSidewaysScroll(page);
    await expectAccessible(page);
    await shot(page, 'start-390');

    // The public navigation offers Search and Learning.
    const nav = (await page.getByRole('navigation', { name: 'Menu' }).getByRole('link').allTextContents()).map((s) => s.trim());
    expect(nav).toEqual(expect.arrayContaining(['Search', 'Learning']));

    await page.locator('#home-q').fill('neglekt');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=neglekt/);
    expect(await page.textContent('.cspr-suggestion')).toContain('No reviews match ‘neglekt’. Showing reviews that match ‘neglect’ instead.');
    expect(await page.locator('.cspr-result').count()).toBeGreaterThan(0);
    // Filters are folded on a phone: the results come after a few Tab presses, or one skip link.
    expect(await page.locator('details.cspr-filters-details').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await noSidewaysScroll(page);
    await expectAccessible(page);
    await shot(page, 'search-390');

    await page.locator('#q').focus();
    let presses = 0;
    while (presses < 15) {
      await page.keyboard.press('Tab');
      presses++;
      if (await page.evaluate(() => document.activeElement?.closest('.cspr-result') !== null)) break;
    }
    expect(presses).toBeLessThanOrEqual(6);
    await page.locator('.cspr-skip-to-results').focus();
    expect(await page.locator('.cspr-skip-to-results').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#results$/);

    // Open the filters, choose a type of review, apply: the review's back link returns to that search.
    await page.locator('details.cspr-filters-details summary').click();
    const firstType = page.locator('input[name="type"]').first();
    const typeValue = await firstType.getAttribute('value');
    await firstType.check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(new RegExp(`type=${typeValue}`));
    expect(await page.textContent('details.cspr-filters-details summary')).toContain('Filters (1 chosen)');
    await expectAccessible(page);
    const searchUrl = new URL(page.url());
    await page.locator('.cspr-result h2 a').first().click();
    await page.waitForURL(/\/reviews\//);
    await noSidewaysScroll(page);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Back to your search results' }).click();
    await page.waitForURL((u) => u.pathname === '/search');
    expect(new URL(page.url()).searchParams.get('q')).toBe(searchUrl.searchParams.get('q'));
    expect(new URL(page.url()).searchParams.getAll('type')).toEqual([typeValue]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('at 320 px: the start, search, review and learning pages, a case page and the lists of cases and actions fit without sideways scrolling', async () => {
    const context = await signedInContext(live, 'admin@northmoor.example');
    const page = await context.newPage();
    await page.setViewportSize({ width: 320, height: 700 });
    const errors = collectConsoleErrors(page);
    // A long query of one unbroken "word" the search leaves out: echoed twice on the page, it must wrap.
    for (const url of ['/', '/search?q=neglect', `/search?q=${encodeURIComponent('½'.repeat(150))}`, '/learning']) {
      await page.goto(`${live.server.url}${url}`);
      await noSidewaysScroll(page);
      await expectAccessible(page);
    }
    await page.locator('.cspr-result h2 a, .govuk-list a').first().click();
    await noSidewaysScroll(page);

    const incident = await live.server.app.deps.database.db.selectFrom('incidents').select('id').orderBy('created_at').executeTakeFirstOrThrow();
    await page.goto(`${live.server.url}/cases/${incident.id}`);
    await noSidewaysScroll(page);
    await expectAccessible(page);
    // The clocks table scrolls within its own region, which a keyboard can reach.
    expect(await page.locator('.cspr-table-scroll').first().getAttribute('tabindex')).toBe('0');
    // The lists of cases and actions and a review's recommendations: their tables scroll in their own regions too.
    const reviewed = await live.server.app.deps.database.db.selectFrom('recommendations').select('incident_id').where('incident_id', 'is not', null).executeTakeFirstOrThrow();
    for (const url of ['/cases', '/actions', `/cases/${reviewed.incident_id}/review/recommendations`, '/dashboard']) {
      await page.goto(`${live.server.url}${url}`);
      await noSidewaysScroll(page);
      await expectAccessible(page);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('at 1280 px the filters are open beside the results', async () => {
    const context = await signedInContext(live, 'admin@northmoor.example');
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${live.server.url}/search?q=neglect`);
    expect(await page.locator('details.cspr-filters-details').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await expectAccessible(page);
    await shot(page, 'search-1280');
    await page.goto(`${live.server.url}/`);
    await shot(page, 'start-1280');
    const incident = await live.server.app.deps.database.db.selectFrom('incidents').select('id').orderBy('created_at').executeTakeFirstOrThrow();
    await page.goto(`${live.server.url}/cases/${incident.id}`);
    await shot(page, 'case-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await noSidewaysScroll(page);
    await shot(page, 'case-390');
    await context.close();
  });
});
