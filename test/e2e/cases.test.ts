import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { todayInLondon } from '../../src/domain/calendar/date-only.ts';
import { findUserByEmail } from '../../src/features/users/service.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { collectConsoleErrors, expectAccessible, findChromium, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('the statutory workflow in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  async function signedInContext(email: string): Promise<BrowserContext> {
    const db = live.server.app.deps.database.db;
    const user = await findUserByEmail(db, email);
    if (!user) throw new Error(`the demo data has no user ${email}`);
    const token = await createSession(db, user.id, { twoFactor: true });
    const context = await live.browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: live.server.url, httpOnly: true, sameSite: 'Lax' }]);
    return context;
  }

  async function heading(page: Page): Promise<string> {
    return ((await page.textContent('h1')) ?? '').replace(/\s+/g, ' ').trim();
  }

  async function fillDate(page: Page, name: string, iso: string): Promise<void> {
    const [y, m, d] = iso.split('-');
    await page.locator(`#${name}-day`).fill(String(Number(d)));
    await page.locator(`#${name}-month`).fill(String(Number(m)));
    await page.locator(`#${name}-year`).fill(y);
  }

  it('a partnership administrator records an incident with two children, reads the notification check, records the notification and sees the clocks; every page passes axe', async () => {
    const today = todayInLondon(new Date());
    const context = await signedInContext('admin@northmoor.example');
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    // The demo cases are listed, with their next clocks.
    await page.goto(`${live.server.url}/`);
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.waitForURL(`${live.server.url}/cases`);
    expect(await heading(page)).toBe('Cases');
    expect(await page.locator('table').textContent()).toContain('Overdue');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Record an incident' }).click();
    await page.waitForURL(`${live.server.url}/cases/new`);
    expect(await heading(page)).toBe('Record an incident');
    await expectAccessible(page);

    await page.getByLabel('The child was seriously harmed').check();
    await page.getByLabel('Suspected', { exact: true }).check();
    await page.getByLabel('In the local authority’s area').check();
    await fillDate(page, 'aware', '2025-02-31');
    await page.getByLabel('Northmoor Police').check();
    await page.locator('#child-1-pseudonym').fill('Child P');
    await page.locator('#child-1-name').fill('Peregrine Notreal');

    // A second child, added without any script: the form comes back with the answers kept.
    await page.getByRole('button', { name: 'Add another child' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#child-1-pseudonym').inputValue()).toBe('Child P');
    await expect.poll(() => page.locator('#child-2-pseudonym').count()).toBe(1);
    await expectAccessible(page);
    await page.locator('#child-2-pseudonym').fill('Child Q');
    await page.locator('#child-2-age').fill('3');

    // 31 February does not exist: the error summary says so and the answers stay.
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
    expect(await page.title()).toMatch(/^Error: Record an incident/);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('The date the local authority became aware must be a real date');
    expect(await page.locator('#child-2-pseudonym').inputValue()).toBe('Child Q');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'The date the local authority became aware must be a real date' }).click();
    await fillDate(page, 'aware', today);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}\/notification-check$/);
    expect(await heading(page)).toBe('Which duties apply');
    const check = (await page.locator('main').textContent()) ?? '';
    expect(check).toContain('Child P, Child Q');
    expect(check).toContain('the local authority must notify the Panel within 5 working days');
    await expectAccessible(page);

    // The check says plainly that the Panel is notified through the national form, and lists the steps in order.
    expect(check).toContain('This service does not notify the Panel for you');
    expect(check.indexOf('Prepare the content of the national notification form')).toBeLessThan(check.indexOf('Record here the date you sent it'));
    await page.getByRole('button', { name: 'Record that the Panel was notified' }).click();
    await page.waitForURL(/\/steps\/notify$/);
    expect(await heading(page)).toBe('Record that the Panel was notified');
    await expectAccessible(page);
    await fillDate(page, 'date', today);
    await page.getByLabel('Panel reference (optional)').fill('CSPRP-E2E-1');
    await page.getByRole('button', { name: 'Record that the Panel was notified' }).click();
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}\?done=notify$/);
    expect(await heading(page)).toMatch(/^Case NM-\d{4}-\d{3} Notified$/);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Notification to the Panel recorded');

    const clocks = (await page.locator('#clocks ~ .cspr-table-scroll table').first().textContent())?.replace(/\s+/g, ' ') ?? '';
    expect(clocks).toContain('Notify the Child Safeguarding Practice Review Panel');
    expect(clocks).toContain('Done on time');
    expect(clocks).toContain('Send the rapid review to the Panel');
    expect(clocks).toContain('15 working days left');
    expect(await page.locator('main').textContent()).toContain('Peregrine Notreal');
    expect(await page.locator('main').textContent()).toContain('Who has viewed this record');
    await expectAccessible(page);

    // Child Q's identifying details are added once known.
    const caseUrl = page.url().replace(/\?.*$/, '');
    await page.getByRole('link', { name: 'Change details (Child Q)' }).click();
    await page.waitForURL(/\/children\/[0-9a-f-]{36}\/edit$/);
    expect(await heading(page)).toBe('Change Child Q’s details');
    await expectAccessible(page);
    await page.locator('#child-2-name').fill('Quilla Notreal');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${caseUrl}?child=1`);
    expect(await page.locator('main').textContent()).toContain('Quilla Notreal');

    // The facts' edit form.
    await page.getByRole('link', { name: 'Change what happened' }).click();
    await page.waitForURL(/\/edit$/);
    expect(await heading(page)).toBe('Change the facts');
    await expectAccessible(page);
    await page.goto(caseUrl);

    await page.getByRole('link', { name: 'Notification summary, to copy into the national form' }).click();
    await page.waitForURL(/\/notification-summary$/);
    expect(await heading(page)).toBe('Notification summary');
    await expectAccessible(page);

    // A paused demo clock, and its resume page.
    await page.goto(`${live.server.url}/cases`);
    await page.locator('table').getByText('Child F').locator('xpath=ancestor::tr').getByRole('link').click();
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
    expect((await page.locator('#clocks ~ .cspr-table-scroll table').first().textContent())?.replace(/\s+/g, ' ')).toContain('Parallel criminal proceedings');
    await expectAccessible(page);
    await page.getByRole('link', { name: /Resume/ }).click();
    await page.waitForURL(/\/clocks\/review-completion\/resume$/);
    await expectAccessible(page);

    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('an agency contributor refers an incident; the business unit records the outcome; every page passes axe', async () => {
    const school = await signedInContext('school@northmoor.example');
    const page = await school.newPage();
    await page.goto(`${live.server.url}/`);
    await page.getByRole('link', { name: 'Refer an incident' }).click();
    await page.waitForURL(`${live.server.url}/referrals/new`);
    await expectAccessible(page);
    await fillDate(page, 'received', todayInLondon(new Date()));
    await page.getByLabel('Summary').fill('Pupil with a burn on the arm, no explanation');
    await page.getByLabel('Details').fill('Hermione Notreal (fictional), Year 2.');
    await page.getByRole('button', { name: 'Send referral' }).click();
    await page.waitForURL(`${live.server.url}/referrals/sent`);
    await expectAccessible(page);
    await school.close();

    const admin = await signedInContext('admin@northmoor.example');
    const adminPage = await admin.newPage();
    await adminPage.goto(`${live.server.url}/referrals`);
    await expectAccessible(adminPage);
    await adminPage.getByRole('link', { name: 'Pupil with a burn on the arm, no explanation' }).click();
    await adminPage.waitForURL(/\/referrals\/[0-9a-f-]{36}$/);
    await expectAccessible(adminPage);
    await adminPage.getByLabel('Does not meet the criteria for a notification').check();
    await adminPage.getByLabel('Reasons').fill('A scald at home; explained and treated; no concerns of abuse or neglect.');
    await adminPage.getByRole('button', { name: 'Record the outcome' }).click();
    await adminPage.waitForURL(/\?recorded=1$/);
    await expectAccessible(adminPage);
    await admin.close();
  }, 120_000);
});
