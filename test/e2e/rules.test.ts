import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentRules, listHolidays } from '../../src/features/rules/service.ts';
import { findUserByEmail } from '../../src/features/users/service.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { collectConsoleErrors, expectAccessible, findChromium, launchBrowser, startLiveServer, type LiveServer } from './browser.ts';

const chromiumPath = findChromium();

const GOV_UK_FILE = JSON.stringify({
  'england-and-wales': {
    division: 'england-and-wales',
    events: [
      { title: 'Boxing Day', date: '2027-12-28', notes: 'Substitute day', bunting: true },
      { title: 'New Year’s Day', date: '2028-01-03', notes: 'Substitute day', bunting: true },
      { title: 'Good Friday', date: '2028-04-14', notes: '', bunting: false },
    ],
  },
  scotland: { division: 'scotland', events: [{ title: '2nd January', date: '2028-01-04', notes: '', bunting: true }] },
});

describe.skipIf(!chromiumPath)('statutory clock rules and bank holidays in a browser', () => {
  let server: LiveServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startLiveServer();
    browser = await launchBrowser(chromiumPath as string);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const db = () => server.app.deps.database.db;
  const heading = async (page: Page) => ((await page.textContent('h1')) ?? '').trim();

  it('a system administrator adds a rule version, loads the GOV.UK file and adds and removes a date; every page passes axe', async () => {
    const sysadmin = await findUserByEmail(db(), 'sysadmin@cspr.example');
    if (!sysadmin) throw new Error('the demo data has no system administrator');
    const context = await browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: await createSession(db(), sysadmin.id, { twoFactor: true }), url: server.url, httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    // The clock rules, from the administration index.
    await page.goto(`${server.url}/admin`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Statutory clock rules' }).click();
    await page.waitForURL(`${server.url}/admin/clock-rules`);
    expect(await heading(page)).toBe('Statutory clock rules');
    expect(await page.locator('tbody tr').count()).toBe(7);
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Send the rapid review to the Panel' }).click();
    await page.waitForURL(`${server.url}/admin/clock-rules/rapid-review`);
    expect(await page.textContent('main')).toContain('15 working days after the Panel was notified');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Add a new version' }).click();
    await page.waitForURL(`${server.url}/admin/clock-rules/rapid-review/new-version`);
    expect(await heading(page)).toBe('Add version 2');
    expect(await page.getByLabel('Length').inputValue()).toBe('15');
    expect(await page.getByLabel('The date the Panel was notified').isChecked()).toBe(true);
    await expectAccessible(page);

    // Sent without the date it applies from: the error summary says so, and links to the field.
    await page.getByLabel('Length').fill('20');
    await page.getByRole('button', { name: 'Add version 2' }).click();
    await page.waitForLoadState('load');
    expect(await page.title()).toMatch(/^Error: /);
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).toBe(true);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter the date this version applies from');
    expect(await page.getByLabel('Length').inputValue()).toBe('20');
    await expectAccessible(page);

    await page.getByRole('link', { name: /Enter the date this version applies from/ }).click();
    await page.keyboard.type('2027-01-04');
    await page.getByRole('button', { name: 'Add version 2' }).click();
    await page.waitForURL(`${server.url}/admin/clock-rules/rapid-review?added=1`);
    expect(await page.textContent('.govuk-notification-banner')).toContain('New version added.');
    expect(await page.textContent('main')).toContain('20 working days after the Panel was notified');
    await expectAccessible(page);
    expect((await currentRules(db())).filter((r) => r.key === 'rapid-review').map((r) => r.length)).toEqual([15, 20]);

    // Bank holidays: look at a year the shipped table does not cover, then load the GOV.UK file.
    await page.goto(`${server.url}/admin`);
    await page.getByRole('link', { name: 'Bank holidays' }).click();
    await page.waitForURL(`${server.url}/admin/bank-holidays`);
    expect(await heading(page)).toBe('Bank holidays');
    await expectAccessible(page);
    await page.getByRole('navigation', { name: 'Years' }).getByRole('link', { name: '2027' }).click();
    await page.waitForURL(`${server.url}/admin/bank-holidays?year=2027`);
    expect(await page.textContent('main')).toContain('The 2027 dates are provisional');
    await expectAccessible(page);

    // A bad paste first: a specific message, nothing added.
    await page.getByLabel('Or paste the contents of bank-holidays.json').fill('{"england-and-wales": {"events": [{"title": "Good Friday", "date": "14/04/2028"}]}}');
    await page.getByRole('button', { name: 'Load pasted dates' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('England and Wales event 1 ("Good Friday") has an invalid date "14/04/2028"');
    await expectAccessible(page);
    expect(await listHolidays(db(), 2028)).toEqual([]);

    await page.getByLabel('Upload bank-holidays.json').setInputFiles({ name: 'bank-holidays.json', mimeType: 'application/json', buffer: Buffer.from(GOV_UK_FILE) });
    await page.getByRole('button', { name: 'Upload and load dates' }).click();
    // The form's security token travels among its fields, never in the address.
    await page.waitForURL(`${server.url}/admin/bank-holidays/import`);
    expect(await heading(page)).toBe('Bank holidays loaded');
    expect(await page.textContent('main')).toContain('2 dates added');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'See 2028' }).click();
    await page.waitForURL(`${server.url}/admin/bank-holidays?year=2028`);
    expect(await page.locator('tbody tr').count()).toBe(2);
    await expectAccessible(page);

    // Add one date by hand, then remove it.
    await page.getByRole('group', { name: 'Date' }).getByLabel('Day').fill('5');
    await page.getByRole('group', { name: 'Date' }).getByLabel('Month').fill('6');
    await page.getByRole('group', { name: 'Date' }).getByLabel('Year').fill('2028');
    await page.getByLabel('Name', { exact: true }).fill('A one-off bank holiday');
    await page.getByRole('button', { name: 'Add bank holiday' }).click();
    await page.waitForURL(`${server.url}/admin/bank-holidays?year=2028&added=1`);
    expect(await page.locator('tbody').textContent()).toContain('Monday 5 June 2028');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Remove A one-off bank holiday, 5 June 2028' }).click();
    await page.waitForURL(`${server.url}/admin/bank-holidays/2028-06-05/remove`);
    expect(await heading(page)).toBe('Remove A one-off bank holiday, 5 June 2028?');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Remove bank holiday' }).click();
    await page.waitForURL(`${server.url}/admin/bank-holidays?year=2028&removed=1`);
    expect(await page.textContent('.govuk-notification-banner')).toContain('Bank holiday removed.');
    expect(await page.locator('tbody tr').count()).toBe(2);
    await expectAccessible(page);

    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
