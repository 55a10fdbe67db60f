import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PARTNERSHIP } from '../../src/features/demo/service.ts';
import { findUserByEmail } from '../../src/features/users/service.ts';
import { verifyPassword } from '../../src/platform/auth/passwords.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { linkIn, waitForMail } from '../support/mail.ts';
import { collectConsoleErrors, expectAccessible, findChromium, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('administration in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  const db = () => live.server.app.deps.database.db;
  const dataDir = () => live.server.app.deps.config.dataDir;

  /** A browser holding a fully signed-in session of a demo user (the partnership administrator unless named). */
  async function signedInContext(email = 'admin@northmoor.example'): Promise<BrowserContext> {
    const admin = await findUserByEmail(db(), email);
    if (!admin) throw new Error(`the demo data has no user ${email}`);
    const token = await createSession(db(), admin.id, { twoFactor: true });
    const context = await live.browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: live.server.url, httpOnly: true, sameSite: 'Lax' }]);
    return context;
  }

  async function heading(page: Page): Promise<string> {
    return ((await page.textContent('h1')) ?? '').trim();
  }

  it('a partnership administrator invites a person, who opens the emailed link and chooses a password; every page passes axe', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    await page.goto(`${live.server.url}/admin`);
    expect(await heading(page)).toBe('Administration');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.waitForURL(`${live.server.url}/admin/users`);
    expect(await heading(page)).toBe('Users');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Invite a user' }).click();
    await page.waitForURL(`${live.server.url}/admin/users/invite`);
    expect(await heading(page)).toBe('Invite a user');
    await expectAccessible(page);

    // Sent half-filled first: the error summary takes focus and links to the field.
    await page.getByLabel('Email address').fill('robin.reviewer@example.org');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.waitForLoadState('load');
    expect(await page.title()).toMatch(/^Error: Invite a user/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).toBe(true);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter their full name');
    expect(await page.getByLabel('Email address').inputValue()).toBe('robin.reviewer@example.org');
    await expectAccessible(page);

    // Then completed with the keyboard: the name, the role (radios) and the partnership (already chosen).
    await page.getByRole('link', { name: 'Enter their full name' }).click();
    await page.keyboard.type('Robin Reviewer');
    await page.getByLabel('Independent reviewer').focus();
    await page.keyboard.press('Space');
    expect(await page.getByLabel('Independent reviewer').isChecked()).toBe(true);
    expect(await page.locator('#partnership option:checked').textContent()).toBe(DEMO_PARTNERSHIP.name);
    await page.getByRole('button', { name: 'Send invitation' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}\?invited=1$/);
    expect(await heading(page)).toBe('Robin Reviewer');
    expect(await page.textContent('.govuk-notification-banner')).toContain('Invitation sent.');
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();

    // The invited person, in a browser of their own, opens the link from the email.
    const mail = await waitForMail(dataDir(), 'robin.reviewer@example.org');
    const link = linkIn(mail, '/invitation/');
    expect(link.startsWith(`${live.server.url}/invitation/`)).toBe(true);
    const theirs = await live.browser.newContext();
    const invitee = await theirs.newPage();
    await invitee.goto(link);
    expect(await heading(invitee)).toBe('Set up your account');
    expect(await invitee.textContent('main')).toContain(`Independent reviewer, ${DEMO_PARTNERSHIP.name}`);
    await expectAccessible(invitee);

    await invitee.getByLabel('Choose a password').fill('robin');
    await invitee.getByRole('button', { name: 'Set password' }).click();
    await invitee.waitForLoadState('load');
    expect(await invitee.locator('.govuk-error-summary').textContent()).toContain('Password must be 12 characters or more');
    await expectAccessible(invitee);

    await invitee.getByLabel('Choose a password').fill('lighthouse pebble tandem 58');
    await invitee.getByRole('button', { name: 'Set password' }).click();
    await invitee.waitForURL(`${live.server.url}/sign-in?invited=1`);
    expect(await heading(invitee)).toBe('Sign in');
    expect(await invitee.textContent('main')).toContain('Your password is set.');
    await expectAccessible(invitee);
    const robin = await db().selectFrom('users').select('password_hash').where('email', '=', 'robin.reviewer@example.org').executeTakeFirstOrThrow();
    expect(await verifyPassword('lighthouse pebble tandem 58', robin.password_hash)).toBe(true);

    // The link is spent.
    await invitee.goto(link);
    expect(await heading(invitee)).toBe('This link has expired or has already been used');
    await expectAccessible(invitee);
    await theirs.close();
  }, 120_000);

  it('a system administrator adds a partnership and an agency; every page passes axe', async () => {
    const context = await signedInContext('sysadmin@cspr.example');
    const page = await context.newPage();
    await page.goto(`${live.server.url}/admin`);
    await page.getByRole('link', { name: 'Partnerships', exact: true }).click();
    await page.waitForURL(`${live.server.url}/admin/partnerships`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Add a partnership' }).click();
    await page.waitForURL(`${live.server.url}/admin/partnerships/new`);
    await expectAccessible(page);
    await page.getByLabel('Name', { exact: true }).fill('Southdale Safeguarding Children Partnership (fictional)');
    await page.getByLabel('Short name').fill('southdale');
    await page.getByRole('button', { name: 'Add partnership' }).click();
    await page.waitForURL(`${live.server.url}/admin/partnerships/southdale?added=1`);
    await page.getByLabel('Agency name').fill('Southdale Police');
    await page.getByLabel('Police (statutory partner)').check();
    await page.getByRole('button', { name: 'Add agency' }).click();
    await page.waitForURL(`${live.server.url}/admin/partnerships/southdale?agency=1`);
    expect(await page.locator('table').textContent()).toContain('Southdale Police');
    await expectAccessible(page);
    await context.close();
  }, 60_000);

  it('someone who forgot their password asks for a link and chooses a new one; every page passes axe', async () => {
    const context = await live.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${live.server.url}/password-reset`);
    expect(await heading(page)).toBe('Reset your password');
    await expectAccessible(page);
    await page.getByLabel('Email address').fill('admin@northmoor.example');
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.waitForLoadState('load');
    expect(await heading(page)).toBe('Check your email');
    await expectAccessible(page);

    const link = linkIn(await waitForMail(dataDir(), 'admin@northmoor.example'), '/password-reset/');
    await page.goto(link);
    expect(await heading(page)).toBe('Choose a new password');
    await expectAccessible(page);
    await page.getByLabel('New password').fill('saffron glacier puzzle 73');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL(`${live.server.url}/sign-in?reset=1`);
    await expectAccessible(page);
    await context.close();
  }, 60_000);
});
