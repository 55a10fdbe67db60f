import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';
import { samplePdf } from '../../src/platform/documents/test-fixtures.ts';

const chromiumPath = findChromium();
/** A small PDF as an agency would upload (fictional). */
const PDF = samplePdf('fictional evidence of completion', 2048);

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
    // The termly check itself goes with the completion, as a file.
    await page.getByLabel('Evidence file').setInputFiles({ name: 'Termly check (fictional).pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByRole('button', { name: 'Save the update' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?done=complete$/);
    expect(await page.textContent('.govuk-notification-banner')).toContain('marked as completed');
    expect(await page.textContent('main')).toContain('Termly check (fictional).pdf');
    await expectAccessible(page);

    // Another of the school's actions: words alone do not complete it, a file must go with them.
    await page.goto(`${live.server.url}/actions`);
    await page.getByRole('link', { name: /Staff record how they supported the child/ }).click();
    await page.waitForURL(/\/actions\/[0-9a-f-]{36}$/);
    await page.getByLabel('Mark as in progress').check();
    await page.getByRole('button', { name: 'Save the update' }).click();
    await page.waitForURL(/\?done=start$/);
    await page.getByLabel('Mark as completed, with the evidence').check();
    await page.getByLabel('Update or evidence').fill('Sample of 20 notifications: support recorded in each (fictional).');
    await page.getByRole('button', { name: 'Save the update' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('Attach at least one file as evidence that the action is completed');
    expect(await page.textContent('main')).toContain('In progress');
    await expectAccessible(page);
    await page.getByLabel('Mark as completed, with the evidence').check();
    await page.getByLabel('Update or evidence').fill('Sample of 20 notifications: support recorded in each (fictional).');
    await page.getByLabel('Evidence file').setInputFiles({ name: 'Sample of notifications (fictional).pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByRole('button', { name: 'Save the update' }).click();
    await page.waitForURL(/\?done=complete$/);
    expect(await page.textContent('main')).toContain('Sample of notifications (fictional).pdf');
    await expectAccessible(page);
    expect(school.errors).toEqual([]);
    await school.context.close();

    const lead = await signedIn('la.lead@northmoor.example');
    await lead.page.goto(`${live.server.url}/actions`);
    await lead.page.getByLabel('Overdue only').check();
    await lead.page.getByRole('button', { name: 'Filter the actions' }).click();
    await lead.page.waitForURL(/overdue=yes/);
    // The police's action, and the school's training action escalated to the partnership.
    expect(await lead.page.textContent('main')).toContain('2 actions.');
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
    // What the review found, beside its recommendations.
    expect(await lead.page.textContent('main')).toContain('Finding 1');
    await expectAccessible(lead.page);
    expect(lead.errors).toEqual([]);
    await lead.context.close();
  }, 120_000);

  it('the business unit sees an overdue assurance check, records it with an error first, and finds an action’s escalations and evidence; every page passes axe', async () => {
    const admin = await signedIn('admin@northmoor.example');
    const { page } = admin;
    await page.goto(`${live.server.url}/actions`);
    expect(await page.textContent('main')).toContain('An assurance check of the action plans is overdue');
    await page.getByRole('link', { name: 'Assurance checks of the action plans' }).click();
    await page.waitForURL(`${live.server.url}/actions/checks`);
    expect(await page.textContent('main')).toContain('Partly assured');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Record this check' }).click();
    await page.waitForURL(/\/actions\/checks\/[0-9a-f-]{36}\/record$/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Record the check' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('Select the result of the check');
    await expectAccessible(page);
    await page.getByLabel('Assured', { exact: true }).check();
    await page.getByLabel('Findings').fill('Every open action has a named lead and a plan (fictional).');
    await page.getByRole('button', { name: 'Record the check' }).click();
    await page.waitForURL(/\/actions\/checks\?done=recorded$/);
    expect(await page.textContent('.govuk-notification-banner')).toContain('next one scheduled');
    await expectAccessible(page);

    // The school's overdue training action: told to the school, then escalated to the partnership.
    await page.goto(`${live.server.url}/actions?overdue=yes`);
    await page.getByRole('link', { name: /trained in what to do with a notification/ }).click();
    await page.waitForURL(/\/actions\/[0-9a-f-]{36}$/);
    expect(await page.textContent('main')).toContain('Escalated to the partnership’s administrators');
    expect(await page.textContent('main')).toContain('Sam Lewis (Owning agency)');
    await expectAccessible(page);
    // An action waiting for sign-off, with its evidence file to download.
    await page.goto(`${live.server.url}/actions?status=completed`);
    await page.getByRole('link', { name: /Police send Operation Encompass notifications/ }).click();
    await page.waitForURL(/\/actions\/[0-9a-f-]{36}$/);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Completion evidence (fictional).pdf' }).click();
    expect((await download).suggestedFilename()).toBe('Completion evidence (fictional).pdf');
    await page.getByRole('link', { name: 'Add an evidence file' }).click();
    await page.waitForURL(/\/evidence\/new$/);
    await expectAccessible(page);

    // A finding added to the review, its error first; shown beside the recommendations.
    await page.goto(`${live.server.url}/actions?status=completed`);
    await page.getByRole('link', { name: /Police send Operation Encompass notifications/ }).click();
    await page.waitForURL(/\/actions\/[0-9a-f-]{36}$/);
    const reference = ((await page.textContent('.govuk-caption-l')) ?? '').replace(/^Case\s+/, '').trim().split(/\s/)[0];
    await page.goto(`${live.server.url}/cases/reviews`);
    await page.getByRole('link', { name: reference, exact: true }).click();
    await page.getByRole('link', { name: /See the review’s recommendations/ }).click();
    await page.waitForURL(/\/review\/recommendations$/);
    await page.getByRole('link', { name: 'Add a finding' }).click();
    await page.waitForURL(/\/review\/findings\/new$/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Save the finding' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('Enter what the review found');
    await expectAccessible(page);
    await page.getByLabel('Number').fill('5');
    await page.getByLabel('What the review found').fill('Nobody checked that the school had been told of the call-outs (fictional).');
    // The second recommendation (numbers in order): the school notifications.
    await page.locator('input[name="recommendationIds"]').nth(1).check();
    await page.getByRole('button', { name: 'Save the finding' }).click();
    await page.waitForURL(/\/review\/recommendations\?done=finding#findings$/);
    expect(await page.textContent('main')).toContain('Nobody checked that the school had been told of the call-outs');
    await expectAccessible(page);
    expect(admin.errors).toEqual([]);
    await admin.context.close();
  }, 120_000);
});
