import fs from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/features/users/service.ts';
import { recordAudit } from '../../src/platform/audit/audit.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { collectConsoleErrors, expectAccessible, findChromium, launchBrowser, startLiveServer, type LiveServer } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('the audit trail in a browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    server = await startLiveServer();
    browser = await launchBrowser(chromiumPath as string);
    const db = server.app.deps.database.db;
    const admin = await createUser(db, { email: 'sam.sysadmin@example.org', name: 'Sam Sysadmin', grants: [{ role: 'system-admin' }] });
    token = await createSession(db, admin.id, { twoFactor: true });
    for (let i = 0; i < 55; i++) {
      await recordAudit(db, { actor: { id: admin.id, email: 'reader@example.org', role: 'system-admin' }, action: 'view', recordType: 'case', recordId: `case-${i}` });
    }
    await recordAudit(db, {
      actor: { id: admin.id, email: 'editor@example.org', role: 'system-admin' },
      action: 'update',
      recordType: 'case',
      recordId: 'case-7',
      changes: { before: { status: 'open' }, after: { status: 'closed <b>now</b>' } },
      ip: '192.0.2.10',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedInContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ acceptDownloads: true });
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
    return context;
  }

  it('an administrator searches, reads the changes, pages on, fixes a wrong date and downloads the CSV; each page passes axe', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    await page.goto(`${server.url}/admin/audit`);
    expect(await page.textContent('h1')).toBe('Audit trail');
    await expectAccessible(page);
    expect(await page.locator('tbody tr').count()).toBe(50);

    // Filter to the change and read what changed.
    await page.getByLabel('Action').fill('update');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/action=update/);
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.textContent('#results')).toContain('1 entry matches these filters');
    await page.getByText('Changes', { exact: true }).click();
    const changes = await page.locator('pre.cspr-json').textContent();
    expect(JSON.parse(changes ?? '')).toEqual({ before: { status: 'open' }, after: { status: 'closed <b>now</b>' } });
    await expectAccessible(page);

    // The whole trail, second page.
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.waitForURL(`${server.url}/admin/audit`);
    await page.getByRole('link', { name: /Next/ }).click();
    await page.waitForURL(/before=\d+/);
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    await expectAccessible(page);

    // An impossible date: the error summary takes focus and links to the field.
    await page.getByLabel('From date').fill('2026-02-30');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/from=2026-02-30/);
    expect(await page.title()).toBe('Error: Audit trail – CSPR Hub');
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.textContent()).toContain('The from date must be a real date, like 2026-03-27');
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).toBe(true);
    await expectAccessible(page);
    await summary.getByRole('link', { name: 'The from date must be a real date' }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('from');

    await page.getByLabel('From date').fill('2000-01-01');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/from=2000-01-01/);
    expect(await page.locator('.govuk-error-summary').count()).toBe(0);

    // Download what the filters found.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /as a spreadsheet \(CSV\)/ }).click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-trail-\d{4}-\d\d-\d\d\.csv$/);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('\uFEFFEntry,When (UTC),Actor email,Actor ID,Actor role,Partnership,Partnership ID,Action,Record type,Record ID,Outcome,Address,Request ID,Changes');
    expect(csv).toContain('editor@example.org');

    // The page with the wrong date is answered 422, which Chromium notes in the console; nothing else may be there.
    expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
    await context.close();
  }, 120_000);

  it('works with JavaScript turned off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/audit`);
    await page.getByLabel('Email address of the person').fill('editor@');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/actor=editor%40/);
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByText('Changes', { exact: true }).click();
    expect(await page.locator('pre.cspr-json').isVisible()).toBe(true);
    await context.close();
  });
});
