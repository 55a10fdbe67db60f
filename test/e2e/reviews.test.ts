import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { todayInLondon } from '../../src/domain/calendar/date-only.ts';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('a review under way, in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  async function signedIn(email: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await signedInContext(live, email);
    const page = await context.newPage();
    return { context, page, errors: collectConsoleErrors(page) };
  }

  it('the reviewer reaches the review they lead from the dashboard and records a practitioner event by keyboard; the Panel sees what was sent; every page passes axe', async () => {
    const reviewer = await signedIn('reviewer@reviewers.example');
    const { page } = reviewer;
    await page.goto(`${live.server.url}/dashboard`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Your reviews' }).click();
    await page.waitForURL(`${live.server.url}/cases/reviews`);
    await expectAccessible(page);
    await page.getByRole('link', { name: /^NM-/ }).first().click();
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}\/review$/);
    const reviewUrl = page.url();
    expect(await page.textContent('h1')).toContain('Local child safeguarding practice review');
    expect(await page.textContent('main')).toContain('Chronologies merged');
    await expectAccessible(page);

    // Keyboard only: follow the link, fill the form, send it with Enter.
    await page.getByRole('link', { name: 'Add a practitioner event' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${reviewUrl}/log/practitioner-event`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(`${reviewUrl}/log/practitioner-event`);
    expect(await page.textContent('.govuk-error-summary')).toContain('Enter who takes part');
    await expectAccessible(page);
    await page.getByLabel('Who takes part').fill('school nurse, designated safeguarding lead');
    const [y, m, d] = todayInLondon(new Date()).split('-');
    await page.locator('#onDate-day').fill(String(Number(d)));
    await page.locator('#onDate-month').fill(String(Number(m)));
    await page.locator('#onDate-year').fill(y);
    await page.getByLabel('Individual conversation').check();
    await page.getByLabel('What was learned (optional)').focus();
    await page.keyboard.type('Escalation routes were not known to new staff (fictional).');
    await page.getByRole('button', { name: 'Save' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${reviewUrl}?done=entry#practitioner-event`);
    expect(await page.textContent('.govuk-notification-banner')).toContain('The entry was added to the review’s log.');
    expect(await page.textContent('#main-content')).toContain('school nurse, designated safeguarding lead');
    await expectAccessible(page);
    expect(reviewer.errors).toEqual([]);
    await reviewer.context.close();

    const panel = await signedIn('panel@panel.example');
    await panel.page.goto(`${live.server.url}/panel`);
    await expectAccessible(panel.page);
    await panel.page.getByRole('link', { name: /^NM-/ }).first().click();
    await panel.page.waitForURL(/\/panel\/cases\//);
    await expectAccessible(panel.page);
    expect(panel.errors).toEqual([]);
    await panel.context.close();
  }, 120_000);
});
