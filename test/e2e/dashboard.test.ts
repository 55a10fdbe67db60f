import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findUserByEmail } from '../../src/features/users/service.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { collectConsoleErrors, expectAccessible, findChromium, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('the dashboard and calendar feed in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  const db = () => live.server.app.deps.database.db;

  async function signedInContext(email: string): Promise<BrowserContext> {
    const user = await findUserByEmail(db(), email);
    if (!user) throw new Error(`the demo data has no ${email}`);
    const context = await live.browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: await createSession(db(), user.id, { twoFactor: true }), url: live.server.url, httpOnly: true, sameSite: 'Lax' }]);
    return context;
  }

  it('an administrator goes from the start page to their dashboard, opens a case, and makes and stops a calendar link; every page passes axe', async () => {
    const context = await signedInContext('admin@northmoor.example');
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    await page.goto(`${live.server.url}/`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Go to your dashboard' }).click();
    await page.waitForURL(`${live.server.url}/dashboard`);
    expect((await page.textContent('h1'))?.trim()).toBe('Your dashboard');
    expect(await page.getByRole('link', { name: 'Dashboard', exact: true }).count()).toBe(1);
    const main = (await page.textContent('main')) ?? '';
    expect(main).toContain('Overdue');
    expect(main).toContain('Due in the next 5 working days');
    expect(main).toContain('Cases by state');
    await expectAccessible(page);

    // Every listed case opens its case page.
    const caseLink = page.locator('main a[href^="/cases/"]').first();
    const href = (await caseLink.getAttribute('href')) as string;
    await caseLink.click();
    await page.waitForURL(`${live.server.url}${href}`);
    await expectAccessible(page);

    await page.goto(`${live.server.url}/dashboard`);
    await page.getByRole('button', { name: 'Make a calendar link' }).click();
    await page.waitForURL(`${live.server.url}/dashboard/calendar`);
    expect((await page.textContent('h1'))?.trim()).toBe('Your calendar link');
    await expectAccessible(page);
    const feedUrl = ((await page.textContent('#calendar-url')) ?? '').trim();
    expect(feedUrl).toMatch(/\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    const feed = await page.request.get(feedUrl);
    expect(feed.status()).toBe(200);
    expect(feed.headers()['content-type']).toBe('text/calendar; charset=utf-8');
    expect(await feed.text()).toContain('BEGIN:VEVENT');

    await page.getByRole('link', { name: 'Back to your dashboard' }).click();
    await page.waitForURL(`${live.server.url}/dashboard`);
    expect(await page.textContent('#calendar-status')).toContain('You made a calendar link on');
    await page.getByRole('button', { name: 'Stop the calendar link' }).click();
    await page.waitForURL(`${live.server.url}/dashboard#calendar`);
    expect(await page.textContent('#calendar-status')).toContain('You do not have a calendar link.');
    await expectAccessible(page);
    expect((await page.request.get(feedUrl)).status()).toBe(404);

    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('an agency contributor sees what they can do; the page passes axe', async () => {
    const context = await signedInContext('school@northmoor.example');
    const page = await context.newPage();
    await page.goto(`${live.server.url}/dashboard`);
    expect(await page.textContent('#what-you-can-do')).toContain('Refer an incident');
    await expectAccessible(page);
    await page.locator('#what-you-can-do').getByRole('link', { name: 'Refer an incident' }).click();
    await page.waitForURL(`${live.server.url}/referrals/new`);
    await expectAccessible(page);
    await context.close();
  }, 60_000);

  it('an agency contributor finds the work handed to their agency under “Your tasks”, acts on it, and chooses a daily email; every page passes axe', async () => {
    const context = await signedInContext('school@northmoor.example');
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${live.server.url}/dashboard`);
    expect((await page.getByRole('heading', { name: 'Your tasks' }).count())).toBe(1);
    // The demonstration's school owns two actions from a review: one sent back, one not started.
    const table = page.locator('#tasks-table');
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('Record progress on your agency’s action');
    expect(text).toMatch(/[A-Z]{1,6}-\d{4}-\d{3}/);
    expect(await table.locator('tbody tr').count()).toBe(2);
    await expectAccessible(page);
    // At 320 px the list still reads without sideways scrolling of the page.
    await page.setViewportSize({ width: 320, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.setViewportSize({ width: 1280, height: 800 });

    const first = table.locator('tbody a').first();
    const href = (await first.getAttribute('href')) as string;
    expect(href).toMatch(/^\/actions\/[0-9a-f-]{36}$/);
    await first.click();
    await page.waitForURL(`${live.server.url}${href}`);
    await expectAccessible(page);

    await page.goto(`${live.server.url}/dashboard`);
    await page.getByRole('link', { name: 'Choose how you hear of new tasks' }).click();
    await page.waitForURL(`${live.server.url}/account/task-emails`);
    await expectAccessible(page);
    await page.getByRole('group', { name: 'An action from a review assigned to your agency' }).getByLabel('In one email a day').check();
    await page.getByRole('button', { name: 'Save your choices' }).click();
    await page.waitForURL(`${live.server.url}/account/task-emails?saved=1`);
    expect(await page.getByRole('group', { name: 'An action from a review assigned to your agency' }).getByLabel('In one email a day').isChecked()).toBe(true);
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
