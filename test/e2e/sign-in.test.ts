import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../src/features/demo/service.ts';
import { collectConsoleErrors, expectAccessible, findChromium, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('signing in with a keyboard', { timeout: 120_000 }, () => {
  const live = useLiveBrowser(chromiumPath);

  it('a partnership admin signs in with password and security code, sees their account and signs out', async () => {
    const context = await live.browser.newContext();
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${live.server.url}/account`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await expectAccessible(page);

    // A mistake first: the error summary takes focus and links to the field.
    await page.getByLabel('Email address').focus();
    await page.keyboard.type('admin@northmoor.example');
    await page.keyboard.press('Enter');
    await page.waitForLoadState('load');
    expect(await page.textContent('.govuk-error-summary')).toContain('Enter your password');
    await expectAccessible(page);

    await page.getByLabel('Password', { exact: true }).focus();
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sign-in\/two-factor/);
    expect(await page.textContent('h1')).toBe('Enter your security code');
    await expectAccessible(page);

    await page.getByLabel('Security code').focus();
    await page.keyboard.type(generateSync({ secret: DEMO_TOTP_SECRET }));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account$/);
    expect(await page.textContent('h1')).toBe('Your account');
    expect(await page.textContent('main')).toContain('Partnership administrator');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Manage your API tokens' }).click();
    await page.getByLabel('Name of the new token').fill('Reporting');
    await page.getByLabel('Read only').check();
    await page.getByRole('button', { name: 'Create token' }).click();
    expect(await page.textContent('.cspr-token')).toMatch(/^cspr_/);
    await expectAccessible(page);

    // Sign out is a button in the header (a form with the CSRF token), working without JavaScript.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForLoadState('load');
    expect(await page.textContent('h1')).toBe('You have signed out');
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sets up two-factor authentication for a person who has none yet', async () => {
    const db = live.server.app.deps.database.db;
    await db.updateTable('users').set({ totp_enabled: false, totp_secret_enc: null }).where('email', '=', 'reviewer@reviewers.example').execute();
    const context = await live.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${live.server.url}/sign-in`);
    await page.getByLabel('Email address').fill('reviewer@reviewers.example');
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/two-factor\/set-up/);
    expect(await page.textContent('h1')).toBe('Set up two-factor authentication');
    await expectAccessible(page);
    const secret = ((await page.textContent('.cspr-secret')) ?? '').replace(/\s/g, '');
    await page.getByLabel('Security code').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    expect(await page.textContent('h1')).toBe('Save your recovery codes');
    expect(await page.locator('.cspr-recovery-codes li').count()).toBe(10);
    await expectAccessible(page);
    await context.close();
  });

  it('signs in with JavaScript turned off', async () => {
    // axe needs JavaScript, so this journey checks only that every step works without it.
    const context = await live.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${live.server.url}/account`);
    await page.getByLabel('Email address').fill('la.lead@northmoor.example');
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Security code').fill(generateSync({ secret: DEMO_TOTP_SECRET }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/account$/);
    expect(await page.textContent('main')).toContain('Statutory partner lead');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForLoadState('load');
    expect(await page.textContent('h1')).toBe('You have signed out');
    await context.close();
  });
});
