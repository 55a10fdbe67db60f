import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('the yearly report, in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  it('the business unit opens last year’s report from the navigation, writes a section, reads its versions, downloads the PDF; the page fits 320 px and every page passes axe', async () => {
    const context = await signedInContext(live, 'admin@northmoor.example');
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${live.server.url}/dashboard`);
    await page.getByRole('link', { name: 'Yearly report', exact: true }).click();
    await page.waitForURL(`${live.server.url}/reports/yearly`);
    expect(await page.textContent('h1')).toMatch(/^Review activity: yearly report April \d{4} to March \d{4}$/);
    expect(await page.locator('nav.cspr-contents a').count()).toBe(9);
    for (const svg of await page.locator('svg[role="img"]').all()) {
      const [title, desc] = (await svg.getAttribute('aria-labelledby'))!.split(' ');
      expect(await page.locator(`#${title}`).textContent()).not.toBe('');
      expect(await page.locator(`#${desc}`).textContent()).not.toBe('');
    }
    // The demonstration's introduction, written twice.
    expect(await page.locator('#introduction ~ p').first().textContent()).toContain('Northmoor Safeguarding Children Partnership');
    await expectAccessible(page);

    await page.setViewportSize({ width: 320, height: 700 });
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(width);
    await page.setViewportSize({ width: 1280, height: 900 });

    // Writes what the partnership will do next.
    await page.getByRole('link', { name: 'Write What we will do next' }).click();
    expect(await page.textContent('h1')).toBe('What we will do next');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Save a new version' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('Enter the text of the section');
    await expectAccessible(page);
    await page.fill('#body', 'We will audit how well the bruising protocol is followed at weekends.\n\nWe will publish a 7-minute briefing on seeing fathers.');
    await page.getByRole('button', { name: 'Save a new version' }).click();
    await page.waitForURL(/saved=next/);
    expect(await page.textContent('.govuk-notification-banner')).toContain('What we will do next: your new version was saved.');
    expect(await page.textContent('#next ~ p')).toContain('We will audit how well the bruising protocol is followed at weekends.');
    await expectAccessible(page);

    // The introduction's versions: both kept, newest first.
    await page.getByRole('link', { name: 'See every version of Introduction' }).click();
    expect(await page.textContent('h1')).toBe('Introduction: every version');
    expect(await page.locator('h2', { hasText: /^Version \d/ }).allTextContents()).toEqual(['Version 2 (current)', 'Version 1']);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Back to the report' }).click();

    // The PDF.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the report as a PDF' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^yearly-report-\d{4}-04\.pdf$/);
    const pdf = fs.readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/StructTreeRoot');

    // A period that has not begun: the error summary links to the month.
    await page.fill('#from-month', '4');
    await page.fill('#from-year', String(new Date().getUTCFullYear() + 2));
    await page.getByRole('button', { name: 'Show the report' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('must be this month or earlier');
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();

    // The Panel reads the report without the means to change it.
    const panel = await signedInContext(live, 'panel@panel.example');
    const panelPage = await panel.newPage();
    await panelPage.goto(`${live.server.url}/reports/figures`);
    await panelPage.getByRole('link', { name: 'yearly report', exact: true }).click();
    // With several partnerships in the deployment the Panel chooses one; here the demonstration's is the only one.
    if (await panelPage.locator('select#partnership').count()) {
      await panelPage.selectOption('#partnership', { index: 1 });
      await panelPage.getByRole('button', { name: 'Show the report' }).click();
    }
    await panelPage.waitForSelector('nav.cspr-contents');
    expect(await panelPage.getByRole('link', { name: /^(Write|Change) / }).count()).toBe(0);
    await expectAccessible(panelPage);
    await panel.close();
  }, 240_000);
});
