import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findUserByEmail } from '../../src/features/users/service.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { renderReportPdf } from '../../src/platform/documents/generate-pdf.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { collectConsoleErrors, expectAccessible, findChromium, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('published reviews administration in a browser', () => {
  const live = useLiveBrowser(chromiumPath);
  const db = () => live.server.app.deps.database.db;

  async function signedInContext(email: string): Promise<BrowserContext> {
    const user = await findUserByEmail(db(), email);
    if (!user) throw new Error(`the demo data has no user ${email}`);
    const token = await createSession(db(), user.id, { twoFactor: true });
    const context = await live.browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: live.server.url, httpOnly: true, sameSite: 'Lax' }]);
    return context;
  }

  it('an administrator sees the demo reviews, imports a report after correcting the form, and withdraws a file; every page passes axe', async () => {
    const context = await signedInContext('admin@northmoor.example');
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    await page.goto(`${live.server.url}/publications`);
    expect((await page.textContent('h1'))?.trim()).toBe('Published reviews');
    expect(await page.locator('tbody tr').count()).toBe(12);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Import a published report' }).click();
    await page.waitForURL(`${live.server.url}/publications/import`);
    await expectAccessible(page);
    await page.getByLabel('Title').fill('Child Z: a practice learning review (fictional)');
    await page.getByRole('button', { name: 'Import the report' }).click();
    await page.waitForLoadState('load');
    expect(await page.title()).toMatch(/^Error: Import a published report/);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Select the report file');
    expect(await page.getByLabel('Title').inputValue()).toBe('Child Z: a practice learning review (fictional)');
    await expectAccessible(page);

    const pdf = await renderReportPdf({ title: 'Child Z (fictional)', pages: ['Child Z was seen by many agencies.', 'Nobody put the pieces together.'] });
    await page.setInputFiles('#file', { name: 'child-z.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByLabel('Day').fill('3');
    await page.getByLabel('Month').fill('2');
    await page.getByLabel('Year').fill('2022');
    await page.getByLabel('Practice learning review').check();
    await page.getByLabel('Professional curiosity').check();
    await page.getByLabel('Summary').fill('A fictional review about agencies that each held part of the picture.');
    await page.getByRole('button', { name: 'Import the report' }).click();
    await page.waitForURL(`${live.server.url}/publications?imported=1`);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('The report was imported');
    expect(await page.locator('tbody tr').count()).toBe(13);

    await page.getByRole('link', { name: 'Withdraw the report file of Child Z: a practice learning review (fictional)' }).click();
    await page.waitForURL(/\/publications\/[0-9a-f-]+\/withdraw$/);
    await expectAccessible(page);
    await page.getByLabel('Reason for withdrawing it (optional)').fill('Replaced by a corrected version.');
    await page.getByRole('button', { name: 'Withdraw the report file' }).click();
    await page.waitForURL(`${live.server.url}/publications?withdrawn=1`);
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('a system administrator manages the themes; the pages pass axe', async () => {
    const context = await signedInContext('sysadmin@cspr.example');
    const page = await context.newPage();
    await page.goto(`${live.server.url}/admin/themes`);
    expect((await page.textContent('h1'))?.trim()).toBe('Themes');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Neglect', exact: true }).click();
    await page.waitForURL(`${live.server.url}/admin/themes/neglect`);
    await expectAccessible(page);
    await context.close();
  }, 60_000);
});
