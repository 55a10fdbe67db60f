import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brandOf, saveBrand } from '../../src/features/partnerships/brand.ts';
import { addPublication } from '../../src/features/repository/catalogue.ts';
import { addPartnership } from '../../src/features/partnerships/service.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { inTransaction } from '../../src/platform/db/transaction.ts';
import { findUserByEmail } from '../../src/features/users/service.ts';
import { collectConsoleErrors, expectAccessible, findChromium, launchBrowser, startLiveServer, type LiveServer } from './browser.ts';

const chromiumPath = findChromium();
const NORTH_HOST = 'reviews.northmoor.example';
const SOUTH_HOST = 'reviews.southfield.example';

describe.skipIf(!chromiumPath)('each partnership’s own front door, on two host names', () => {
  let server: LiveServer;
  let browser: Browser;
  let port = 0;

  beforeAll(async () => {
    server = await startLiveServer();
    port = Number(new URL(server.url).port);
    // Both host names lead to this machine, as DNS would lead them to the service.
    browser = await launchBrowser(chromiumPath as string, [`--host-resolver-rules=MAP ${NORTH_HOST} 127.0.0.1, MAP ${SOUTH_HOST} 127.0.0.1`]);
    const db = server.app.deps.database.db;
    const south = await addPartnership(db, { slug: 'southfield', name: 'Southfield Safeguarding Children Partnership', fictional: true });
    await addPublication(db, {
      partnershipId: south.id,
      source: 'import',
      title: 'Child Rowan: a local review in Southfield',
      summary: 'Rowan was nine when the school raised concerns about neglect.',
      reviewType: 'local-cspr',
      themes: ['neglect'],
      publishedOn: '2025-01-20',
    });
    await inTransaction(db, (trx) =>
      saveBrand(
        trx,
        south.id,
        { displayName: null, accentColour: '#ffdd00', contactEmail: 'reviews@southfield.example', contactPhone: null, contactUrl: null, licence: 'cc-by-nc-4.0', hosts: [SOUTH_HOST] },
        null,
        [],
      ),
    );
    await server.app.brands.refresh();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a partnership administrator sets the brand; a colour text cannot be read on is refused with an error summary', async () => {
    const db = server.app.deps.database.db;
    const user = (await findUserByEmail(db, 'admin@northmoor.example'))!;
    const context = await browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: await createSession(db, user.id, { twoFactor: true }), url: server.url, httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${server.url}/admin/brand`);
    await page.waitForURL(/\/admin\/partnerships\/northmoor\/brand$/);
    expect(await page.textContent('h1')).toBe('Public pages');
    await expectAccessible(page);

    await page.getByLabel('Name shown on the pages').fill('Northmoor SCP');
    await page.getByLabel('Accent colour').fill('#777777');
    await page.getByLabel('Email address').fill('reviews@northmoor.example');
    await page.getByLabel(/Creative Commons Attribution 4\.0/).check();
    await page.getByLabel('Addresses of the public pages').fill(NORTH_HOST);
    await page.setInputFiles('#logo', { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><title>N</title><rect width="40" height="40" fill="#4c2c92"/></svg>') });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('below the 4.5:1 that WCAG 2.2 asks for');
    await expectAccessible(page);

    await page.getByLabel('Accent colour').fill('#4c2c92');
    await page.setInputFiles('#logo', { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><title>N</title><rect width="40" height="40" fill="#4c2c92"/></svg>') });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/saved=1/);
    expect(await page.textContent('.govuk-notification-banner')).toContain('saved');
    expect(await page.locator('img.cspr-brand-preview').count()).toBe(1);
    await expectAccessible(page);
    const northmoor = await db.selectFrom('partnerships').select('id').where('slug', '=', 'northmoor').executeTakeFirstOrThrow();
    expect((await brandOf(db, northmoor.id))?.hosts).toEqual([NORTH_HOST]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('each host name shows its partnership’s repository alone, in its brand; the service’s own address keeps the national view', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    await page.goto(`http://${NORTH_HOST}:${port}/`);
    expect(await page.textContent('.cspr-brand-band')).toContain('Northmoor SCP');
    expect(await page.locator('.cspr-brand-band').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(76, 44, 146)');
    expect(await page.locator('h1').evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/^arial, helvetica, sans-serif$/i);
    expect(await page.locator('img.cspr-brand-band__logo').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    const titles = await page.locator('.cspr-result h2 a').allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    expect(titles).not.toContain('Child Rowan: a local review in Southfield');
    expect(await page.textContent('footer')).toContain('reviews@northmoor.example');
    expect(await page.textContent('footer')).toContain('Creative Commons Attribution 4.0');
    expect(await page.textContent('body')).not.toMatch(/copyright|Open Government Licence/i);
    expect((await page.getByRole('navigation', { name: 'Menu' }).getByRole('link').allTextContents()).map((s) => s.trim())).toEqual(['Search', 'Learning']);
    await expectAccessible(page);

    await page.goto(`http://${SOUTH_HOST}:${port}/search?q=neglect`);
    expect(await page.textContent('.cspr-brand-band')).toContain('Southfield Safeguarding Children Partnership');
    // Yellow takes black text: the contrast rule chose it.
    expect(await page.locator('.cspr-brand-band__name').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(11, 12, 12)');
    expect(await page.locator('.cspr-result h2 a').allTextContents()).toEqual(['Child Rowan: a local review in Southfield']);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Child Rowan: a local review in Southfield' }).click();
    expect(await page.textContent('h1')).toBe('Child Rowan: a local review in Southfield');
    await expectAccessible(page);

    await page.goto(`${server.url}/search`);
    expect(await page.locator('.cspr-brand-band').count()).toBe(0);
    const national = await page.locator('.cspr-result h2 a').allTextContents();
    expect(national).toContain('Child Rowan: a local review in Southfield');
    expect(national.length).toBeGreaterThan(1);
    expect(await page.textContent('.govuk-service-navigation__service-name')).toContain('CSPR Hub');
    await expectAccessible(page);
    // Plain HTTP on a name other than localhost: Chromium says it ignores the COOP header (HTTPS in service).
    expect(errors.filter((e) => !e.includes('Cross-Origin-Opener-Policy header has been ignored'))).toEqual([]);
    await context.close();
  });
});
