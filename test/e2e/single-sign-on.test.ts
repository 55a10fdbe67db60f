import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartnership } from '../../src/features/partnerships/service.ts';
import { saveProvider } from '../../src/features/sso/service.ts';
import { createUser } from '../../src/features/users/service.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-test-provider.ts';
import { collectConsoleErrors, expectAccessible, findChromium, launchBrowser, startLiveServer, type LiveServer } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('single sign-on in a browser', () => {
  let server: LiveServer;
  let idp: TestProvider;
  let browser: Browser;
  const settings = '/admin/partnerships/westbrook/single-sign-on';

  beforeAll(async () => {
    server = await startLiveServer();
    idp = await startTestProvider([`${server.url}/sign-in/sso/callback`]);
    browser = await launchBrowser(chromiumPath as string);
    const db = server.app.deps.database.db;
    const westbrook = await addPartnership(db, { slug: 'westbrook', name: 'Westbrook Safeguarding Children Partnership' });
    await saveProvider(db, server.app.deps.cipher, westbrook.id, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      emailDomain: 'westbrook.gov.uk',
      enabled: true,
    }, { approvedBy: null });
    await createUser(db, { email: 'jo.admin@westbrook.gov.uk', name: 'Jo Admin', grants: [{ role: 'partnership-admin', partnershipId: westbrook.id }] });
    idp.accounts.set('jo-object-id', { email: 'jo.admin@westbrook.gov.uk' });
    idp.accounts.set('sam-object-id', { email: 'sam.new@westbrook.gov.uk' });
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await server?.close();
  });

  /** A browser that reaches only this machine: the provider's development pages ask for web fonts. */
  async function newPage() {
    const context = await browser.newContext();
    await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
    return { context, page: await context.newPage() };
  }

  async function throughProvider(page: Page, login: string) {
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.origin === idp.issuer && url.pathname.startsWith('/interaction/'));
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((url) => url.origin === server.url);
  }

  it('a partnership administrator signs in with their organisation’s account and configures it', async () => {
    const { context, page } = await newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${server.url}/sign-in/sso?next=${encodeURIComponent(settings)}`);
    await expectAccessible(page);
    await page.getByLabel('Work email address').fill('Jo.Admin@westbrook.gov.uk');
    // The form leads to another site: the page's form-action policy must let it.
    await page.getByRole('button', { name: 'Continue' }).click();
    await throughProvider(page, 'jo-object-id');
    await page.waitForURL(`${server.url}${settings}`);
    expect(await page.textContent('h1')).toBe('Single sign-on');
    expect(await page.textContent('#redirect-uri')).toBe(`${server.url}/sign-in/sso/callback`);
    await expectAccessible(page);

    await page.getByLabel('Issuer address').fill('http://login.example.org');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForLoadState('load');
    expect(await page.textContent('.govuk-error-summary')).toContain('The issuer address must start with https://');
    await expectAccessible(page);

    await page.getByLabel('Issuer address').fill(idp.issuer);
    await page.getByRole('button', { name: 'Test the connection' }).click();
    await page.waitForLoadState('load');
    expect(await page.textContent('.govuk-notification-banner')).toContain('The connection works');
    await expectAccessible(page);
    // The provider's own pages and 4xx answers log load errors; a policy violation would show here.
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it('a person without an account is told who to ask', async () => {
    const { context, page } = await newPage();
    await page.goto(`${server.url}/sign-in/sso`);
    await page.getByLabel('Work email address').fill('someone@elsewhere.org.uk');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
    expect(await page.textContent('.govuk-error-summary')).toContain('Your organisation does not use single sign-on here.');
    await expectAccessible(page);

    await page.getByLabel('Work email address').fill('sam.new@westbrook.gov.uk');
    await page.getByRole('button', { name: 'Continue' }).click();
    await throughProvider(page, 'sam-object-id');
    await page.waitForLoadState('load');
    expect(await page.textContent('main')).toContain('There is no CSPR Hub account for this address in Westbrook Safeguarding Children Partnership.');
    await expectAccessible(page);

    // Coming back again with the same answer: the one-time cookie is gone.
    await page.reload();
    expect(await page.textContent('h1')).toBe('You could not sign in');
    await expectAccessible(page);
    await context.close();
  }, 120_000);
});
