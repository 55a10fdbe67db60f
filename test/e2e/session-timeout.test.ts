import { sql } from 'kysely';
import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../src/features/demo/service.ts';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();
const WRITTEN = 'What the health visitor saw, written at length before the session ended.';

describe.skipIf(!chromiumPath)('sessions that do not eat work', { timeout: 180_000 }, () => {
  const live = useLiveBrowser(chromiumPath);

  it('warns two minutes before the idle limit, and staying signed in by keyboard keeps the page as it was', async () => {
    const context = await signedInContext(live, 'admin@northmoor.example');
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.clock.install();
    await page.goto(`${live.server.url}/cases/new`);
    await page.getByLabel('What is known so far', { exact: false }).fill(WRITTEN);
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.isVisible()).toBe(false);

    await page.clock.fastForward('28:01');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.textContent()).toContain('You will be signed out soon');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('alertdialog');
    await expectAccessible(page);

    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Stay signed in');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.getByLabel('What is known so far', { exact: false }).inputValue()).toBe(WRITTEN);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a form sent after the session ended is kept; signing in again shows it to send again', async () => {
    const context = await signedInContext(live, 'admin@northmoor.example');
    const page = await context.newPage();
    await page.goto(`${live.server.url}/cases/new`);
    await page.getByLabel('What is known so far', { exact: false }).fill(WRITTEN);
    // The idle limit passes on the server while the person writes.
    await sql`update sessions set last_seen_at = now() - interval '2 hours'`.execute(live.server.app.deps.database.db);
    // Past the few seconds for which an instance remembers a session it has just looked up.
    await page.waitForTimeout(live.server.app.deps.config.sessionCacheMs + 100);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForURL(/\/sign-in\?next=%2Faccount%2Funsent-forms%2F/);
    await expectAccessible(page);

    await page.getByLabel('Email address').fill('admin@northmoor.example');
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sign-in\/two-factor/);
    await page.getByLabel('Security code').fill(generateSync({ secret: DEMO_TOTP_SECRET }));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/account\/unsent-forms\//);
    expect(await page.textContent('h1')).toBe('Your form was not sent');
    expect(await page.getByRole('textbox', { name: 'What is known' }).inputValue()).toBe(WRITTEN);
    await expectAccessible(page);

    // Sent again: the form checks it as any other (here, the questions not yet answered), keeping the words.
    await page.getByRole('button', { name: 'Send the form again' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByLabel('What is known so far', { exact: false }).inputValue()).toBe(WRITTEN);
    await expectAccessible(page);
    await context.close();
  });
});
