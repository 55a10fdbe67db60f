import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('learning into practice, in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  async function signedIn(email: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await signedInContext(live, email);
    const page = await context.newPage();
    return { context, page, errors: collectConsoleErrors(page) };
  }

  it('the school completes its action sent back, with evidence; a partner lead finds the overdue action and reads the recommendations; every page passes axe', async () => {
    const school = await signedIn('school@northmoor.example');
    const { page } = school;
    await page.goto(`${live.server.url}/dashboard`);
    await page.getByRole('link', { name: 'Actions', exact: true }).click();
    await page.waitForURL(`${live.server.url}/actions`);
    expect(await page.textContent('h1')).toBe('Actions from reviews');
    // Only the school's own actions.
    expect(await page.textContent('main')).toContain('Northmoor Academy Trust');
    expect(await page.textContent('main')).not.toContain('Northmoor Police (');
    await expectAccessible(page);
    await page.getByRole('link', { name: /Every school is told the next morning/ }).click();
    await page.waitForURL(/\/actions\/[0-9a-f-]{36}$/);
    expect(await page.textContent('main')).toContain('Sent back');
    expect(await page.textContent('main')).toContain('Signing up is not evidence');
    await expectAccessible(page);

    // Completing without evidence: the error summary, nothing saved.
    await page.getByLabel('Mark as completed, with the evidence').check();
    await page.getByRole('button', { name: 'Save the update' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('Enter the evidence that the action is completed');
    await expectAccessible(page);
    await page.getByLabel('Mark as completed, with the evidence').check();
    await page.getByLabel('Update or evidence').fill('Termly check: 40 of 40 notifications arrived before 9am (fictional).');
    await page.getByRole('button', { name: 'Save the update' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?done=complete$/);
    expect(await page.textContent('.govuk-notification-banner')).toContain('marked as completed');
    await expectAccessible(page);
    expect(school.errors).toEqual([]);
    await school.context.close();

    const lead = await signedIn('la.lead@northmoor.example');
    await lead.page.goto(`${live.server.url}/actions`);
    await lead.page.getByLabel('Overdue only').check();
    await lead.page.getByRole('button', { name: 'Filter the actions' }).click();
    await lead.page.waitForURL(/overdue=yes/);
    expect(await lead.page.textContent('main')).toContain('1 action.');
    expect(await lead.page.textContent('main')).toContain('Overdue');
    await expectAccessible(lead.page);
    await lead.page.getByRole('link', { name: /Police share the names/ }).click();
    await lead.page.waitForURL(/\/actions\/[0-9a-f-]{36}$/);
    await expectAccessible(lead.page);
    const caseRef = (await lead.page.textContent('.govuk-caption-l')) ?? '';
    expect(caseRef).toMatch(/Case NM-/);
    // The review the recommendations belong to, from the list of reviews (the demo has several).
    const reference = caseRef.replace(/^Case\s+/, '').trim().split(/\s/)[0];
    await lead.page.goto(`${live.server.url}/cases/reviews`);
    await lead.page.getByRole('link', { name: reference, exact: true }).click();
    await lead.page.waitForURL(/\/cases\/[0-9a-f-]{36}\/review$/);
    await lead.page.getByRole('link', { name: /See the review’s recommendations/ }).click();
    await lead.page.waitForURL(/\/review\/recommendations$/);
    expect(await lead.page.textContent('main')).toContain('Not accepted: The escalation policy was retrained');
    await expectAccessible(lead.page);
    expect(lead.errors).toEqual([]);
    await lead.context.close();
  }, 120_000);
});
