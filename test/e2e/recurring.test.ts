import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

async function noSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

describe.skipIf(!chromiumPath)('recurring learning, in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  it('the business unit finds lessons recurring across the demo reviews, reads how similarity is judged, and takes one out of its group; the Panel sees the published ones; at 320 px and with axe', async () => {
    const context = await signedInContext(live, 'admin@northmoor.example');
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${live.server.url}/dashboard`);
    await page.getByRole('link', { name: 'Recurring learning', exact: true }).click();
    await page.waitForURL(`${live.server.url}/learning/recurring`);
    expect(await page.textContent('h1')).toBe('Recurring learning');
    const groups = await page.locator('main h2.govuk-heading-m').count();
    expect(groups).toBeGreaterThanOrEqual(3);
    expect(await page.textContent('main')).toContain('Serious case review: Baby K (fictional)');
    // Findings are grouped with the recommendations, each saying which it is.
    expect(await page.locator('main td', { hasText: /^Finding \d/ }).count()).toBeGreaterThan(0);
    await page.getByText('How similarity is judged').click();
    expect(await page.textContent('main')).toContain('father, fathers, stepfather');
    await expectAccessible(page);

    // Taking a recommendation out without saying why: the error summary, nothing kept.
    const first = page.locator('details', { hasText: 'Split or merge this group' }).first();
    await first.locator('summary').click();
    await first.locator('input[type=radio]').first().check();
    await first.getByRole('button', { name: 'Take it out of the group' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('Say why this recommendation or finding does not belong in the group');
    await expectAccessible(page);
    await page.locator('.govuk-error-summary a').first().click();
    const open = page.locator('details[open]', { hasText: 'Split or merge this group' }).first();
    await open.locator('input[type=radio]').first().check();
    await open.getByLabel('Why does it not belong here?').fill('About the household, not sharing between agencies (fictional).');
    await open.getByRole('button', { name: 'Take it out of the group' }).click();
    await page.waitForURL(/\?done=split$/);
    expect(await page.textContent('.govuk-notification-banner')).toContain('The choice is kept');
    await expectAccessible(page);

    await page.setViewportSize({ width: 320, height: 700 });
    await page.reload();
    await noSidewaysScroll(page);
    expect(errors).toEqual([]);
    await context.close();

    const panel = await signedInContext(live, 'panel@panel.example');
    const panelPage = await panel.newPage();
    await panelPage.goto(`${live.server.url}/learning/recurring`);
    expect(await panelPage.textContent('.govuk-caption-l')).toContain('Every partnership’s published reviews');
    expect(await panelPage.textContent('main')).not.toContain('Review of case');
    expect(await panelPage.locator('form[action="/learning/recurring/split"]').count()).toBe(0);
    await expectAccessible(panelPage);
    await panel.close();
  }, 180_000);
});
